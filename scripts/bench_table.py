#!/usr/bin/env python3
"""Turns scripts/bench.sh's JSON into the markdown tables of RESULTS.md.

usage: bench_table.py RESULTS_DIR   (holding decision.json, compile.json)

Every figure is the median over the repetitions of one run of the suite.
"""
import json
import os
import sys

SIZES = [10, 100, 1000, 10000]


def medians(path):
    """{(kind, mode, rules): median entry} from a Google Benchmark JSON file."""
    with open(path) as f:
        data = json.load(f)
    out = {}
    for entry in data["benchmarks"]:
        if entry.get("aggregate_name", "median") != "median":
            continue
        parts = entry["run_name"].split("/")
        parts = [p for p in parts if not p.startswith("iterations:")]
        if len(parts) == 2:  # ratio/N, compile/N
            out[(parts[0], None, int(parts[1]))] = entry
        else:
            out[(parts[0], parts[1], int(parts[2]))] = entry
    return out


def ns(entry):
    scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[entry["time_unit"]]
    return entry["real_time"] * scale


def fmt(value, digits=0):
    return "—" if value is None else f"{value:,.{digits}f}"


def get(results, kind, mode, rules, counter=None):
    entry = results.get((kind, mode, rules))
    if entry is None:
        return None
    return ns(entry) if counter is None else entry.get(counter)


def main():
    directory = sys.argv[1]
    decision = medians(os.path.join(directory, "decision.json"))
    compile_path = os.path.join(directory, "compile.json")
    compiled = medians(compile_path) if os.path.exists(compile_path) else {}

    print("| rules | engine batch ns | baseline batch ns | engine/baseline (interleaved) "
          "| engine p50 / p99 ns | baseline p50 / p99 ns | reference batch ns "
          "| explain p50 / p99 ns | JSON→decision p50 / p99 ns | allocs/decision "
          "| allocs/explain | allocs/JSON |")
    print("|" + "---|" * 12)
    for rules in SIZES:
        row = [
            f"{rules:,}",
            fmt(get(decision, "batch", "engine_decision", rules), 1),
            fmt(get(decision, "batch", "baseline_decision", rules), 1),
            fmt(get(decision, "ratio", None, rules, "ratio"), 2) + "×",
            fmt(get(decision, "latency", "engine_decision", rules, "p50_ns")) + " / " +
            fmt(get(decision, "latency", "engine_decision", rules, "p99_ns")),
            fmt(get(decision, "latency", "baseline_decision", rules, "p50_ns")) + " / " +
            fmt(get(decision, "latency", "baseline_decision", rules, "p99_ns")),
            fmt(get(decision, "batch", "reference_decision", rules), 1),
            fmt(get(decision, "latency", "engine_explain", rules, "p50_ns")) + " / " +
            fmt(get(decision, "latency", "engine_explain", rules, "p99_ns")),
            fmt(get(decision, "latency", "engine_json", rules, "p50_ns")) + " / " +
            fmt(get(decision, "latency", "engine_json", rules, "p99_ns")),
            fmt(get(decision, "batch", "engine_decision", rules, "allocs_per_call"), 2),
            fmt(get(decision, "batch", "engine_explain", rules, "allocs_per_call"), 1),
            fmt(get(decision, "batch", "engine_json", rules, "allocs_per_call"), 1),
        ]
        print("| " + " | ".join(row) + " |")
    overhead = get(decision, "latency", "engine_decision", 1000, "timer_overhead_ns")
    print(f"\nTimer overhead (one steady_clock read, included in every p50/p99): "
          f"{fmt(overhead)} ns.\n")

    if compiled:
        print("| rules | source bytes | compile ms | compiled policy MB |")
        print("|---|---|---|---|")
        for rules in SIZES:
            entry = compiled.get(("compile", None, rules))
            if entry is None:
                continue
            print(f"| {rules:,} | {entry['source_bytes']:,.0f} | {ns(entry) / 1e6:,.2f} "
                  f"| {entry['policy_bytes'] / 1e6:,.2f} |")


if __name__ == "__main__":
    main()
