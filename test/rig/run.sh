#!/usr/bin/env bash
# Runs a command inside a fresh private network namespace whose only interface is loopback (brought up), so
# that Kamailio, the pages and Chromium's WebRTC can use no address but 127.0.0.1. Needs root (as CI is).
#   bash test/rig/run.sh npx vitest run --config test/rig/vitest.config.ts
set -euo pipefail
if [ $# -eq 0 ]; then
  echo "usage: bash test/rig/run.sh <command> [args...]" >&2
  exit 2
fi
exec unshare --net sh -c 'ip link set lo up && exec "$@"' rig "$@"
