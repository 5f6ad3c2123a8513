#!/usr/bin/env bash
# One command for the issue-3 benchmark suite:
#
#   scripts/bench.sh [REPETITIONS]      (default 5)
#
# Configures a Release build in build-bench/ (the broker is not needed),
# builds only the benchmark targets and the writ CLI with -j2, runs the
# decision, compile and index benchmarks with repetitions (aggregates only) and
# `writ bench` on the generated 1,000-rule workload, and writes JSON to
# build-bench/bench-results/. benchmarks/RESULTS.md explains how to read it.
set -euo pipefail

repetitions="${1:-5}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-bench"
out="$build/bench-results"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DWRIT_BUILD_BROKER=OFF \
  -DWRIT_BUILD_BENCHMARKS=ON >/dev/null
cmake --build "$build" -j2 --target decision_benchmark compile_benchmark index_benchmark \
  generate_workload writ_cli memory_latency
mkdir -p "$out"

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "nproc: $(nproc)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit: $(git -C "$root" rev-parse --short HEAD)"
  # Per core, from sysfs: lscpu sums a level over its instances.
  # Some VMs expose no cache entries at all: say so rather than print blanks.
  caches="$(for index in /sys/devices/system/cpu/cpu0/cache/index*; do
    if [[ -r "$index/size" ]]; then
      echo "L$(cat "$index/level") $(cat "$index/type") $(cat "$index/size")"
    fi
  done | paste -sd ';' -)"
  echo "caches: ${caches:-not reported by this VM (see the latency curve)}"
  # Where the lines of a large policy come from: RESULTS.md reads the
  # 10,000-rule growth against this curve.
  "$build/benchmarks/memory_latency"
} | tee "$out/machine.txt"

run() {  # NAME BINARY [ARGS...]
  local name="$1"; shift
  "$@" --benchmark_repetitions="$repetitions" --benchmark_report_aggregates_only=true \
    --benchmark_out="$out/$name.json" --benchmark_out_format=json
}
run decision "$build/benchmarks/decision_benchmark"
run compile "$build/benchmarks/compile_benchmark"
# CIDR range tables and pattern sets, on policies built for them.
run index "$build/benchmarks/index_benchmark"

"$build/benchmarks/generate_workload" 1000 "$out" >/dev/null
"$build/tools/writ" bench "$out/generated-1000.writ" -i "$out/requests-1000.jsonl" --json \
  | tee "$out/writ-bench-1000.json"

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"
python3 "$root/scripts/bench_table.py" "$out" | tee "$out/table.md"
