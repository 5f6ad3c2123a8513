#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (AddressSanitizer and
# UndefinedBehaviorSanitizer on) and runs each for a bounded time, starting
# from the checked-in corpus in fuzz/corpus/<target>/.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]      (default 60; WRIT_FUZZ_SECONDS)
#   WRIT_FUZZ_RUNS=N scripts/fuzz.sh           N inputs per target, seed 1:
#                                              the same inputs on every run,
#                                              as CI needs (a time budget
#                                              would make CI's verdict luck)
#
# New inputs go to $build_dir/corpus-<target>/ (not into the repository);
# a crash leaves its input in $build_dir/artifacts/ and fails the script. To
# keep a crash fixed forever, copy its input into fuzz/corpus/<target>/: the
# test suite replays that directory.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-${WRIT_FUZZ_SECONDS:-60}}
build_dir=${WRIT_FUZZ_BUILD_DIR:-build-fuzz}
jobs=${WRIT_JOBS:-2}
targets=(policy request differential regex token)

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
flags+=" -fno-omit-frame-pointer -gline-tables-only"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
CC=clang CXX=clang++ cmake -S . -B "$build_dir" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=Release -DWRIT_BUILD_FUZZERS=ON \
  -DWRIT_BUILD_TESTS=OFF -DWRIT_BUILD_BENCHMARKS=OFF -DWRIT_BUILD_BROKER=ON \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" >/dev/null
cmake --build "$build_dir" -j "$jobs" --target "${targets[@]/#/fuzz_}"

mkdir -p "$build_dir/artifacts"
status=0
for target in "${targets[@]}"; do
  work="$build_dir/corpus-$target"
  mkdir -p "$work"
  if [[ -n "${WRIT_FUZZ_RUNS:-}" ]]; then
    # A fresh working corpus too, so the run depends only on the checkout.
    work=$(mktemp -d)
    budget=(-runs="$WRIT_FUZZ_RUNS" -seed=1)
    echo "== fuzz_$target: $WRIT_FUZZ_RUNS inputs, seed 1"
  else
    budget=(-max_total_time="$seconds")
    echo "== fuzz_$target: ${seconds}s"
  fi
  if ! "$build_dir/fuzz/fuzz_$target" "${budget[@]}" -max_len=65536 \
      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$build_dir/artifacts/$target-" \
      "$work" "fuzz/corpus/$target" 2>"$build_dir/fuzz_$target.log"; then
    status=1
    echo "fuzz_$target FOUND A CRASH; see $build_dir/fuzz_$target.log" >&2
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+ +DONE" \
    "$build_dir/fuzz_$target.log" || true
done
exit "$status"
