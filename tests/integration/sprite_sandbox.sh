#!/usr/bin/env bash
# The sprite's sandbox against someone who runs code in it (docs/sprites.md, "Isolation"):
#   - its processes get an environment of their own: nothing of rae's (a marker exported here must
#     not reach an exec, a service, or bwrap's PID 1, whose /proc/1/environ is readable inside);
#   - it writes nowhere but /workspace, /tmp and /dev/shm; the disk quota holds for /tmp and for
#     its services' output as for the workspace; /dev/shm is bounded; sockets in /tmp still reach
#     the host; a sprite laid out before /tmp moved into its filesystem keeps working;
#   - the seccomp filter: namespaces, io_uring, keyrings, bpf ... are refused, while Python
#     (threads, processes, shared memory, httpx) and rae engineer work.
# usage: sprite_sandbox.sh RAE OUTDIR
set -uo pipefail
rae=$1 out=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
python=/usr/bin/python3
. "$(dirname "$0")/sprite_out.sh"
fresh_out "$out" "$rae" # empty, 0700: as in /root or ~
data=$out/data
export RAE_DATA_DIR=$data
export RAE_TEST_SECRET="rae-test-secret-$$" # rae's own environment: must not reach a sprite
s="x$$" q="x$$q"

fail() { echo "FAIL sprite_sandbox: $*"; exit 1; }
workspace() { "$rae" sprite show "$1" --json | "$python" -c 'import json,sys; print(json.load(sys.stdin)[0]["workspace"])'; }
cleanup() {
    for name in "$s" "$q"; do "$rae" sprite rm "$name" >/dev/null 2>&1; done
}
trap cleanup EXIT
# wait_log SPRITE SERVICE TEXT: until the service's log holds TEXT (10 s at most)
wait_log() {
    for _ in $(seq 100); do
        "$rae" sprite service "$1" logs "$2" 2>/dev/null | grep -qF "$3" && return 0
        sleep 0.1
    done
    return 1
}
is_root=0
[ "$(id -u)" -eq 0 ] && is_root=1

"$rae" sprite create "$s" >/dev/null || fail "create"

echo "== the environment: the sprite's own, nothing of rae's"
"$rae" sprite exec "$s" -- env >"$out/env.txt" || fail "env"
grep -q "$RAE_TEST_SECRET" "$out/env.txt" && fail "rae's environment reached an exec: $(cat "$out/env.txt")"
names=$(sed 's/=.*//' "$out/env.txt" | sort | tr '\n' ' ')
[ "$names" = "HOME LANG LOGNAME PATH PWD RAE_SPRITE TMPDIR USER " ] ||
    fail "the environment is not the sprite's own: $names"
grep -qx "HOME=/workspace" "$out/env.txt" && grep -qx "TMPDIR=/tmp" "$out/env.txt" &&
    grep -qx "LANG=C.UTF-8" "$out/env.txt" || fail "HOME, TMPDIR, LANG: $(cat "$out/env.txt")"
[ "$("$rae" sprite exec "$s" -- sh -c 'cd && pwd && command -v python3')" = "$(printf '/workspace\n/usr/bin/python3')" ] ||
    fail "HOME or PATH do not work"
# everything the sprite can see of its processes: bwrap's own (PID 1) included
"$rae" sprite exec "$s" -- sh -c 'cat /proc/[0-9]*/environ' | tr '\0' '\n' >"$out/all-environ.txt"
grep -q "$RAE_TEST_SECRET" "$out/all-environ.txt" &&
    fail "rae's environment is readable in the sprite: $(grep -c . "$out/all-environ.txt") lines, e.g. $(grep "$RAE_TEST_SECRET" "$out/all-environ.txt")"
grep -q "^RAE_SPRITE=$s$" "$out/all-environ.txt" || fail "no environ read at all: $(cat "$out/all-environ.txt")"
printf 'echo "term=$TERM"; exit 0\n' | "$rae" sprite shell "$s" >"$out/shell.out" 2>&1
grep -q "term=xterm-256color" "$out/shell.out" || fail "a terminal's TERM: $(cat "$out/shell.out")"
# a service, started by a supervisor that this marked process starts (as the server's are)
"$rae" sprite service "$s" start envsvc --restart no -- \
    sh -c 'cat /proc/[0-9]*/environ | tr "\0" "\n"; echo env-listed; sleep 30' >/dev/null || fail "service start"
