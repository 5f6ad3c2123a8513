#!/usr/bin/env bash
# Builds writ with every warning as an error and runs the whole test suite
# through CTest. This is exactly what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

build_dir=${WRIT_BUILD_DIR:-build}
jobs=${WRIT_JOBS:-2}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWRIT_WERROR=ON \
  -DWRIT_BUILD_TESTS=ON -DWRIT_BUILD_BENCHMARKS=ON
cmake --build "$build_dir" -j "$jobs"
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs"
