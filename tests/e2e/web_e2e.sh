#!/usr/bin/env bash
# The web app end to end, in a real Chromium (web_e2e.mjs) against a running `rae serve` and the
# fixture site (site.py), all on loopback.
#
#   web_e2e.sh RAE OUTDIR
#
# Starts the site and the server (a fresh data dir under OUTDIR), adds a user, runs the browser
# test, and stops everything it started, also on failure or on a signal. OUTDIR keeps the
# screenshots (NN-step.png), serve.log, site.log and the data dir (its sprites removed).
# The last line is `PASS web_e2e` or `FAIL web_e2e: why` (exit 1).
set -u

fail() {
    echo "FAIL web_e2e: $*"
    exit 1
}

[ $# -eq 2 ] || fail "usage: web_e2e.sh RAE OUTDIR"
HERE=$(cd "$(dirname "$0")" && pwd)
RAE=$(realpath "$1") || fail "no $1"
[ -x "$RAE" ] || fail "$RAE is not executable"
mkdir -p "$2" || fail "cannot make $2"
OUT=$(realpath "$2")
chmod 700 "$OUT" # the data dir below a folder the sprites' uids cannot enter, as in /root or ~
DATA=$OUT/data
USER_NAME=e2e
PASSWORD='correct horse e2e battery'

SITE_PID=
SERVE_PID=
NODE_PID=
INTERRUPTED=

# The logs of the sprites (supervisor, services) into OUTDIR/sprite-logs, before they go.
keep_sprite_logs() {
    local dir name
    [ -d "$DATA/sprites" ] || return 0
    for dir in "$DATA"/sprites/*/; do
        name=$(basename "$dir")
        [ -d "$dir/run" ] || continue
        mkdir -p "$OUT/sprite-logs/$name"
        cp "$dir"/run/*.log "$OUT/sprite-logs/$name/" 2>/dev/null
        [ -d "$dir/run/logs" ] && cp -r "$dir/run/logs" "$OUT/sprite-logs/$name/" 2>/dev/null
    done
    return 0
}

# Sprites' workspaces are mounted images: `rae sprite rm` each one before the directory goes.
remove_sprites() {
    local dir
    [ -d "$DATA/sprites" ] || return 0
    keep_sprite_logs
    for dir in "$DATA"/sprites/*/; do
        [ -d "$dir" ] || continue
        "$RAE" sprite rm "$(basename "$dir")" --data-dir "$DATA" >>"$OUT/cleanup.log" 2>&1 ||
            echo "web_e2e: could not remove sprite $(basename "$dir"): see $OUT/cleanup.log" >&2
    done
}

# Ends a process we started: SIGTERM, then SIGKILL after $2 seconds.
stop_pid() {
    local pid=$1 wait=$2 i
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < wait * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && { echo "web_e2e: pid $pid ignored SIGTERM, killing it" >&2; kill -KILL "$pid" 2>/dev/null; }
    wait "$pid" 2>/dev/null
    return 0
}

cleanup() {
    trap - EXIT INT TERM HUP
    stop_pid "$NODE_PID" 10   # closes its Chromium on SIGTERM
    stop_pid "$SERVE_PID" 30  # stops the sprites' processes
    SERVE_PID=
    remove_sprites
    stop_pid "$SITE_PID" 5
    # the last line says why, after what the stopped processes printed
    [ -z "$INTERRUPTED" ] || echo "FAIL web_e2e: interrupted by SIG$INTERRUPTED"
}
trap cleanup EXIT
trap 'INTERRUPTED=INT; exit 1' INT
trap 'INTERRUPTED=TERM; exit 1' TERM
trap 'INTERRUPTED=HUP; exit 1' HUP

# A leftover of an earlier run: its sprites first, then the rest.
if [ -e "$DATA" ]; then
    remove_sprites
    rm -rf "$DATA" || fail "cannot remove the old $DATA (a sprite still mounted? see $OUT/cleanup.log)"
fi
# (the .out files too: the background processes truncate them only once they run, so a wait for
# their "listening on" line could read an old one)
rm -rf "$OUT"/*.png "$OUT"/*.zip "$OUT"/*.log "$OUT"/*.out "$OUT"/sprite-logs
mkdir -p "$DATA"

# Waits for "listening on http://..." in file $1 written by pid $2; prints the URL.
wait_listening() {
    local file=$1 pid=$2 i url
    for ((i = 0; i < 300; i++)); do
        url=$(grep -o 'listening on http://[0-9.:]*' "$file" 2>/dev/null | head -1)
        if [ -n "$url" ]; then
            echo "${url#listening on }"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# 1. the fixture site
/usr/bin/python3 "$HERE/site.py" --port 0 >"$OUT/site.out" 2>"$OUT/site.log" &
SITE_PID=$!
SITE=$(wait_listening "$OUT/site.out" "$SITE_PID") || fail "the fixture site did not start: see $OUT/site.log"
SITE_PORT=${SITE##*:}
echo "site: $SITE"

# 2. the user, then the server (a port picked here can be taken before rae binds it: retry)
printf '%s' "$PASSWORD" >"$OUT/password"
chmod 600 "$OUT/password"
"$RAE" user add "$USER_NAME" --data-dir "$DATA" --password-file "$OUT/password" >>"$OUT/serve.log" 2>&1 ||
    fail "rae user add failed: see $OUT/serve.log"
SERVER=
for attempt in 1 2 3; do
    PORT=$(free_port)
    rm -f "$OUT/serve.out"
    "$RAE" serve --listen "127.0.0.1:$PORT" --data-dir "$DATA" --allow-net "127.0.0.1:$SITE_PORT" \
        >"$OUT/serve.out" 2>>"$OUT/serve.log" &
    SERVE_PID=$!
    if SERVER=$(wait_listening "$OUT/serve.out" "$SERVE_PID"); then
        break
    fi
    stop_pid "$SERVE_PID" 10
    SERVE_PID=
    SERVER=
done
[ -n "$SERVER" ] || fail "rae serve did not start: see $OUT/serve.log"
echo "server: $SERVER (log: $OUT/serve.log)"

# 3. the browser test
node "$HERE/web_e2e.mjs" --server "$SERVER" --site "$SITE" --out "$OUT" \
    --user "$USER_NAME" --password-file "$OUT/password" --server-log "$OUT/serve.log" &
NODE_PID=$!
wait "$NODE_PID"
RC=$?
NODE_PID=
[ "$RC" -eq 0 ] || exit "$RC"   # web_e2e.mjs said why

# 4. rae serve must have lived through it all and stop cleanly; the sprite must go
kill -0 "$SERVE_PID" 2>/dev/null || fail "rae serve died during the test: see $OUT/serve.log"
kill -TERM "$SERVE_PID"
for ((i = 0; i < 300; i++)); do
    kill -0 "$SERVE_PID" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$SERVE_PID" 2>/dev/null && fail "rae serve did not stop within 30 s of SIGTERM"
wait "$SERVE_PID"
RC=$?
SERVE_PID=
[ "$RC" -eq 0 ] || fail "rae serve exited $RC after SIGTERM: see $OUT/serve.log"
keep_sprite_logs
for dir in "$DATA"/sprites/*/; do
    [ -d "$dir" ] || continue
    "$RAE" sprite rm "$(basename "$dir")" --data-dir "$DATA" >>"$OUT/cleanup.log" 2>&1 ||
        fail "rae sprite rm $(basename "$dir") failed: see $OUT/cleanup.log"
done
echo "stopped: rae serve exited 0, sprites removed"
echo "PASS web_e2e"
