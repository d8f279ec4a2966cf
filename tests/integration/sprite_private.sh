#!/usr/bin/env bash
# Sprites whose data dir and rae binary sit below a folder only root may enter (mode 0700, as
# /root, most home directories and every `mktemp -d` are), with rae as root: the sprite's own uid
# cannot walk such a path, yet exec, a shell, a service, files, a checkpoint and its restore work,
# and /opt/rae/bin/rae runs inside. No folder above the data dir changes mode, a new data dir is
# 0700, and no host path shows in the command lines the sprite can read (/proc/*/cmdline, bwrap's
# PID 1 included). Below a 0700 folder of another user (root's rae in a user's home) the sprite's
# network comes up too (pasta, which opens its pid file without CAP_DAC_OVERRIDE). See
# docs/sprites.md, "Isolation".
# usage: sprite_private.sh RAE OUTDIR
set -uo pipefail
built=$1 out=$2
private=$out/private # 0700: nobody but root walks through it
rae=$private/bin/rae # a copy of the rae under test, below the 0700 folder too
data=$private/data
for d in "$data" "$out/other/data"; do # what a killed earlier run left (mounted, with a namespace)
    for old in "$d"/sprites/*/; do
        [ -f "$old/sprite.json" ] && "$rae" sprite rm "$(basename "$old")" --data-dir "$d" >/dev/null 2>&1
    done
done
rm -rf "$out" && mkdir -p "$out"
mkdir -m 700 "$private" && mkdir "$private/bin" && cp "$built" "$rae" || exit 1
export RAE_DATA_DIR=$data
s="p$$"

fail() { echo "FAIL sprite_private: $*"; exit 1; }
cleanup() {
    "$rae" sprite rm "$s" >/dev/null 2>&1
    "$rae" sprite rm "$s" --data-dir "$out/other/data" >/dev/null 2>&1
}
trap cleanup EXIT
modes() { stat -c '%a %n' "$out" "$private" "$private/bin"; }
before=$(modes)
[ "$(id -u)" -eq 0 ] || echo "sprite_private: rae runs unprivileged here: sprites run as this user"

echo "== exec in a sprite whose data dir is below a 0700 folder"
"$rae" sprite create "$s" >/dev/null || fail "create"
"$rae" sprite exec "$s" -- true 2>"$out/exec.err" || fail "exec: $(cat "$out/exec.err")"
who=$("$rae" sprite exec "$s" -- sh -c 'id -u; cat /etc/hostname; pwd') || fail "exec: identity"
[ "$who" = "$(printf '1000\n%s\n/workspace' "$s")" ] || fail "identity inside: $who"
[ "$("$rae" sprite exec "$s" -- /opt/rae/bin/rae --version)" = "$("$rae" --version)" ] ||
    fail "the rae binary (below the 0700 folder) does not run inside"
"$rae" sprite exec "$s" -- sh -c 'echo v1 >/workspace/v.txt; echo t >/tmp/t.txt' || fail "writing /workspace and /tmp"

echo "== shell, service, files, checkpoint and restore"
printf 'test -w /workspace && echo on-a-tty; exit 4\n' | "$rae" sprite shell "$s" >"$out/shell.out" 2>&1
[ $? -eq 4 ] && grep -q on-a-tty "$out/shell.out" || fail "shell: $(cat "$out/shell.out")"
"$rae" sprite service "$s" start beat --restart no -- sh -c 'cat /etc/hostname >/workspace/beat; sleep 30' ||
    fail "service start"
for _ in $(seq 100); do "$rae" sprite files "$s" get beat >/dev/null 2>&1 && break; sleep 0.1; done
[ "$("$rae" sprite files "$s" get beat 2>&1)" = "$s" ] ||
    fail "the service did not run: $("$rae" sprite service "$s" logs beat 2>&1 | tail -3)"
"$rae" sprite service "$s" stop beat || fail "service stop"
echo put >"$out/put.txt"
"$rae" sprite files "$s" put har/put.txt "$out/put.txt" || fail "files put"
[ "$("$rae" sprite exec "$s" -- cat /workspace/har/put.txt)" = put ] || fail "a put file is not seen inside"
id=$("$rae" sprite checkpoint "$s" 2>"$out/ckpt.err") || fail "checkpoint: $(cat "$out/ckpt.err")"
"$rae" sprite exec "$s" -- sh -c 'echo v2 >/workspace/v.txt' || fail "changing the workspace"
"$rae" sprite restore "$s" "$id" || fail "restore"
[ "$("$rae" sprite exec "$s" -- cat /workspace/v.txt)" = v1 ] || fail "the restored workspace"

echo "== no host path in the sprite's command lines; modes"
"$rae" sprite exec "$s" -- sh -c 'for f in /proc/[0-9]*/cmdline; do tr "\0" " " <"$f"; echo; done' \
    >"$out/cmdlines.txt" || fail "reading /proc/*/cmdline"
grep -q bwrap "$out/cmdlines.txt" || fail "bwrap's command line is not among them: $(cat "$out/cmdlines.txt")"
grep -qF "$private" "$out/cmdlines.txt" && fail "a host path in a command line: $(grep -F "$private" "$out/cmdlines.txt")"
[ "$(modes)" = "$before" ] || fail "modes above the data dir changed: $(modes), were $before"
[ "$(stat -c %a "$data")" = 700 ] || fail "a new data dir is mode $(stat -c %a "$data"), not 700"
"$rae" sprite rm "$s" || fail "rm"

if [ "$(id -u)" -eq 0 ]; then
    echo "== below a 0700 folder of another user (root's rae in a user's home): the network too"
    other=$out/other
    mkdir -m 700 "$other" && chown 65534:65534 "$other" || fail "making $other"
    "$rae" sprite create "$s" --data-dir "$other/data" >/dev/null || fail "create below $other"
    nets=$("$rae" sprite exec "$s" --data-dir "$other/data" -- python3 -c \
        'import socket; print(" ".join(n for _, n in socket.if_nameindex()))' 2>&1) ||
        fail "exec below $other: $nets"
    [ "$nets" = "lo eth0" ] || fail "the sprite's network (pasta's eth0) is not up: $nets"
    "$rae" sprite rm "$s" --data-dir "$other/data" || fail "rm below $other"
    [ "$(stat -c '%a %u' "$other")" = "700 65534" ] || fail "$other changed: $(stat -c '%a %u' "$other")"
fi
echo "PASS sprite_private"
