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
# Chinese glyphs in screenshots.
fc-list 2>/dev/null | grep -qi 'cjk' || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
