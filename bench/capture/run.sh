#!/usr/bin/env bash
# bench/capture: page-load time of a heavy local page with no recorder, with `rae capture` and
# with Playwright's recordHar (same Debian Chromium, same page), and the time from starting each
# to the first paint. See bench/capture/README.md.
#
#   bench/capture/run.sh [RAE_BINARY]        (default build/rae, relative to the repo root)
#
# Environment: RUNS=7 (rounds; medians are reported), CHROMIUM=/usr/bin/chromium, TIMEOUT=60
# (seconds per run). Writes build/bench/capture/results.json. Prints the verdicts; fails only
# when it cannot run at all.
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../common.sh" "$@" # HERE, ROOT, RAE
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  echo "bench: no Chromium at $CHROMIUM (apt-get install -y chromium, or set CHROMIUM)" >&2
  exit 1
fi
if ! command -v node >/dev/null; then
  echo "bench: node is missing (apt-get install -y nodejs npm)" >&2
  exit 1
fi
# The peer is Playwright from the repository's npm packages (those of the browser tests).
if [ ! -d "$ROOT/node_modules/playwright-core" ]; then
  echo "installing the test npm packages (npm ci) ..."
  if ! npm ci --no-audit --no-fund >/dev/null 2>&1; then
    echo "bench: npm ci failed; run 'scripts/deps.sh all' first" >&2
    exit 1
  fi
fi
OUT=build/bench/capture
mkdir -p "$OUT"
echo "rae capture ($RAE) vs Playwright $(node -p "require('$ROOT/node_modules/playwright-core/package.json').version") recordHar, $("$CHROMIUM" --version 2>/dev/null)"
exec node "$HERE/bench.mjs" "$RAE" "$OUT"
