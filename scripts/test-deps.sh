#!/usr/bin/env bash
# Installs the Debian packages the tests need, each only if it is missing (apt-get runs only when one is).
# better-sqlite3 compiles from source at `npm ci` here (no prebuilt download is reachable): python3, make, g++.
set -euo pipefail
need=()
command -v python3 >/dev/null || need+=(python3)
command -v make >/dev/null || need+=(make)
command -v g++ >/dev/null || need+=(g++)
# The browser end-to-end tests drive Debian's Chromium (never a downloaded browser).
[ -x /usr/bin/chromium ] || need+=(chromium)
# The SIP test rig (test/rig): Kamailio as registrar/proxy over WebSocket, sox for the fake microphone's tone,
# ffmpeg to check recordings.
command -v kamailio >/dev/null || need+=(kamailio)
[ -e /usr/lib/x86_64-linux-gnu/kamailio/modules/websocket.so ] || need+=(kamailio-websocket-modules)
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v sox >/dev/null || need+=(sox)
# test/rig/run.sh brings up loopback in its private network namespace with `ip`.
command -v ip >/dev/null || need+=(iproute2)
# The clock-shift run (scripts/clock-shift.sh): libfaketime moves the clock of the date-heavy suites.
command -v faketime >/dev/null || need+=(faketime)
# Chinese glyphs in screenshots.
fc-list 2>/dev/null | grep -qi 'cjk' || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

# Head office's tests run on embedded PGlite and on a real PostgreSQL at 127.0.0.1:5432 (trust auth, database
# `test`), as this kind of machine provides; start it when it is not running.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if ! command -v pg_ctlcluster >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
  fi
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
  done
  pg_isready -h 127.0.0.1 -p 5432
fi