wait_log "$s" envsvc env-listed || fail "the service did not run: $("$rae" sprite service "$s" logs envsvc)"
"$rae" sprite service "$s" logs envsvc >"$out/svc-environ.txt"
grep -q "$RAE_TEST_SECRET" "$out/svc-environ.txt" && fail "rae's environment reached a service"
if [ "$is_root" -eq 1 ]; then # from the host: every process of the sprite's uid
    uid=$(stat -c %u "$(workspace "$s")")
    pids=$(pgrep -u "$uid" | tr '\n' ' ')
    [ -n "$pids" ] || fail "no process of the service under uid $uid"
    seen=0
    for pid in $pids; do
        environ=$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ") || continue # gone meanwhile
        seen=$((seen + 1))
        echo "$environ" | grep -q "$RAE_TEST_SECRET" &&
            fail "process $pid of the sprite ($(tr '\0' ' ' <"/proc/$pid/cmdline" | cut -c1-60)) has rae's environment"
    done
    [ "$seen" -ge 2 ] || fail "only $seen processes of the service were seen (pids: $pids)"
fi
"$rae" sprite service "$s" stop envsvc >/dev/null || fail "service stop"

echo "== where a sprite can write: /workspace, /tmp and /dev/shm, nothing else"
"$rae" sprite exec "$s" -- sh -c 'find / \( -path /proc -o -path /sys -o -path /workspace -o -path /tmp \) -prune -o -type d -writable -print 2>/dev/null |
    while read -r d; do touch "$d/.rae-probe" 2>/dev/null && { echo "$d"; rm -f "$d/.rae-probe"; }; done' >"$out/writable.txt"
[ "$(cat "$out/writable.txt")" = /dev/shm ] || fail "the sprite can write in: $(tr '\n' ' ' <"$out/writable.txt")"

if [ "$is_root" -eq 1 ] && [ -w /dev/loop-control ] && command -v mkfs.ext4 >/dev/null; then
    echo "== the disk quota holds for /tmp and the services' output too"
    "$rae" sprite create "$q" --disk-quota 64 --memory 256 >/dev/null || fail "create with a quota"
    dir=$data/sprites/$q
    before=$(du -sk "$dir" | cut -f1)
    "$rae" sprite exec "$q" -- sh -c 'head -c 300000000 /dev/zero >/tmp/big' >"$out/tmp-quota.out" 2>&1 &&
        fail "300 MB fit in /tmp under a 64 MB quota"
    grep -q "No space left" "$out/tmp-quota.out" || fail "writing /tmp past the quota: $(cat "$out/tmp-quota.out")"
    grown=$(($(du -sk "$dir" | cut -f1) - before))
    [ "$grown" -lt 102400 ] || fail "the host's disk took $grown KB for a sprite with a 64 MB quota"
    "$rae" sprite exec "$q" -- rm /tmp/big || fail "rm /tmp/big"
    "$rae" sprite service "$q" start spam --restart no -- sh -c 'head -c 200000000 /dev/zero' >/dev/null ||
        fail "start spam"
    # ended: "exited", or "stopped" once its supervisor, with nothing left to run, has gone
    for _ in $(seq 100); do
        "$rae" sprite service "$q" status | grep -Eq "^spam *(exited|stopped)" && break
        sleep 0.1
    done
    "$rae" sprite service "$q" status | grep -Eq "^spam *(exited|stopped)" ||
        fail "spam did not end: $("$rae" sprite service "$q" status)"
    log_size=$(stat -L -c %s "$dir/run/logs/spam.log")
    [ "$log_size" -lt 80000000 ] || fail "a service wrote a $log_size byte log past a 64 MB quota"
    "$rae" sprite service "$q" logs spam | tail -c 300 | grep -q "exited with status" ||
        fail "the service's log is not readable: $("$rae" sprite service "$q" logs spam | tail -c 300)"
    "$rae" sprite exec "$q" -- sh -c 'head -c 200000000 /dev/zero >/dev/shm/big' >"$out/shm.out" 2>&1
    rc=$?
    [ "$rc" -eq 1 ] && grep -q "No space left" "$out/shm.out" || fail "/dev/shm past half the memory (exit $rc): $(cat "$out/shm.out")"

    echo "== a socket in the sprite's /tmp reaches the host; its events come"
    "$rae" sprite service "$q" start sock --restart no -- python3 -c '
