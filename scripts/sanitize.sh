#!/usr/bin/env bash
# Sanitizer runs (issue 5):
#   1. AddressSanitizer + UndefinedBehaviorSanitizer: builds everything and
#      runs the whole CTest suite (build-asan/).
#   2. ThreadSanitizer: builds the engine tests and runs them, the
#      reload-under-load concurrency test included (8 threads, 1,000,000
#      decisions, 1,000 reloads; build-tsan/).
#
#   scripts/sanitize.sh [asan|tsan|all]      (default all)
#
# WRIT_CONCURRENCY_DECISIONS scales the TSan concurrency test.
set -euo pipefail
cd "$(dirname "$0")/.."

which_runs=${1:-all}
jobs=${WRIT_JOBS:-2}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

run_asan() {
  local build_dir=${WRIT_ASAN_BUILD_DIR:-build-asan}
  local flags="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
  cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DWRIT_BUILD_TESTS=ON -DWRIT_BUILD_BENCHMARKS=OFF \
    -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
    -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
  cmake --build "$build_dir" -j "$jobs"
  # The install test builds an uninstrumented example against the
  # instrumented library; that proves packaging, not memory safety, and is
  # covered by the normal build.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  WRIT_CONCURRENCY_DECISIONS=${WRIT_CONCURRENCY_DECISIONS:-200000} \
    ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" \
      -E 'engine.InstallAndBuildEmbedExample'
}

run_tsan() {
  local build_dir=${WRIT_TSAN_BUILD_DIR:-build-tsan}
  local flags="-fsanitize=thread -fno-omit-frame-pointer"
  cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DWRIT_BUILD_TESTS=ON -DWRIT_BUILD_BENCHMARKS=OFF -DWRIT_BUILD_BROKER=OFF \
    -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" >/dev/null
  cmake --build "$build_dir" -j "$jobs" --target engine_tests
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    "$build_dir/tests/engine/engine_tests" \
      --gtest_filter='ConcurrencyTest.*:EngineTest.*:EngineLogTest.*:DecisionLogTest.*'
}

case "$which_runs" in
  asan) run_asan ;;
  tsan) run_tsan ;;
  all) run_asan; run_tsan ;;
  *) echo "usage: scripts/sanitize.sh [asan|tsan|all]" >&2; exit 2 ;;
esac
