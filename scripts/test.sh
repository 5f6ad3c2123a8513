#!/usr/bin/env bash
# Builds writ with every warning as an error and runs the whole test suite
# through CTest, after the robustness stages: AddressSanitizer +
# UndefinedBehaviorSanitizer over the whole suite, ThreadSanitizer over the
# engine's reload-under-load concurrency tests, and a deterministic
# libFuzzer run (fixed seed and input count, so the verdict never depends
# on luck). This is exactly what CI runs (.ci/run).
#
# WRIT_QUICK=1 skips the robustness stages while iterating locally.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

if [[ "${WRIT_QUICK:-0}" != 1 ]]; then
  bash scripts/sanitize.sh all
  WRIT_FUZZ_RUNS=${WRIT_FUZZ_RUNS:-2000} bash scripts/fuzz.sh
fi

build_dir=${WRIT_BUILD_DIR:-build}
jobs=${WRIT_JOBS:-2}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWRIT_WERROR=ON \
  -DWRIT_BUILD_TESTS=ON -DWRIT_BUILD_BENCHMARKS=ON
cmake --build "$build_dir" -j "$jobs"
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs"