import socket
s = socket.socket(socket.AF_UNIX); s.bind("/tmp/t.sock"); s.listen(1)
c, _ = s.accept(); c.sendall(b"hello-from-tmp\n"); c.close()' >/dev/null || fail "start sock"
    for _ in $(seq 100); do [ -S "$dir/ws/tmp/t.sock" ] && break; sleep 0.1; done
    [ "$("$rae" sprite connect "$q" /tmp/t.sock </dev/null)" = hello-from-tmp ] || fail "connect to /tmp/t.sock"
    "$rae" sprite events "$q" | grep -qF '"path":"/tmp/t.sock","event":"opened"' ||
        fail "no socket event: $("$rae" sprite events "$q")"

    echo "== a sprite of before (/tmp in DIR/tmp, logs in DIR/run/logs) keeps working"
    uid=$(stat -c %u "$(workspace "$q")")
    rm -rf "$dir/ws/tmp" "$dir/ws/logs" "$dir/run/logs"
    mkdir -p "$dir/tmp" "$dir/run/logs" && chown "$uid:$uid" "$dir/tmp" && chmod 700 "$dir/tmp"
    echo old >"$dir/run/logs/old.log"
    "$rae" sprite exec "$q" -- sh -c 'echo new >/tmp/after' || fail "exec in an upgraded sprite"
    [ "$(cat "$dir/ws/tmp/after")" = new ] || fail "the upgraded sprite's /tmp is not in its filesystem"
    [ ! -e "$dir/tmp" ] || fail "the old, empty DIR/tmp is left"
    [ -L "$dir/run/logs" ] && [ "$(cat "$dir/run/logs.old/old.log")" = old ] || fail "the old logs"
    "$rae" sprite service "$q" start hello --restart no -- echo hello-log >/dev/null || fail "a service after the upgrade"
    wait_log "$q" hello hello-log || fail "the service's log after the upgrade"
    "$rae" sprite rm "$q" >/dev/null || fail "rm $q"
fi

echo "== seccomp: what container runtimes deny is denied"
"$rae" sprite exec "$s" -- unshare -Ur true 2>"$out/unshare.err" && fail "unshare -Ur worked in the sprite"
"$rae" sprite exec "$s" -- python3 -c '
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
calls = {"unshare": 272, "setns": 308, "mount": 165, "io_uring_setup": 425, "keyctl": 250,
         "add_key": 248, "request_key": 249, "bpf": 321, "perf_event_open": 298,
         "userfaultfd": 323, "open_by_handle_at": 304, "clone3": 435}
for name, nr in calls.items():
    r = libc.syscall(nr, 0, 0, 0, 0, 0)
    print(name, "ok" if r >= 0 else errno.errorcode[ctypes.get_errno()])
' >"$out/seccomp.txt" 2>&1 || fail "the probe: $(cat "$out/seccomp.txt")"
for name in unshare setns mount io_uring_setup keyctl add_key request_key bpf perf_event_open userfaultfd open_by_handle_at; do
    grep -qx "$name EPERM" "$out/seccomp.txt" || fail "$name is not denied: $(cat "$out/seccomp.txt")"
done
grep -qx "clone3 ENOSYS" "$out/seccomp.txt" || fail "clone3: $(cat "$out/seccomp.txt")"

echo "== ... and everyday work is not"
"$rae" sprite exec "$s" -- python3 -c '
import asyncio, multiprocessing, sqlite3, subprocess, threading
from multiprocessing import shared_memory
import httpx
def square(x): return x * x
if __name__ == "__main__":
    t = threading.Thread(target=print, args=("thread",)); t.start(); t.join()
    print(subprocess.run(["echo", "subprocess"], capture_output=True, text=True).stdout.strip())
    with multiprocessing.Pool(2) as p: print("pool", sum(p.map(square, range(10))))
    m = shared_memory.SharedMemory(create=True, size=1 << 20); m.buf[0] = 7; print("shm", m.buf[0]); m.close(); m.unlink()
    print("sqlite", sqlite3.connect(":memory:").execute("select 6*7").fetchone()[0])
    print("asyncio", asyncio.run(asyncio.sleep(0, result="done")))
    print("httpx", httpx.Client().__class__.__name__)
' >"$out/python.txt" 2>&1 || fail "Python in the sprite: $(cat "$out/python.txt")"
for want in thread subprocess "pool 285" "shm 7" "sqlite 42" "asyncio done" "httpx Client"; do
    grep -qx "$want" "$out/python.txt" || fail "Python: no '$want': $(cat "$out/python.txt")"
done
"$rae" sprite files "$s" put har/shop.har "$root/tests/unit/data/shop_session.har" || fail "put the HAR"
"$rae" sprite exec "$s" -- rae engineer /workspace/har/shop.har -o /workspace/scripts/shop \
    >"$out/engineer.out" 2>&1 || fail "rae engineer in the sprite: $(cat "$out/engineer.out")"
"$rae" sprite exec "$s" -- sh -c 'cd /workspace/scripts/shop && python3 -c "import api_client" &&
    python3 -m py_compile replay.py' >"$out/client.out" 2>&1 || fail "the generated client: $(cat "$out/client.out")"
echo "PASS sprite_sandbox"
