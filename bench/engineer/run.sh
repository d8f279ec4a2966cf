#!/usr/bin/env bash
# bench/engineer: `rae engineer` against the npm package har-to-openapi on the same HARs.
#
#   bench/engineer/run.sh [RAE_BINARY]        (default build/rae, relative to the repo root)
#
# Environment:
#   RUNS=5        runs of each tool on each HAR; medians are reported (the runs alternate
#                 rae / peer, so both see the same noise of a shared 2-core machine)
#   BIG_MB=100    size of the generated large HAR
#   SRC_HAR=...   the corpus HAR (default: tests/corpus/har/jonluca_data_request-generator-
#                 all-status-and-method.har)
#   TIMEOUT=600   seconds before one run is killed and counted as failed
#   TIME_BIN=/usr/bin/time   set it to a missing path to force the python fallback
#
# Measures wall time (date +%s%N around the run: ms resolution, /usr/bin/time's %e has only
# 10 ms) and peak RSS (/usr/bin/time -f %M, the kernel's ru_maxrss of the child; when
# /usr/bin/time is missing, a python3 wrapper reads the same number from getrusage). Prints
# results and marks targets met / NOT met; it fails only when it cannot run at all.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT" || exit 1

RAE=${1:-build/rae}
RUNS=${RUNS:-5}
BIG_MB=${BIG_MB:-100}
TIMEOUT=${TIMEOUT:-600}
TIME_BIN=${TIME_BIN:-/usr/bin/time}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
CACHE=build/bench/engineer
WORK=$CACHE/work
mkdir -p "$CACHE" "$WORK"
rm -f "$WORK/failures"

SRC_HAR=${SRC_HAR:-$ROOT/tests/corpus/har/jonluca_data_request-generator-all-status-and-method.har}

if [ ! -x "$RAE" ]; then
  echo "bench: no rae binary at $RAE (build it with: make build)" >&2
  exit 1
fi
RAE=$(cd "$(dirname "$RAE")" && pwd)/$(basename "$RAE")

# --- how to measure -------------------------------------------------------------------------
if [ -x "$TIME_BIN" ]; then
  MEASURER="$TIME_BIN -f %M"
else
  MEASURER="python3 getrusage(RUSAGE_CHILDREN) wrapper"
  echo "note: /usr/bin/time is missing (Debian package 'time': apt-get install -y time);"
  echo "      a python3 wrapper times the runs and reads peak RSS from getrusage instead"
  echo "      (same kernel number, but with a floor of python's own ~10 MB)."
fi

# measure OUTFILE CMD...  -> appends "wall_ms rss_kb status" to OUTFILE
measure() {
  local out=$1; shift
  local rssf="$WORK/rss.$$" errf="$WORK/stderr.$$" t0 t1 status rss wall
  rm -f "$rssf"
  if [ -x "$TIME_BIN" ]; then
    t0=$(date +%s%N)
    timeout "$TIMEOUT" "$TIME_BIN" -f '%M' -o "$rssf" "$@" >/dev/null 2>"$errf"
    status=$?
    t1=$(date +%s%N)
    wall=$(( (t1 - t0) / 1000000 ))
    # GNU time writes "Command exited with non-zero status N" before the number on failure.
    rss=$(tail -n 1 "$rssf" 2>/dev/null | tr -dc '0-9')
  else
    # The wrapper times the child itself, so python's own start-up is not counted. Its RSS
    # has a floor: the kernel carries the parent's ~10 MB high-water mark into the child
    # across fork+exec, so only runs well above that size read true.
    timeout "$TIMEOUT" "$PY" -c '
import resource, subprocess, sys, time
t0 = time.perf_counter()
rc = subprocess.call(sys.argv[2:], stdout=subprocess.DEVNULL)
wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
open(sys.argv[1], "w").write("%d %d\n" % (wall * 1000, ru))
sys.exit(rc)' "$rssf" "$@" 2>"$errf"
    status=$?
    read -r wall rss <"$rssf" 2>/dev/null
  fi
  [ -n "${wall:-}" ] || wall=0
  [ -n "${rss:-}" ] || rss=0
  echo "$wall $rss $status" >>"$out"
  if [ "$status" -ne 0 ]; then
    local why="exit $status"
    [ "$status" -eq 124 ] && why="timed out after ${TIMEOUT}s"
    { echo "    run failed ($why): $*"; tail -n 5 "$errf" | sed 's/^/      /'; } >>"$WORK/failures"
  fi
  rm -f "$errf" "$rssf"
}

# --- the peer: har-to-openapi ---------------------------------------------------------------
PEER_OK=1
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "note: node/npm missing: har-to-openapi is not measured (apt-get install -y nodejs npm)"
  PEER_OK=0
