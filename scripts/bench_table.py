#!/usr/bin/env python3
"""Turns scripts/bench.sh's JSON into the markdown tables of RESULTS.md.

usage: bench_table.py RESULTS_DIR   (holding decision.json, compile.json)

Every figure is the median over the repetitions of one run of the suite.
Batch figures are CPU time per call (Google Benchmark's cpu_time), which
preemption on a loaded machine does not inflate; p50/p99 are wall time per
call, one clock read included. "warm": the request was just copied into the
object decided (in cache); "cold": read from 10,000 stored requests;
"hot": the batch cycles over 64 requests only.
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
        parts = [p for p in entry["run_name"].split("/") if not p.startswith("iterations:")]
        mode = parts[1] if len(parts) == 3 else None
        out[(parts[0], mode, int(parts[-1]))] = entry
    return out


def cpu_ns(entry):
    scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[entry["time_unit"]]
    return entry["cpu_time"] * scale


def fmt(value, digits=0):
    return "—" if value is None else f"{value:,.{digits}f}"


class Table:
    def __init__(self, results):
        self.results = results

    def get(self, kind, mode, rules, counter=None):
        entry = self.results.get((kind, mode, rules))
        if entry is None:
            return None
        return cpu_ns(entry) if counter is None else entry.get(counter)

    def percentiles(self, kind, mode, rules):
        return (fmt(self.get(kind, mode, rules, "p50_ns")) + " / " +
                fmt(self.get(kind, mode, rules, "p99_ns")))

    def pair(self, kind, first, second, rules, digits=1):
        return (fmt(self.get(kind, first, rules), digits) + " / " +
                fmt(self.get(kind, second, rules), digits))

    def ratio(self, kind, rules):
        return (fmt(self.get(kind, None, rules, "ratio"), 2) + "× (wall " +
                fmt(self.get(kind, None, rules, "wall_ratio"), 2) + "×)")


def decision_table(t):
    print("| rules | engine warm p50 / p99 ns | baseline warm p50 / p99 ns "
          "| engine / baseline, hot (CPU) | engine / baseline, cold (CPU) "
          "| engine CPU ns hot / cold | baseline CPU ns hot / cold "
          "| engine cold p50 / p99 ns | rule ids warm p50 / p99 ns | reference CPU ns "
          "| allocs/decision |")
    print("|" + "---|" * 11)
    for rules in SIZES:
        row = [
            f"{rules:,}",
            t.percentiles("latency_warm", "engine_decision", rules),
            t.percentiles("latency_warm", "baseline_decision", rules),
            t.ratio("ratio_hot", rules),
            t.ratio("ratio", rules),
            fmt(t.get("batch_hot", "engine_decision", rules), 1) + " / " +
            fmt(t.get("batch", "engine_decision", rules), 1),
            fmt(t.get("batch_hot", "baseline_decision", rules), 1) + " / " +
            fmt(t.get("batch", "baseline_decision", rules), 1),
            t.percentiles("latency", "engine_decision", rules),
            t.percentiles("latency_warm", "engine_rule_ids", rules),
            fmt(t.get("batch", "reference_decision", rules), 0),
            fmt(t.get("batch", "engine_decision", rules, "allocs_per_call"), 2),
        ]
        print("| " + " | ".join(row) + " |")


def explanation_table(t):
    print("| rules | explain warm p50 / p99 ns | explain cold p50 / p99 ns | explain CPU ns "
          "| allocs/explain | JSON→decision p50 / p99 ns | JSON→decision CPU ns "
          "| allocs/JSON→decision | JSON into a reused request→decision p50 / p99 ns "
          "| its CPU ns | its allocs |")
    print("|" + "---|" * 11)
    for rules in SIZES:
        row = [
            f"{rules:,}",
            t.percentiles("latency_warm", "engine_explain", rules),
            t.percentiles("latency", "engine_explain", rules),
            fmt(t.get("batch", "engine_explain", rules), 0),
            fmt(t.get("batch", "engine_explain", rules, "allocs_per_call"), 1),
            t.percentiles("latency", "engine_json", rules),
            fmt(t.get("batch", "engine_json", rules), 0),
            fmt(t.get("batch", "engine_json", rules, "allocs_per_call"), 1),
            t.percentiles("latency", "engine_json_reused", rules),
            fmt(t.get("batch", "engine_json_reused", rules), 0),
            fmt(t.get("batch", "engine_json_reused", rules, "allocs_per_call"), 2),
        ]
        print("| " + " | ".join(row) + " |")


def growth_table(t):
    """Growth from 100 rules, on the default workload (300 tools at every
    size, so a request's candidate rules grow with the policy) and on the
    scaled one (3 tools per rule: candidates stay as at 100 rules)."""
    print("| workload | rules | engine warm p50 ns (× 100 rules) | engine hot CPU ns (×) "
          "| baseline warm p50 ns (×) | baseline hot CPU ns (×) |")
    print("|---|---|---|---|---|---|")
    def cell(kind, mode, rules, counter=None):
        value = t.get(kind, mode, rules, counter)
        base = t.get(kind, mode, 100, counter)
        if value is None or not base:
            return "—"
        return f"{fmt(value, 1 if counter is None else 0)} ({value / base:.2f}×)"

    for label, suffix in (("300 tools", ""), ("3 tools per rule", "_scaled")):
        for rules in (100, 1000, 10000):
            row = [label, f"{rules:,}",
                   cell("latency_warm" + suffix, "engine_decision", rules, "p50_ns"),
                   cell("batch_hot" + suffix, "engine_decision", rules),
                   cell("latency_warm" + suffix, "baseline_decision", rules, "p50_ns"),
                   cell("batch_hot" + suffix, "baseline_decision", rules)]
            print("| " + " | ".join(row) + " |")


def period_table(t):
    """Warm p50 by how many distinct requests the calls cycle over
    (latency_warm_P/; 10,000 is latency_warm/), with the growth from 100
    rules at each."""
    periods = [("64", "latency_warm_64"), ("500", "latency_warm_500"),
               ("2,000", "latency_warm_2000"), ("10,000", "latency_warm")]
    print("| requests cycled | engine warm p50 ns, 100 / 1,000 / 10,000 rules (10,000 ÷ 100) "
          "| baseline warm p50 ns, 100 / 1,000 / 10,000 rules (10,000 ÷ 100) |")
    print("|---|---|---|")
    def cell(kind, mode):
        values = [t.get(kind, mode, rules, "p50_ns") for rules in (100, 1000, 10000)]
        growth = (f" ({values[2] / values[0]:.2f}×)"
                  if None not in (values[0], values[2]) and values[0] else "")
        return " / ".join(fmt(value) for value in values) + growth

    for label, kind in periods:
        print(f"| {label} | {cell(kind, 'engine_decision')} | {cell(kind, 'baseline_decision')} |")


def interleaved_growth_table(t):
    """growth_warm/: the warm p50 at 1,000 and 10,000 rules over the one at
    100, from passes on the two policies interleaved in one process (both
    sizes meet the machine in the same speed mode)."""
    print("| rules | engine warm p50 ns, 100 / N rules | engine growth (pass median) "
          "| baseline warm p50 ns, 100 / N rules | baseline growth (pass median) |")
    print("|---|---|---|---|---|")
    def cells(mode, rules):
        base = t.get("growth_warm", mode, rules, "base_p50_ns")
        value = t.get("growth_warm", mode, rules, "p50_ns")
        growth = t.get("growth_warm", mode, rules, "growth")
        median = t.get("growth_warm", mode, rules, "growth_pass_median")
        return [f"{fmt(base)} / {fmt(value)}", f"{fmt(growth, 2)}× ({fmt(median, 2)}×)"]

    for rules in (1000, 10000):
        row = [f"{rules:,}"] + cells("engine_decision", rules) + cells("baseline_decision", rules)
        print("| " + " | ".join(row) + " |")


def compile_table(t):
    print("| rules | source bytes | compile CPU ms | compiled policy MB |")
    print("|---|---|---|---|")
    for rules in SIZES:
        entry = t.results.get(("compile", None, rules))
        if entry is not None:
            print(f"| {rules:,} | {entry['source_bytes']:,.0f} | {cpu_ns(entry) / 1e6:,.2f} "
                  f"| {entry['policy_bytes'] / 1e6:,.2f} |")


def main():
    directory = sys.argv[1]
    decision = Table(medians(os.path.join(directory, "decision.json")))
    decision_table(decision)
    print()
    explanation_table(decision)
    overhead = decision.get("latency_warm", "engine_decision", 1000, "timer_overhead_ns")
    print(f"\nTimer overhead (one steady_clock read, included in every p50/p99): "
          f"{fmt(overhead)} ns.\n")
    growth_table(decision)
    print()
    period_table(decision)
    print()
    interleaved_growth_table(decision)
    print()
    compile_path = os.path.join(directory, "compile.json")
    if os.path.exists(compile_path):
        compile_table(Table(medians(compile_path)))


if __name__ == "__main__":
    main()
