#!/usr/bin/env bash
# Exact per-decision counts for the issue-3 workload, from valgrind:
#
#   scripts/instructions.sh [RULES...]      (default: 100 1000 10000)
#   WRIT_SCALED=1 scripts/instructions.sh   the scaled workload: max(300, 3 x RULES)
#                                           tools, so candidate rules per request
#                                           stay constant as the policy grows
#
# For each policy size, runs benchmarks/decision_driver under callgrind with
# a simulated cache (D1 48 KB / 12-way, "LL" 1 MB / 16-way, this core's L1
# and L2) and counts, inside `Policy::Evaluate` (or the hand-written
# baseline's `Decide`) only: instructions per decision, and L1 and L2 data
# misses per decision. Each mode runs twice with different pass counts and
# the two are differenced, so the policy's first touch (compulsory misses)
# and the workload's setup cancel.
#
# Why: on this shared 2-core VM timings move by 10-20% between processes,
# more than most changes to the evaluator; these counts are the same on
# every run, so they compare two builds exactly (instructions for the hot
# path, simulated misses for the 10,000-rule growth). They are not times:
# benchmarks/RESULTS.md keeps both. Takes ~5 minutes for the three sizes.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-bench"
sizes=("$@")
((${#sizes[@]} > 0)) || sizes=(100 1000 10000)

if ! command -v valgrind >/dev/null; then
  echo "writ: installing valgrind" >&2
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends valgrind
fi

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DWRIT_BUILD_BROKER=OFF \
  -DWRIT_BUILD_BENCHMARKS=ON >/dev/null
cmake --build "$build" -j2 --target decision_driver >/dev/null
driver="$build/benchmarks/decision_driver"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# counts MODE RULES PASSES: "decisions Ir D1mr DLmr" inside the decision.
counts() {
  local mode="$1" rules="$2" passes="$3" function='writ::Policy::Evaluate*'
  [[ "$mode" == *baseline ]] && function='writ::bench::HandWrittenBaseline::Decide*'
  local tools=()
  [[ "${WRIT_SCALED:-0}" == 1 ]] && tools=($((rules * 3 > 300 ? rules * 3 : 300)))
  local decisions
  decisions=$(valgrind --tool=callgrind --cache-sim=yes --D1=49152,12,64 --LL=1048576,16,64 \
                --toggle-collect="$function" --callgrind-out-file="$scratch/out" \
                "$driver" "$mode" "$rules" "$passes" "${tools[@]}" 2>/dev/null |
                sed -n 's/^decisions=\([0-9]*\).*/\1/p')
  # events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
  awk -v decisions="$decisions" '/^summary:/ { print decisions, $2, $6 + $7, $9 + $10 }' "$scratch/out"
}

# per_decision MODE RULES FEW MANY: the difference of two runs, per decision.
per_decision() {
  local few many
  few=$(counts "$1" "$2" "$3")
  many=$(counts "$1" "$2" "$4")
  python3 -c '
import sys
few = [float(x) for x in sys.argv[1].split()]
many = [float(x) for x in sys.argv[2].split()]
calls = many[0] - few[0]
print(" ".join("%.1f" % ((m - f) / calls) for f, m in zip(few[1:], many[1:])))
' "$few" "$many"
}

echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)  commit: $(git -C "$root" rev-parse --short HEAD)" \
  "$([[ "${WRIT_SCALED:-0}" == 1 ]] && echo "workload: scaled")"
echo "per decision, inside the call: instructions / L1 data misses / L2 data misses"
printf '%-7s | %-18s | %-18s | %-7s | %-18s | %-18s\n' rules "hot engine" "hot baseline" \
  "ratio" "warm engine" "warm baseline"
for rules in "${sizes[@]}"; do
  read -r hot_i hot_d1 hot_l2 < <(per_decision hot "$rules" 20 120)
  read -r base_i base_d1 base_l2 < <(per_decision hot_baseline "$rules" 20 120)
  read -r warm_i warm_d1 warm_l2 < <(per_decision warm "$rules" 1 3)
  read -r wbase_i wbase_d1 wbase_l2 < <(per_decision warm_baseline "$rules" 1 3)
  ratio=$(python3 -c "print('%.2f' % ($hot_i / $base_i))")
  printf '%-7s | %-18s | %-18s | %-7s | %-18s | %-18s\n' "$rules" \
    "$hot_i / $hot_d1 / $hot_l2" "$base_i / $base_d1 / $base_l2" "$ratio" \
    "$warm_i / $warm_d1 / $warm_l2" "$wbase_i / $wbase_d1 / $wbase_l2"
done
