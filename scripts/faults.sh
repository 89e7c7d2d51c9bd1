#!/usr/bin/env bash
# The fault suite: `npm run test:faults` (short: FAULT_KILLS=20 of each kind, part of `npm test`'s budget) or
# `npm run test:faults -- --long` (200 of each kind, about half an hour). Figures, one JSON line per loop
# (kind, kills, lost, duplicated, reordered, integrity, 5xx), go to FAULT_FIGURES and are printed at the end;
# the long run keeps them in test/faults/results/long.jsonl (copied into docs/faults.md).
#   FAULT_KILLS=N   faults of each kind        FAULT_SEED=N   the PRNG's seed for the kill delays
#   Other arguments go to vitest (e.g. a file: npm run test:faults -- test/faults/upload-cut.test.ts).
set -euo pipefail
cd "$(dirname "$0")/.."

args=()
long=0
for a in "$@"; do
  if [[ "$a" == "--long" ]]; then long=1; else args+=("$a"); fi
done
if [[ $long == 1 ]]; then
  export FAULT_KILLS="${FAULT_KILLS:-200}"
fi
export FAULT_KILLS="${FAULT_KILLS:-20}"
if [[ -z "${FAULT_FIGURES:-}" ]]; then
  if [[ $long == 1 || $FAULT_KILLS -ge 200 ]]; then
    mkdir -p test/faults/results
    FAULT_FIGURES="$PWD/test/faults/results/long.jsonl"
  else
    FAULT_FIGURES="$(mktemp -t fault-figures-XXXXXX.jsonl)"
  fi
fi
export FAULT_FIGURES
: >"$FAULT_FIGURES"

start=$(date +%s)
status=0
npx vitest run --config test/faults/vitest.config.ts "${args[@]}" || status=$?
echo "fault suite: FAULT_KILLS=$FAULT_KILLS, $(($(date +%s) - start)) s, figures in $FAULT_FIGURES"
cat "$FAULT_FIGURES"
exit $status
