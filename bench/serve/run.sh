#!/usr/bin/env bash
# bench/serve: the VNC relay of `rae serve` against websockify, both relaying to the same echo
# server inside a sprite, and authenticated requests per second (wrk). See bench/serve/README.md.
#
#   bench/serve/run.sh [RAE_BINARY]        (default build/rae, relative to the repo root)
#
# Environment:
#   RUNS=3          runs of everything; medians over runs, ratios within each run
#   LAT_N=5000      measured round trips on 1 connection (after 500 of warm-up)
#   CONNS=50 SECS=5 the concurrent round-trip test: connections and measured seconds (after 1 s)
#   BULK_MB=256     bytes the echo server sends in the bulk test (MiB), BULK_REPS=3 per run
#   OPEN=100 OPEN_ROUNDS=5   connections opened at once, and round trips each
#   WRK_S=10        seconds of each wrk test (2 threads, 50 connections)
#   KEEP=1          keep the data dir (the sprite is removed all the same)
#   UID_HOLD=15     make the sprite's host uid 200001+UID_HOLD, not 200001 (see below and README)
#
# Needs: websockify and wrk (apt-get install -y websockify wrk), curl, python3, cc. Run as root
# (or as whoever can run sprites). Writes build/bench/serve/results.json; every run's raw
# measurements and the logs go to build/bench/serve/run-TIME/.
set -uo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../common.sh" "$@" # HERE, ROOT, RAE
missing=()
for tool in websockify wrk curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" -eq 0 ]; then # the peer and the load tools
  echo "installing ${missing[*]} ..."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
fi
for tool in websockify wrk curl python3 cc; do
  if ! command -v "$tool" >/dev/null; then
    echo "bench: $tool is missing (apt-get install -y websockify wrk curl python3 gcc)" >&2
    exit 1
  fi
done

RUNS=${RUNS:-3}
LAT_N=${LAT_N:-5000}
CONNS=${CONNS:-50}
SECS=${SECS:-5}
BULK_MB=${BULK_MB:-256}
BULK_REPS=${BULK_REPS:-3}
OPEN=${OPEN:-100}
OPEN_ROUNDS=${OPEN_ROUNDS:-5}
WRK_S=${WRK_S:-10}

OUT=$ROOT/build/bench/serve
RUN=$OUT/run-$(date +%Y%m%dT%H%M%S)
DATA=$RUN/data
mkdir -p "$RUN" || exit 1
RAW=$RUN/raw.jsonl
: >"$RAW"
log() { printf '%s\n' "$*" | tee -a "$RUN/bench.log"; }

# --- the load client -------------------------------------------------------------------------
WSLOAD=$OUT/wsload
cc -O2 -Wall -o "$WSLOAD" "$HERE/wsload.c" || exit 1