elif [ ! -d "$HERE/node_modules/har-to-openapi" ]; then
  echo "installing har-to-openapi (npm ci --prefix bench/engineer) ..."
  if ! npm ci --prefix "$HERE" --no-audit --no-fund >"$WORK/npm.log" 2>&1; then
    echo "note: npm ci failed, har-to-openapi is not measured; see $WORK/npm.log"
    tail -n 5 "$WORK/npm.log"
    PEER_OK=0
  fi
fi
PEER_VERSION=$(node -p "require('$HERE/node_modules/har-to-openapi/package.json').version" 2>/dev/null || echo '?')
NODE_VERSION=$(node --version 2>/dev/null || echo '-')

# --- the HARs -------------------------------------------------------------------------------
HARS=()
if [ -n "${SRC_HAR:-}" ] && [ -f "$SRC_HAR" ]; then
  HARS+=("$SRC_HAR")
  BIG="$CACHE/$(basename "$SRC_HAR" .har)-x${BIG_MB}MB.har"
  if [ ! -s "$BIG" ] || [ "$HERE/make_big_har.py" -nt "$BIG" ] || [ "$SRC_HAR" -nt "$BIG" ]; then
    echo "generating the ${BIG_MB} MB HAR (cached in $CACHE) ..."
    if ! "$PY" "$HERE/make_big_har.py" "$SRC_HAR" "$BIG.tmp" "$BIG_MB" 2>&1; then
      echo "bench: make_big_har.py failed" >&2
      exit 1
    fi
    mv "$BIG.tmp" "$BIG"
  fi
  HARS+=("$BIG")
else
  echo "bench: the corpus HAR is missing ($SRC_HAR)" >&2
  exit 1
fi

echo
echo "rae engineer ($RAE) vs har-to-openapi $PEER_VERSION (node $NODE_VERSION)"
echo "$RUNS runs each, alternating; medians; $(nproc) cores; loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
echo "peak RSS: $MEASURER"

RESULTS="$WORK/results.tsv"
: >"$RESULTS"
for har in "${HARS[@]}"; do
  kind=big
  [ "$har" = "$SRC_HAR" ] && kind=corpus
  name=$(basename "$har" .har)
  size=$(stat -c %s "$har")
  raef="$WORK/$name.rae.runs" peerf="$WORK/$name.peer.runs"
  : >"$raef"; : >"$peerf"
  printf '  %-7s %6s MB  %s\n' "$kind" "$(awk "BEGIN{printf \"%.1f\", $size/1e6}")" "$har"
  printf '          runs: '
  for ((i = 1; i <= RUNS; i++)); do
    rm -rf "$WORK/$name.rae.out"
    measure "$raef" "$RAE" engineer "$har" -o "$WORK/$name.rae.out" -q
    printf 'r'
    if [ "$PEER_OK" = 1 ]; then
      rm -f "$WORK/$name.peer.json"
      measure "$peerf" node "$HERE/peer.mjs" "$har" "$WORK/$name.peer.json"
      printf 'p'
    fi
  done
  echo
  if [ -s "$WORK/failures" ]; then cat "$WORK/failures"; rm -f "$WORK/failures"; fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$name" "$size" "$raef" "$peerf" \
    "$WORK/$name.rae.out/openapi.json" "$WORK/$name.peer.json" >>"$RESULTS"
done

echo
"$PY" - "$RESULTS" <<'EOF'
import json, os, statistics, sys

results = sys.argv[1]
SMALL_SPEEDUP, BIG_SPEEDUP, BIG_RSS = 50, 10, 1.5

def runs(path):
    out = []
    if os.path.exists(path):
        for line in open(path):
            ms, kb, st = line.split()
            out.append((int(ms) / 1000, int(kb) * 1024 / 1e6, int(st)))
    return out

def ops(path):
    try:
        doc = json.load(open(path))
    except (OSError, ValueError):
        return None
    skip = {'parameters', 'servers', 'summary', 'description', '$ref'}
    return sum(1 for item in (doc.get('paths') or {}).values() if isinstance(item, dict)
               for k in item if k not in skip and not k.startswith('x-'))

