#!/usr/bin/env bash
# The clock-shift run of `npm test`: the suites whose behaviour depends on the date run again under libfaketime
# (Debian `faketime`) at the instants where calendars break: year end on both sides of midnight, the Spring
# Festival week, a quarter's last minute, a leap day. Every process of a run (vitest's workers, the head-office
# processes a test starts) shares one shifted clock that runs on from the instant; PostgreSQL keeps the real
# time, which head office never reads (it takes every instant from its own clock).
#   bash scripts/clock-shift.sh                         every instant
#   bash scripts/clock-shift.sh '2027-02-10 10:00 +0800'  one instant
set -euo pipefail
cd "$(dirname "$0")/.."

# The unit, store and head-office suites that involve dates (head office's on PGlite and on PostgreSQL: each of
# these files runs both). Left out: the script engine's property tests, transport, uploads, migrations and
# connection-loss suites, which read no date.
SUITES=(
  test/shared/contract
  test/shared/domain
  test/shared/phone
  test/shared/scripts/engine.test.ts
  test/shared/scripts/format.test.ts
  test/shared/scripts/merge.test.ts
  test/renderer
  test/electron/seat
  test/hq/rules
  test/hq/feeds.test.ts
  test/hq/import-cli.test.ts
  test/hq/qa.test.ts
  test/hq/raise-finding.test.ts
  test/hq/retention.test.ts
  test/hq/seat-review.test.ts
  test/hq/supervision.test.ts
  test/hq/sync-protocol.test.ts
  test/hq/watch.test.ts
)

if [ $# -gt 0 ]; then
  instants=("$@")
else
  instants=(
    '2026-12-31 23:30 +0800' # year end, before midnight in China (15:30 UTC: still the same day in UTC)
    '2027-01-01 00:30 +0800' # year end, after midnight in China (2026-12-31 in UTC)
    '2027-02-10 10:00 +0800' # Spring Festival week
    '2027-03-31 23:59 +0800' # a quarter's last minute (the run goes on into the next quarter)
    '2028-02-29 12:00 +0800' # a leap day
  )
fi

# One migrated PGlite template for every run (test/support/global-setup.ts): it holds no date.
HQ_TEST_PGLITE_TEMPLATE="$(node --import tsx test/support/global-setup.ts)"
export HQ_TEST_PGLITE_TEMPLATE
trap 'rm -rf "$(dirname "$HQ_TEST_PGLITE_TEMPLATE")"' EXIT

# Three workers on two cores: these suites wait on databases and child processes a good part of the time.
for at in "${instants[@]}"; do
  echo "== clock-shift: $at"
  faketime --exclude-monotonic "$at" node -e 'console.log(`   the suites see ${new Date().toISOString()}`)'
  faketime --exclude-monotonic "$at" npx vitest run --maxWorkers=3 "${SUITES[@]}"
done
