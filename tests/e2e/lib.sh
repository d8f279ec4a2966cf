# Shell shared by the web end-to-end tests (web_e2e.sh, web_ai_e2e.sh), sourced by them:
#
#   E2E_NAME=web_e2e
#   source "$HERE/lib.sh"
#   e2e_init RAE OUTDIR      # RAE, OUT (mode 0700), DATA (fresh); the traps that stop everything
#   start_site               # tests/e2e/site.py: SITE (its URL), SITE_PORT
#   add_user NAME PASSWORD   # PASSWORD_FILE (in OUT, 0600)
#   start_serve ARGS...      # rae serve on a free loopback port with ARGS: SERVER (its URL)
#   run_node SCRIPT ARGS...  # the browser test (NODE_PID: stopped too on a signal); its failure exits
#   finish_serve             # rae serve must stop cleanly on SIGTERM; the sprites are removed
#
# The test's last line is `PASS NAME` or `FAIL NAME: why` (exit 1). Processes started with
# start_site, start_serve, or put in NODE_PID or EXTRA_PIDS are stopped on exit, failure or a
# signal; the sprites' workspaces (mounted images) are removed with `rae sprite rm`.

SITE_PID=
SERVE_PID=
NODE_PID=
EXTRA_PIDS=()
INTERRUPTED=

fail() {
    echo "FAIL $E2E_NAME: $*"
    exit 1
}

# The logs of the sprites (supervisor, services) into OUT/sprite-logs, before they go.
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
            echo "$E2E_NAME: could not remove sprite $(basename "$dir"): see $OUT/cleanup.log" >&2
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
    kill -0 "$pid" 2>/dev/null && { echo "$E2E_NAME: pid $pid ignored SIGTERM, killing it" >&2; kill -KILL "$pid" 2>/dev/null; }
    wait "$pid" 2>/dev/null
    return 0
}

e2e_cleanup() {
    local pid
    trap - EXIT INT TERM HUP
    stop_pid "$NODE_PID" 10   # closes its Chromium on SIGTERM
    stop_pid "$SERVE_PID" 30  # stops the sprites' processes
    SERVE_PID=
    remove_sprites
    for pid in "${EXTRA_PIDS[@]}"; do
        stop_pid "$pid" 5
    done
    stop_pid "$SITE_PID" 5
    # the last line says why, after what the stopped processes printed
    [ -z "$INTERRUPTED" ] || echo "FAIL $E2E_NAME: interrupted by SIG$INTERRUPTED"
}

# e2e_init RAE OUTDIR: RAE, OUT and a fresh DATA; an earlier run's leftovers removed.
e2e_init() {
    [ $# -eq 2 ] || fail "usage: $E2E_NAME.sh RAE OUTDIR"
    RAE=$(realpath "$1") || fail "no $1"
    [ -x "$RAE" ] || fail "$RAE is not executable"
    mkdir -p "$2" || fail "cannot make $2"
    OUT=$(realpath "$2")
    chmod 700 "$OUT" # the data dir below a folder the sprites' uids cannot enter, as in /root or ~
    DATA=$OUT/data
    trap e2e_cleanup EXIT
    trap 'INTERRUPTED=INT; exit 1' INT
    trap 'INTERRUPTED=TERM; exit 1' TERM
    trap 'INTERRUPTED=HUP; exit 1' HUP
    # A leftover of an earlier run: its sprites first, then the rest.
    if [ -e "$DATA" ]; then
        remove_sprites
        rm -rf "$DATA" || fail "cannot remove the old $DATA (a sprite still mounted? see $OUT/cleanup.log)"
    fi
    # (the .out files too: the background processes truncate them only once they run, so a wait
    # for their "listening on" line could read an old one)
    rm -rf "$OUT"/*.png "$OUT"/*.zip "$OUT"/*.log "$OUT"/*.out "$OUT"/sprite-logs
    mkdir -p "$DATA"
}

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

# The fixture site (site.py): SITE, SITE_PORT.
start_site() {
    /usr/bin/python3 "$HERE/site.py" --port 0 >"$OUT/site.out" 2>"$OUT/site.log" &
    SITE_PID=$!
    SITE=$(wait_listening "$OUT/site.out" "$SITE_PID") || fail "the fixture site did not start: see $OUT/site.log"
    SITE_PORT=${SITE##*:}
    echo "site: $SITE"
}

# add_user NAME PASSWORD [rae user add options]: the user, its password in PASSWORD_FILE.
add_user() {
    local name=$1 password=$2
    shift 2
    PASSWORD_FILE=$OUT/password
    printf '%s' "$password" >"$PASSWORD_FILE"
    chmod 600 "$PASSWORD_FILE"
    "$RAE" user add "$name" --data-dir "$DATA" --password-file "$PASSWORD_FILE" "$@" >>"$OUT/serve.log" 2>&1 ||
        fail "rae user add failed: see $OUT/serve.log"
}

# start_serve ARGS...: rae serve on loopback with ARGS (a port picked here can be taken before rae
# binds it: retried); SERVER.
start_serve() {
    local attempt port
    SERVER=
    for attempt in 1 2 3; do
        port=$(free_port)
        rm -f "$OUT/serve.out"
        "$RAE" serve --listen "127.0.0.1:$port" --data-dir "$DATA" "$@" \
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
}

# rae serve must have lived through it all and stop cleanly; the sprites must go.
finish_serve() {
    local i rc dir
    kill -0 "$SERVE_PID" 2>/dev/null || fail "rae serve died during the test: see $OUT/serve.log"
    kill -TERM "$SERVE_PID"
    for ((i = 0; i < 300; i++)); do
        kill -0 "$SERVE_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$SERVE_PID" 2>/dev/null && fail "rae serve did not stop within 30 s of SIGTERM"
    wait "$SERVE_PID"
    rc=$?
    SERVE_PID=
    [ "$rc" -eq 0 ] || fail "rae serve exited $rc after SIGTERM: see $OUT/serve.log"
    keep_sprite_logs
    for dir in "$DATA"/sprites/*/; do
        [ -d "$dir" ] || continue
        "$RAE" sprite rm "$(basename "$dir")" --data-dir "$DATA" >>"$OUT/cleanup.log" 2>&1 ||
            fail "rae sprite rm $(basename "$dir") failed: see $OUT/cleanup.log"
    done
    echo "stopped: rae serve exited 0, sprites removed"
}

# Runs the browser test: node SCRIPT ARGS... in the background (so that a signal stops it through
# NODE_PID), waits for it, and exits with its status when it failed (it said why).
run_node() {
    node "$@" &
    NODE_PID=$!
    wait "$NODE_PID"
    local rc=$?
    NODE_PID=
    [ "$rc" -eq 0 ] || exit "$rc"
}
