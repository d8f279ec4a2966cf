#!/usr/bin/env bash
# The end-to-end proof of `rae capture` + `rae engineer` on a fixture app of our own:
#   1. start the app on loopback and record a HAR with `rae capture` while its UI is used in that
#      browser (driven through --cdp-port by the fixture's browse.mjs);
#   2. stop it and run `rae engineer` on the HAR;
#   3. start a *fresh* instance (new secrets, tokens, cookies, ids) and run the generated replay.py
#      against it: it must end `N passed, 0 failed, 0 skipped`;
#   4. every endpoint of the fixture's endpoints.txt must be in openapi.json (recall 1);
#   5. a fixture with an as_written.expect is also recorded by Playwright's own recordHar, its HAR
#      left as Playwright writes it (record.mjs --as-written), engineered and replayed against a
#      fresh instance: each line of as_written.expect is an extended regex that some line of the
#      replay must match, the last one its last line; then the fixture's client_check.py, when
#      there is one, uses that client against the instance (CLIENT_DIR BASE_URL).
# usage: fixture_replay.sh RAE OUTDIR FIXTURE_NAME
set -uo pipefail
rae=$1 out=$2 name=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
fixture=$root/tests/fixtures/$name
python=/usr/bin/python3
rm -rf "$out" && mkdir -p "$out"
app_pid=""

fail() { echo "FAIL $name: $*"; exit 1; }
stop_app() {
    if [ -n "$app_pid" ]; then
        kill "$app_pid" 2>/dev/null
        wait "$app_pid" 2>/dev/null
        app_pid=""
    fi
}
trap stop_app EXIT

# start_app LOG: starts the fixture, sets app_pid and base from its `listening on URL` line.
start_app() {
    local log=$1 i
    "$python" "$fixture/app.py" --port 0 >"$log.out" 2>"$log.err" &
    app_pid=$!
    for i in $(seq 100); do
        base=$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9]*\)$/\1/p' "$log.out")
        [ -n "$base" ] && return 0
        kill -0 "$app_pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$log.err"
    fail "the fixture app did not start"
}

start_app "$out/app1"
echo "== rae capture of $name at $base"
port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$rae" capture --har "$out/capture.har" --cdp-port "$port" -q 2>"$out/capture.err" &
rae_pid=$!
node "$root/tests/fixtures/record.mjs" --cdp "http://127.0.0.1:$port" "$fixture" "$base" \
    "$out/browse.png" || { kill -9 "$rae_pid"; fail "browsing failed"; }
kill -INT "$rae_pid"
wait "$rae_pid" || fail "rae capture exited $?: $(cat "$out/capture.err")"
stop_app

echo "== rae engineer"
"$rae" engineer "$out/capture.har" -o "$out/client" --json >"$out/summary.json" ||
    fail "rae engineer exited $?"

start_app "$out/app2"
echo "== replay.py against a fresh instance at $base"
(cd "$out/client" && "$python" replay.py --base-url "$base") 2>&1 | tee "$out/replay.log"
rc=${PIPESTATUS[0]}
stop_app
last=$(tail -n 1 "$out/replay.log")
[[ "$last" =~ ^([0-9]+)\ passed,\ 0\ failed,\ 0\ skipped$ ]] || fail "replay ended: $last"
[ "${BASH_REMATCH[1]}" -gt 0 ] || fail "replay ran no calls"
[ "$rc" -eq 0 ] || fail "replay exited $rc"

echo "== endpoints against $fixture/endpoints.txt"
"$python" "$root/tests/integration/endpoint_recall.py" "$fixture/endpoints.txt" \
    "$out/client/openapi.json" || fail "endpoints missing from openapi.json"

expect=$fixture/as_written.expect
if [ -f "$expect" ]; then
    start_app "$out/app3"
    echo "== Playwright's recordHar of $name at $base, the HAR as written"
    node "$root/tests/fixtures/record.mjs" --as-written "$fixture" "$base" "$out/playwright.har" ||
        fail "browsing with recordHar failed"
    stop_app
    "$rae" engineer "$out/playwright.har" -o "$out/playwright-client" -q ||
        fail "rae engineer exited $? on Playwright's HAR"
    start_app "$out/app4"
    echo "== replay.py of Playwright's HAR against a fresh instance at $base"
    (cd "$out/playwright-client" && "$python" replay.py --base-url "$base") 2>&1 |
        tee "$out/playwright-replay.log"
    rc=${PIPESTATUS[0]}
    [ "$rc" -eq 0 ] || fail "the replay of Playwright's HAR exited $rc"
    last_want=""
    while IFS= read -r want; do
        [[ -z "$want" || "$want" == \#* ]] && continue
        grep -Eq -- "$want" "$out/playwright-replay.log" || fail "no line of the replay matches $want"
        last_want=$want
    done <"$expect"
    [ -n "$last_want" ] || fail "$expect expects nothing"
    tail -n 1 "$out/playwright-replay.log" | grep -Eq -- "$last_want" ||
        fail "the replay of Playwright's HAR ended: $(tail -n 1 "$out/playwright-replay.log")"
    if [ -f "$fixture/client_check.py" ]; then
        echo "== $name/client_check.py with the client of Playwright's HAR"
        "$python" "$fixture/client_check.py" "$out/playwright-client" "$base" ||
            fail "client_check.py failed"
    fi
    stop_app
fi
echo "PASS $name"