# --- cleanup, whatever happens ---------------------------------------------------------------
SERVE_PID= WS_PID= SPRITE=
cleanup() {
  trap - EXIT INT TERM
  rm -f "$RUN/password"
  [ -n "$WS_PID" ] && kill "$WS_PID" 2>/dev/null && wait "$WS_PID" 2>/dev/null
  if [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null; then
    for _ in $(seq 50); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVE_PID" 2>/dev/null
    wait "$SERVE_PID" 2>/dev/null
  fi
  if [ -n "$SPRITE" ]; then
    "$RAE" sprite service "$SPRITE" logs echo --data-dir "$DATA" >"$RUN/echo.log" 2>&1
    cp "$DATA/sprites/$SPRITE/run/supervisor.log" "$RUN/supervisor.log" 2>/dev/null
    "$RAE" sprite rm "$SPRITE" --data-dir "$DATA" >>"$RUN/bench.log" 2>&1 ||
      echo "bench: 'rae sprite rm $SPRITE --data-dir $DATA' failed: see $RUN/bench.log" >&2
  fi
  if grep -q " $DATA/" /proc/mounts 2>/dev/null; then
    echo "bench: mounts are left under $DATA:" >&2
    grep " $DATA/" /proc/mounts >&2
  elif [ -z "${KEEP:-}" ] && [ -d "$DATA" ]; then
    rm -rf "$DATA"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- the server, a user, a token, the sprite -------------------------------------------------
mkdir -p "$DATA"
printf 'bench-%s\n' "$RANDOM$RANDOM$RANDOM" >"$RUN/password"
"$RAE" user add bench --password-file "$RUN/password" --data-dir "$DATA" >>"$RUN/bench.log" 2>&1 ||
  { echo "bench: rae user add failed (see $RUN/bench.log)" >&2; exit 1; }
TOKEN=$("$RAE" token create bench --label bench --data-dir "$DATA" 2>>"$RUN/bench.log")
[ -n "$TOKEN" ] || { echo "bench: rae token create failed" >&2; exit 1; }

PORT=$(free_port)
"$RAE" serve --listen "127.0.0.1:$PORT" --data-dir "$DATA" >"$RUN/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 100); do grep -q "listening on" "$RUN/serve.log" && break; sleep 0.1; done
grep -q "listening on" "$RUN/serve.log" || { echo "bench: rae serve did not start:" >&2; cat "$RUN/serve.log" >&2; exit 1; }
BASE=http://127.0.0.1:$PORT
AUTH="Authorization: Bearer $TOKEN"
curl -sf -H "$AUTH" "$BASE/api/me" >/dev/null || { echo "bench: GET /api/me with the token failed" >&2; exit 1; }

# Sprite uids are allocated per data dir from 200001 up, and `rae sprite rm`/restore kills every
# process of the sprite's uid on the machine: another data dir's sprite with the same uid (the
# test suite's, say) kills our echo server, and our cleanup would kill its processes (README:
# "Sprite uids"). Placeholder sprite.json files make this data dir's sprite take uid
# 200001+UID_HOLD instead (a data dir holds 16 sprites at most); they are gone again as soon as
# the sprite exists. UID_HOLD=0: none.
UID_HOLD=${UID_HOLD:-15}
for k in $(seq "$UID_HOLD"); do
  mkdir -p "$DATA/sprites/uidhold$k"
  printf '{"name": "uidhold%d", "created": 0, "last_active": 0, "uid": %d, "gid": %d, "allow_net": [], "own_fs": false}\n' \
    "$k" $((200000 + k)) $((200000 + k)) >"$DATA/sprites/uidhold$k/sprite.json"
done
curl -s -X POST -H "$AUTH" -H 'Content-Type: application/json' -d '{}' "$BASE/api/sprite" >"$RUN/sprite.json"
SPRITE=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("id", ""))' "$RUN/sprite.json" 2>/dev/null)
for k in $(seq "$UID_HOLD"); do rm -rf "${DATA:?}/sprites/uidhold$k"; done
[ -n "$SPRITE" ] || { echo "bench: POST /api/sprite failed: $(cat "$RUN/sprite.json")" >&2; exit 1; }
SDIR=$DATA/sprites/$SPRITE
SPRITE_UID=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["uid"])' "$SDIR/sprite.json")
STMP=$SDIR/ws/tmp # the sprite's /tmp: in its workspace filesystem, or beside it without one
[ -d "$STMP" ] || STMP=$SDIR/tmp
SOCK=$STMP/vnc.sock
if [ ${#SOCK} -gt 100 ]; then
  echo "bench: $SOCK is too long for a UNIX socket address (websockify connects to it)" >&2
  exit 1
fi

# The echo server, as a service of the sprite (its /tmp is $STMP). The nonce finds its pid.
NONCE=n$RANDOM$RANDOM
install -m 644 "$HERE/vnc_echo.py" "$STMP/vnc_echo.py"
# --warm-after/--cold-after: the supervisor this starts must not freeze the sprite mid-bench
# (idle counts from the last API use of the sprite; websockify's traffic is none)
"$RAE" sprite service "$SPRITE" start echo --restart no --warm-after 7200 --cold-after 14400 \
  --data-dir "$DATA" -- python3 /tmp/vnc_echo.py /tmp/vnc.sock "$NONCE" >>"$RUN/bench.log" 2>&1 ||
  { echo "bench: the echo service did not start (see $RUN/bench.log)" >&2; exit 1; }
ECHO_PID=
echo_pid() { pgrep -f "^python3 /tmp/vnc_echo.py /tmp/vnc.sock $NONCE\$" | head -1; }
echo_alive() {
  [ -n "$ECHO_PID" ] && [ -d "/proc/$ECHO_PID" ] &&
    "$WSLOAD" lat 5 --warmup 0 --unix "$SOCK" 2>/dev/null | grep -q '"errors":0'
}
for _ in $(seq 100); do ECHO_PID=$(echo_pid); echo_alive && break; sleep 0.1; done
echo_alive || { echo "bench: the echo server does not answer at $SOCK" >&2; "$RAE" sprite service "$SPRITE" logs echo --data-dir "$DATA" >&2; exit 1; }

# The echo server runs under the sprite's host uid (200001 for the first sprite of a data dir).
# Another data dir's sprite on this machine may have the same uid, and its `rae sprite rm` or
# restore kills every process of that uid: ours too (see README). Then it is started again, and
# the measurement it spoiled is made again.
ECHO_RESTARTS=0
ensure_echo() {
  echo_alive && return 0
  ECHO_RESTARTS=$((ECHO_RESTARTS + 1))
  log "  the echo server (pid $ECHO_PID) is gone: $(grep -a "exited" "$SDIR/run/logs/echo.log" 2>/dev/null | tail -1); starting it again"
  "$RAE" sprite service "$SPRITE" start echo --data-dir "$DATA" >>"$RUN/bench.log" 2>&1
  for _ in $(seq 150); do ECHO_PID=$(echo_pid); echo_alive && break; sleep 0.1; done
  set_args
  echo_alive
}

WSPORT=$(free_port)
websockify --unix-target="$SOCK" "127.0.0.1:$WSPORT" >"$RUN/websockify.log" 2>&1 &
WS_PID=$!

VNC_PATH=/api/sprite/$SPRITE/browser/vnc
set_args() {
  RAE_ARGS=(--port "$PORT" --path "$VNC_PATH" --token "$TOKEN" --cpu "server:$SERVE_PID" --cpu "echo:$ECHO_PID")
  WS_ARGS=(--port "$WSPORT" --path / --cpu "server:$WS_PID" --cpu "echo:$ECHO_PID")
  DIRECT_ARGS=(--unix "$SOCK" --cpu "echo:$ECHO_PID")
}
set_args

# both peers answer before anything is measured
for peer in rae websockify; do
  ok=
  for _ in $(seq 50); do
    if [ $peer = rae ]; then args=("${RAE_ARGS[@]}"); else args=("${WS_ARGS[@]}"); fi
    if "$WSLOAD" lat 10 --warmup 0 "${args[@]}" 2>/dev/null | grep -q '"errors":0'; then ok=1; break; fi
    sleep 0.2
  done
  [ -n "$ok" ] || { echo "bench: the $peer relay does not echo (see $RUN/*.log)" >&2; exit 1; }
done

log "rae serve ($RAE) at $BASE, sprite $SPRITE (host uid $SPRITE_UID); websockify $(dpkg-query -W -f='${Version}' websockify 2>/dev/null) at 127.0.0.1:$WSPORT; echo server pid $ECHO_PID"
log "$(nproc) CPUs; RUNS=$RUNS LAT_N=$LAT_N CONNS=$CONNS SECS=$SECS BULK_MB=$BULK_MB x$BULK_REPS OPEN=$OPEN x$OPEN_ROUNDS WRK_S=$WRK_S"

# One measurement: wsload's JSON with the run and the target added, into raw.jsonl. Made again
# (twice at most) when the echo server died meanwhile: that is no error of the relay's.
measure() { # RUN TARGET WSLOAD_ARGS...
  local run=$1 target=$2 out attempt pid
  shift 2
  for attempt in 1 2 3; do
    ensure_echo || { log "bench: the echo server cannot be started again"; exit 1; }
    set_args
    if [ "$target" = rae ]; then args=("${RAE_ARGS[@]}"); elif [ "$target" = websockify ]; then args=("${WS_ARGS[@]}"); else args=("${DIRECT_ARGS[@]}"); fi
    pid=$ECHO_PID
    out=$("$WSLOAD" "$@" "${args[@]}" 2>>"$RUN/bench.log")
    [ -z "$out" ] && out='{"mode":"'$1'","errors":-1,"error_kinds":{"client":1}}'
    case $out in *'"errors":0,'*) break ;; esac
    if [ -d "/proc/$pid" ] && [ "$(echo_pid)" = "$pid" ]; then break; fi # the echo lives: the errors count
    log "  $target $1: the echo server died during the measurement; again"
  done
  out="{\"run\":$run,\"target\":\"$target\",${out#\{}"
  printf '%s\n' "$out" >>"$RAW"
  printf '  %-10s %s\n' "$target" "$out" | cut -c1-220 >>"$RUN/bench.log"
  sleep 0.5 # websockify's per-connection processes exit
}

relay_tests() { # RUN TARGET
  local run=$1 target=$2
  measure "$run" "$target" lat "$LAT_N"
  measure "$run" "$target" conc "$CONNS" "$SECS"
  for _ in $(seq "$BULK_REPS"); do measure "$run" "$target" bulk $((BULK_MB * 1048576)); done
  if [ "$target" != direct ]; then measure "$run" "$target" open "$OPEN" "$OPEN_ROUNDS"; fi
}

wrk_test() { # RUN TARGET PATH [HEADER]
  local run=$1 target=$2 path=$3 f=$RUN/wrk-$2-$1.txt
  if [ $# -gt 3 ]; then
    wrk -t2 -c50 -d"${WRK_S}s" --latency -H "$4" "$BASE$path" >"$f" 2>&1
  else
    wrk -t2 -c50 -d"${WRK_S}s" --latency "$BASE$path" >"$f" 2>&1
  fi
  python3 "$HERE/aggregate.py" wrk "$f" "$run" "$target" >>"$RAW"
}

for r in $(seq "$RUNS"); do
  log "run $r/$RUNS ..."
  # keep the sprite in use (an API call), so that nothing idles while websockify is measured
  "$RAE" sprite service "$SPRITE" status --data-dir "$DATA" >/dev/null 2>&1
  # alternate which relay goes first
  if [ $((r % 2)) = 1 ]; then order="rae websockify"; else order="websockify rae"; fi
  for peer in $order direct; do relay_tests "$r" $peer; done
  wrk_test "$r" wrk-me /api/me "$AUTH"
  wrk_test "$r" wrk-healthz /healthz
  # the run in one line
  python3 - "$RAW" "$r" <<'EOF' | tee -a "$RUN/bench.log"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
run = int(sys.argv[2])
def div(a, b):
    return a / b if b else float("nan")
def g(t, m, k):
    v = [x.get(k) for x in rows if x["run"] == run and x["target"] == t and x["mode"] == m]
    v = sorted(x for x in v if x is not None)
    return v[len(v) // 2] if v else float("nan")
print("  rae: 1 conn %.0f/%.0f us, 50 conns %.0f rt/s %.0f/%.0f us, bulk %.0f MB/s, open errors %d"
      % (g("rae", "lat", "median_us"), g("rae", "lat", "p99_us"), g("rae", "conc", "rt_per_s"),
         g("rae", "conc", "median_us"), g("rae", "conc", "p99_us"), g("rae", "bulk", "mb_per_s"),
         g("rae", "open", "errors")))
print("  websockify: 1 conn %.0f/%.0f us, 50 conns %.0f rt/s %.0f/%.0f us, bulk %.0f MB/s, open errors %d"
      % (g("websockify", "lat", "median_us"), g("websockify", "lat", "p99_us"),
         g("websockify", "conc", "rt_per_s"), g("websockify", "conc", "median_us"),
         g("websockify", "conc", "p99_us"), g("websockify", "bulk", "mb_per_s"),
         g("websockify", "open", "errors")))
print("  ratios: 50-conn rt/s %.2f, 50-conn p99 %.2f, 1-conn median %.2f, bulk %.2f; /api/me %.0f req/s, /healthz %.0f req/s"
      % (div(g("rae", "conc", "rt_per_s"), g("websockify", "conc", "rt_per_s")),
         div(g("rae", "conc", "p99_us"), g("websockify", "conc", "p99_us")),
         div(g("rae", "lat", "median_us"), g("websockify", "lat", "median_us")),
         div(g("rae", "bulk", "mb_per_s"), g("websockify", "bulk", "mb_per_s")),
         g("wrk-me", "wrk", "rps"), g("wrk-healthz", "wrk", "rps")))
EOF
done

# the server must still be there
if ! kill -0 "$SERVE_PID" 2>/dev/null; then
  log "bench: rae serve DIED during the bench (see $RUN/serve.log)"
fi
[ "$ECHO_RESTARTS" -gt 0 ] && log "the echo server was killed from outside and started again $ECHO_RESTARTS time(s)"
echo "{\"run\":0,\"target\":\"echo\",\"mode\":\"restarts\",\"count\":$ECHO_RESTARTS}" >>"$RAW"
python3 "$HERE/aggregate.py" "$RAW" "$OUT/results.json" | tee -a "$RUN/bench.log"
cp "$OUT/results.json" "$RUN/results.json"
if [ -s "$RUN/serve.log" ] && grep -v "listening on" "$RUN/serve.log" | grep -q .; then
  log "rae serve said (see $RUN/serve.log):"
  grep -v "listening on" "$RUN/serve.log" | head -5 | tee -a "$RUN/bench.log"
fi
