#!/usr/bin/env bash
# The proof of `rae capture` on the capture lab (tests/fixtures/capture_lab):
#   1. the peer: Playwright's recordHar of the scripted browsing, in a browser of its own;
#   2. rae capture --cdp-port, the same browsing driven through that port, ended by SIGINT:
#      exit 0, a HAR that passes har-validator, every hard case in it, everything the peer has;
#   3. kill -9 of rae mid-capture: `rae har recover` rebuilds the finished entries, no browser left;
#   4. kill -9 of the browser: rae says so, exits 1 and keeps what it had;
#   5. bad input: a missing browser, an unreachable start page, a display socket that exists.
# usage: capture_lab.sh RAE OUTDIR
set -uo pipefail
rae=$1 out=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
lab=$root/tests/fixtures/capture_lab
python=/usr/bin/python3
rm -rf "$out" && mkdir -p "$out"
lab_pid="" rae_pid=""

fail() { echo "FAIL capture_lab: $*"; exit 1; }
cleanup() {
    [ -n "$rae_pid" ] && kill -9 "$rae_pid" 2>/dev/null
    [ -n "$lab_pid" ] && kill "$lab_pid" 2>/dev/null
    wait 2>/dev/null
}
trap cleanup EXIT

free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$python" "$lab/lab.py" --port 0 >"$out/lab.out" 2>"$out/lab.err" &
lab_pid=$!
for _ in $(seq 100); do
    base=$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9]*\)$/\1/p' "$out/lab.out")
    [ -n "$base" ] && break
    sleep 0.1
done
[ -n "$base" ] || fail "the lab did not start: $(cat "$out/lab.err")"

# start_capture NAME [ARGS...]: rae capture BASE in the background with DevTools on $port.
start_capture() {
    local name=$1
    shift
    port=$(free_port)
    "$rae" capture "$base/" --har "$out/$name.har" --cdp-port "$port" "$@" \
        >"$out/$name.out" 2>"$out/$name.err" &
    rae_pid=$!
    for _ in $(seq 150); do
        grep -q "first paint\|page loaded" "$out/$name.err" && return 0
        kill -0 "$rae_pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$out/$name.err"
    fail "$name: rae capture did not load the lab"
}

drive() { node "$lab/drive.mjs" cdp "http://127.0.0.1:$port" "$base" >"$out/$1.drive" 2>&1 ||
    fail "$1: driving the browser failed: $(tail -5 "$out/$1.drive")"; }

echo "== the peer: Playwright recordHar"
node "$lab/drive.mjs" har "$out/peer.har" "$base" >"$out/peer.drive" 2>&1 ||
    fail "the peer's recording failed: $(tail -5 "$out/peer.drive")"

echo "== rae capture, driven over --cdp-port, ended by SIGINT"
start_capture lab
drive lab
grep -q "drive: env: webdriver=false headless=false" "$out/lab.drive" ||
    fail "the page can tell it is automated: $(grep env: "$out/lab.drive")"
kill -INT "$rae_pid"
wait "$rae_pid"
rc=$?
rae_pid=""
cat "$out/lab.err"
[ "$rc" -eq 0 ] || fail "rae capture exited $rc after SIGINT"
[ ! -e "$out/lab.har.journal" ] || fail "the journal is left behind after a clean end"
node "$root/tests/integration/har_schema.mjs" "$out/lab.har" || fail "not a valid HAR"
"$python" "$root/tests/integration/check_capture.py" "$out/lab.har" "$out/peer.har" ||
    fail "the HAR misses cases"
"$rae" har validate "$out/lab.har" >"$out/lab.validate" || fail "rae har validate: $(head "$out/lab.validate")"

echo "== kill -9 of rae mid-capture, then rae har recover"
start_capture crash --profile "$out/crash-profile"
drive crash
kill -9 "$rae_pid"
wait "$rae_pid" 2>/dev/null
rae_pid=""
[ -s "$out/crash.har.journal" ] || fail "no journal after kill -9"
[ ! -e "$out/crash.har" ] || fail "a HAR appeared although rae was killed"
sleep 1
if pgrep -f "user-data-dir=$out/crash-profile" >/dev/null; then
    pkill -9 -f "user-data-dir=$out/crash-profile"
    fail "the browser outlived rae"
fi
"$rae" har recover "$out/crash.har" || fail "rae har recover exited $?"
[ ! -e "$out/crash.har.journal" ] || fail "the journal is left behind after recover"
node "$root/tests/integration/har_schema.mjs" "$out/crash.har" || fail "the recovered HAR is not valid"
"$python" - "$out/crash.har" <<'EOF' || fail "the recovered HAR misses finished requests"
import json, sys
urls = [e["request"]["url"] for e in json.load(open(sys.argv[1]))["log"]["entries"]]
need = ["/redirect/3", "/api/upload-big", "/api/upload-file", "/api/image.png", "/api/popup"]
missing = [n for n in need if not any(n in u for u in urls)]
print("recovered %d entries%s" % (len(urls), "; missing " + ", ".join(missing) if missing else ""))
sys.exit(1 if missing or len(urls) < 15 else 0)
EOF
"$rae" har recover "$out/crash.har" 2>"$out/recover-again.err"
[ $? -eq 2 ] || fail "a second recover should say there is no journal (exit 2)"