rows, verdicts = [], []
hdr = ('file', 'MB', 'tool', 'wall s', 'min-max s', 'RSS MB', 'MB/s', 'ops')
for line in open(results):
    short, name, size, raef, peerf, raeo, peero = line.rstrip('\n').split('\t')
    mb = int(size) / 1e6
    label = short
    med = {}
    for tool, f, o in (('rae', raef, raeo), ('har-to-openapi', peerf, peero)):
        r = runs(f)
        if not r:
            continue
        ok = [x for x in r if x[2] == 0]
        if not ok:
            rows.append((label, '%.1f' % mb, tool, 'FAILED', 'all %d runs' % len(r), '-', '-', '-'))
            continue
        wall = statistics.median(x[0] for x in ok)
        rss = statistics.median(x[1] for x in ok)
        med[tool] = (wall, rss)
        n = ops(o)
        rows.append((label, '%.1f' % mb, tool, '%.3f' % wall,
                     '%.3f-%.3f' % (min(x[0] for x in ok), max(x[0] for x in ok)),
                     '%.1f' % rss, '%.1f' % (mb / wall if wall else float('inf')),
                     '-' if n is None else str(n)))
        if len(ok) < len(r):
            rows[-1] = rows[-1][:4] + (rows[-1][4] + ' (%d failed)' % (len(r) - len(ok)),) + rows[-1][5:]
    if 'rae' in med and 'har-to-openapi' in med:
        (rw, rr), (pw, pr) = med['rae'], med['har-to-openapi']
        speed = pw / rw if rw else float('inf')
        target = SMALL_SPEEDUP if short == 'corpus' else BIG_SPEEDUP
        verdicts.append('%-6s %5.1f MB  speed: har-to-openapi/rae = %6.1fx  (target >= %dx: %s)'
                        % (short, mb, speed, target, 'met' if speed >= target else 'NOT met'))
        line = '%-6s %5.1f MB  RSS:   rae/file = %.2fx, har-to-openapi/rae = %.1fx' % (
            short, mb, rr / mb, pr / rr if rr else float('inf'))
        if short == 'big':
            line += '  (target rae <= %.1fx file: %s)' % (BIG_RSS, 'met' if rr <= BIG_RSS * mb else 'NOT met')
        verdicts.append(line)
    elif 'rae' in med:
        verdicts.append('%-6s %5.1f MB  no har-to-openapi result: ratios and targets not judged' % (short, mb))
    else:
        verdicts.append('%-6s %5.1f MB  rae FAILED: targets NOT met' % (short, mb))

w = [max(len(str(r[i])) for r in rows + [hdr]) for i in range(len(hdr))]
right = {1, 3, 4, 5, 6, 7}
def fmt(r):
    return '  '.join(str(c).rjust(w[i]) if i in right else str(c).ljust(w[i]) for i, c in enumerate(r))
print(fmt(hdr))
print('  '.join('-' * x for x in w))
prev = None
for r in rows:
    print(fmt(r if r[0] != prev else ('',) * 2 + r[2:]))
    prev = r[0]
print('(wall s and RSS MB: medians of the successful runs; MB/s = file MB / wall s;'
      ' ops = operations in the openapi.json written)')
print()
for v in verdicts:
    print(v)
EOF

# --- precision / recall on the fixture apps (optional) -------------------------------------
echo
echo "endpoint precision/recall on fixture apps (tests/fixtures/*/endpoints.txt):"
found=0
for ep in tests/fixtures/*/endpoints.txt; do
  [ -f "$ep" ] || continue
  fx=$(basename "$(dirname "$ep")")
  har=build/test-output/fixtures/$fx/capture.har
  if [ ! -s "$har" ]; then
    echo "  $fx: no recorded HAR at $har (run the fixture tests first); skipped"
    continue
  fi
  found=1
  echo " $fx:"
  rm -rf "$WORK/fx-$fx.rae"
  "$RAE" engineer "$har" -o "$WORK/fx-$fx.rae" -q >/dev/null 2>"$WORK/fx-$fx.rae.err" ||
    echo "   rae failed (exit $?): $(tail -n 1 "$WORK/fx-$fx.rae.err")"
  args=("$ep" "rae=$WORK/fx-$fx.rae/openapi.json")
  if [ "$PEER_OK" = 1 ]; then
    node "$HERE/peer.mjs" "$har" "$WORK/fx-$fx.peer.json" >/dev/null 2>"$WORK/fx-$fx.peer.err" &&
      args+=("har-to-openapi=$WORK/fx-$fx.peer.json") ||
      echo "   har-to-openapi failed: $(tail -n 1 "$WORK/fx-$fx.peer.err")"
    # The same peer limited to JSON responses: what a user would pick for a browser capture.
    node "$HERE/peer.mjs" "$har" "$WORK/fx-$fx.peerjson.json" '{"mimeTypes":["application/json"]}' \
      >/dev/null 2>&1 && args+=("har-to-openapi (json only)=$WORK/fx-$fx.peerjson.json")
  fi
  [ -f "$WORK/fx-$fx.rae/openapi.json" ] || args=("$ep" "${args[@]:2}")
  [ "${#args[@]}" -gt 1 ] && "$PY" "$HERE/precision.py" "${args[@]}"
done
[ "$found" = 1 ] || [ -n "$(ls tests/fixtures/*/endpoints.txt 2>/dev/null)" ] ||
  echo "  (no fixture has an endpoints.txt yet; skipped)"
exit 0
