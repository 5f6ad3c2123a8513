#!/usr/bin/env bash
# The main job: compile the bundled agent-gateway policy set and decide each
# example request, printing the decision and its explanation record.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

build_dir=${WRIT_DEMO_BUILD_DIR:-build-demo}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DWRIT_BUILD_TESTS=OFF -DWRIT_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build_dir" --target writ_cli -j "${WRIT_JOBS:-2}" >/dev/null

writ="$build_dir/tools/writ"
policy_dir=policies/agent-gateway
policy=("$policy_dir"/schema.writ "$policy_dir"/lets.writ "$policy_dir"/allow.writ \
        "$policy_dir"/deny.writ "$policy_dir"/default.writ)

"$writ" check "${policy[@]}"
for request in "$policy_dir"/requests/*.json; do
  echo
  echo "== $(basename "$request")"
  "$writ" eval "${policy[@]}" -i "$request" | python3 -c '
import json, sys
record = json.loads(sys.stdin.read())
rules = ", ".join(r["rule"] + (" (indeterminate)" if r["indeterminate"] else "")
                  for r in record["determining"]) or "the default"
print(record["decision"].upper(), "by", rules)
print(json.dumps(record, indent=2))'
done