echo "== kill -9 of the browser"
start_capture browser
pkill -9 -f -- "--remote-debugging-port=$port" || fail "no browser to kill"
wait "$rae_pid"
rc=$?
rae_pid=""
[ "$rc" -eq 1 ] || fail "rae exited $rc when the browser was killed (want 1)"
grep -q "chromium exited unexpectedly" "$out/browser.err" || fail "no clear message: $(cat "$out/browser.err")"
node "$root/tests/integration/har_schema.mjs" "$out/browser.har" >/dev/null ||
    fail "no valid HAR after the browser died"

echo "== headful on Xvnc; closing the last tab ends the capture"
start_capture headful --display "vnc:$out/vnc.sock"
"$python" - "$out/vnc.sock" "$port" <<'EOF' || fail "the VNC socket or closing the tab"
import json, socket, sys, urllib.request
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
greeting = s.recv(12)
print("VNC socket says %r" % greeting)
assert greeting.startswith(b"RFB 003."), greeting
devtools = "http://127.0.0.1:%s" % sys.argv[2]
tabs = [t for t in json.load(urllib.request.urlopen(devtools + "/json/list")) if t["type"] == "page"]
assert len(tabs) == 1, tabs
urllib.request.urlopen(devtools + "/json/close/" + tabs[0]["id"]).read()
EOF
wait "$rae_pid"
rc=$?
rae_pid=""
[ "$rc" -eq 0 ] || fail "rae exited $rc after the last tab closed"
grep -q "ended by browser closed" "$out/headful.err" || fail "not ended by the closed tab: $(cat "$out/headful.err")"
[ ! -e "$out/vnc.sock" ] || fail "the VNC socket is left behind"
if pgrep -f "rfbunixpath $out/vnc.sock" >/dev/null; then fail "Xvnc outlived the capture"; fi
"$python" -c 'import json,sys; e=json.load(open(sys.argv[1]))["log"]["entries"]; sys.exit(0 if e and e[0]["response"]["content"].get("text") else 1)' \
    "$out/headful.har" || fail "the headful capture lacks the page and its body"

echo "== a page that never finishes loading: the bodies held for its load event are kept"
"$rae" capture "$base/stalled" --headless --duration 4 --har "$out/stalled.har" 2>"$out/stalled.err" ||
    fail "the stalled page: rae exited $?: $(cat "$out/stalled.err")"
"$python" - "$out/stalled.har" <<'EOF' || fail "the stalled page's HAR"
import json, sys
entries = json.load(open(sys.argv[1]))["log"]["entries"]
def entry(part):
    found = [e for e in entries if part in e["request"]["url"]]
    assert found, "no entry for %s" % part
    return found[0]
for part in ("/api/stalled.js", "/api/big.json", "/api/image.png?stalled"):
    c = entry(part)["response"]["content"]
    assert c.get("text"), "%s has no body: %s" % (part, c)
assert "item-029999" in entry("/api/big.json")["response"]["content"]["text"]
assert entry("/api/image.png")["response"]["content"].get("encoding") == "base64"
assert entry("/hang").get("_incomplete"), "/hang is not marked incomplete"
print("stalled page: %d entries, bodies kept, /hang incomplete" % len(entries))
EOF

echo "== bad input"
"$rae" capture "$base/" --har "$out/nochrome.har" --chromium /nonexistent/chromium 2>"$out/nochrome.err"
[ $? -eq 1 ] && grep -q "cannot start '/nonexistent/chromium'" "$out/nochrome.err" ||
    fail "a missing browser: $(cat "$out/nochrome.err")"
closed=$(free_port)
"$rae" capture "http://127.0.0.1:$closed/" --har "$out/unreachable.har" 2>"$out/unreachable.err"
[ $? -eq 1 ] && grep -q "ERR_CONNECTION_REFUSED" "$out/unreachable.err" ||
    fail "an unreachable page: $(cat "$out/unreachable.err")"
"$python" -c 'import json,sys; e=json.load(open(sys.argv[1]))["log"]["entries"]; sys.exit(0 if e and e[0]["response"]["status"] == 0 else 1)' \
    "$out/unreachable.har" || fail "the failed start page is not in the HAR"
: >"$out/taken.sock"
"$rae" capture "$base/" --har "$out/taken.har" --display "vnc:$out/taken.sock" 2>"$out/taken.err"
[ $? -eq 2 ] && grep -q "already exists" "$out/taken.err" || fail "a taken display socket: $(cat "$out/taken.err")"
"$rae" capture "$base/" 2>/dev/null
[ $? -eq 2 ] || fail "no --har should be a usage error"
echo "PASS capture_lab"
