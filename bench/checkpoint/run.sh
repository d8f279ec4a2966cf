#!/usr/bin/env bash
# bench/checkpoint: the checkpoint store (src/ckpt/ckpt.c) against tar and cp -a on the same
# tree, in the same runs.
#
#   bench/checkpoint/run.sh
#
# Environment:
#   RUNS=5        runs of each step; medians are reported (a shared 2-core machine is noisy)
#   MB=200        size of the generated workspace, FILES=2000 files in it (gen_tree.py)
#   PASSES="0:1 1:1 0:2"   store configurations, LEVEL:SYNC: zstd level (0: blobs stored raw)
#                 and ckpt_store_set_sync's level (0 none, 1 the store: the default, 2 the store
#                 and restored trees); tar and cp never fsync
#   SETTLE=90     a bench started less than SETTLE s after the last one removed its trees waits
#                 for the rest (see README: deleted inodes slow down creating files for a while)
#   WORK=build/bench/checkpoint   where the trees go (~0.6 GB per run and pass, plus 0.2 GB per
#                 run for tar, all kept until the end: ~10 GB with the defaults)
#   BUILD=build   where liblibrae.a is (else the store's sources are compiled directly)
#
# Each run does, for each pass: cp -a of the tree (timed: "cp -a"), the first checkpoint of that
# copy, a checkpoint after a small change (3 files appended to, 2 rewritten in place, 5 touched,
# 1 added, 1 removed), a restore of the first checkpoint over the changed copy (the everyday
# undo), a restore of it into a directory that does not exist (every file copied); then tar -cf
# of the tree and tar -xf into an empty directory. Checkpoint and restore times are those of the API call
# (ckpt_bench.c); tar and cp are timed around the process with date +%s%N. Every timed step
# starts after a `sync` (not timed), so that no step pays for the writeback of the one before
# (the store's syncfs would: it flushes the whole file system).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT" || exit 1

RUNS=${RUNS:-5}
MB=${MB:-200}
FILES=${FILES:-2000}
PASSES=${PASSES:-"0:1 1:1 0:2"}
SETTLE=${SETTLE:-90}
BUILD=${BUILD:-build}
WORK=${WORK:-build/bench/checkpoint}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

# --- the driver ------------------------------------------------------------------------------
DRIVER=$WORK/ckpt_bench
LIBS="$(pkg-config --libs jansson libsodium libzstd) -lm -lpthread"
LIB=$BUILD/liblibrae.a
if [ -f "$LIB" ] && nm "$LIB" 2>/dev/null | grep " T ckpt_create$" >/dev/null; then  # no -q: with pipefail, nm would die of SIGPIPE
  cc -O2 -D_GNU_SOURCE -I include -I src "$HERE/ckpt_bench.c" "$LIB" $LIBS -o "$DRIVER" || exit 1
else
  echo "note: $LIB is missing or has no ckpt_create; compiling the store's sources directly"
  cc -O2 -std=c11 -D_GNU_SOURCE -I include -I src "$HERE/ckpt_bench.c" src/ckpt/*.c \
    src/util/buf.c src/util/map.c src/util/arena.c src/util/err.c src/util/fsutil.c src/util/text.c \
    $(pkg-config --cflags libsodium libzstd) $LIBS -o "$DRIVER" || exit 1
fi

# --- the tree --------------------------------------------------------------------------------
TREE=$WORK/tree-$MB-$FILES
if [ ! -f "$TREE.done" ]; then
  rm -rf "$TREE"
  echo "generating $TREE ..."
  python3 "$HERE/gen_tree.py" "$TREE" "$MB" "$FILES" || exit 1
  touch "$TREE.done"
fi
NFILES=$(find "$TREE" -type f | wc -l)
BYTES=$(find "$TREE" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.1f", s / 1048576}')

now_ns() { date +%s%N; }
ms_since() { echo $(( ($(now_ns) - $1) / 1000000 )); }
median() { sort -n "$1" | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
spread() { sort -n "$1" | awk '{v[NR] = $1} END {printf "%s-%s", v[1], v[NR]}'; }

# Nothing is deleted while the bench runs (a mass delete makes every file creation of the next
# minute slow on this machine's journal-less ext4: README); the trees are removed at the end, and
# a bench started soon after waits for that to be forgotten.
if ls -d "$WORK"/pass-* >/dev/null 2>&1; then
  rm -rf "$WORK"/pass-*
  date +%s >"$WORK/deleted-at"
fi
if [ -f "$WORK/deleted-at" ]; then
  wait_s=$(( $(cat "$WORK/deleted-at") + SETTLE - $(date +%s) ))
  if [ "$wait_s" -gt 0 ]; then
    echo "waiting ${wait_s}s: files were deleted here less than ${SETTLE}s ago (SETTLE=0 to skip)"
    sleep "$wait_s"
  fi
fi

small_change() {
  local ws=$1 i=0
  mapfile -t files < <(cd "$ws" && find . -type f -size +1k | sort | awk 'NR % 97 == 5' | head -11)
  for f in "${files[@]}"; do
    i=$((i + 1))
    if [ $i -le 3 ]; then
      printf 'appended line %d\n' "$i" >>"$ws/$f"
    elif [ $i -le 5 ]; then
      printf 'XXXXXXXX' | dd of="$ws/$f" bs=1 seek=100 conv=notrunc status=none
    elif [ $i -le 10 ]; then
      touch "$ws/$f"
    else
      rm -f "$ws/$f"
    fi
  done
  printf 'a new file\n' >"$ws/new-file.txt"
}

label() { # LEVEL:SYNC -> raw, zstd-1, raw/sync-all, raw/nosync
  local l=${1%:*} y=${1#*:}
  printf '%s%s' "$([ "$l" = 0 ] && echo raw || echo "zstd-$l")" \
    "$(case $y in 0) echo /nosync ;; 2) echo /sync-all ;; esac)"
}

P=$WORK/pass-$$
mkdir -p "$P"
for base in cp tar_c tar_x; do : >"$P/$base"; done
for cfg in $PASSES; do
  for step in first incr restore restore_full; do : >"$P/$step-$cfg"; done
done
failed=0
# Each run does every configuration and the peers in turn, so that all see the same noise.
for run in $(seq 1 "$RUNS"); do
  for cfg in $PASSES; do
    level=${cfg%:*} sync=${cfg#*:}
    R=$P/run$run-${level}-${sync}
    mkdir -p "$R"
    sync
    t=$(now_ns); cp -a "$TREE" "$R/ws"; ms_since "$t" >>"$P/cp"
    sync
    out=$("$DRIVER" create "$R/store" "$R/ws" "$level" "$sync") || { failed=1; break 2; }
    read -r ms id files bytes added read <<<"$out"
    echo "$ms" >>"$P/first-$cfg"
    small_change "$R/ws"
    sync
    out=$("$DRIVER" create "$R/store" "$R/ws" "$level" "$sync") || { failed=1; break 2; }
    read -r ms id2 files2 bytes2 added2 read2 <<<"$out"
    echo "$ms" >>"$P/incr-$cfg"
    sync
    "$DRIVER" restore "$R/store" "$R/ws" "$id" "$sync" >>"$P/restore-$cfg" || { failed=1; break 2; }
    sync
    "$DRIVER" restore "$R/store" "$R/full" "$id" "$sync" >>"$P/restore_full-$cfg" ||
      { failed=1; break 2; }
    sync
    if [ "$run" = 1 ]; then
      if ! diff -r --no-dereference "$TREE" "$R/ws" >/dev/null ||
        ! diff -r --no-dereference "$TREE" "$R/full" >/dev/null; then
        echo "FAIL: a restored tree differs from the original ($(label "$cfg"))" >&2
        failed=1
      fi
      echo "$(label "$cfg"): the first checkpoint stored $((added / 1048576)) MB of blobs (store" \
        "$(du -sm "$R/store" | cut -f1) MB on disk); after the change: read $read2 files, stored" \
        "$added2 bytes"
    fi
  done
  R=$P/run$run-peers
  mkdir -p "$R/x"
  sync
  t=$(now_ns); tar -cf "$R/ws.tar" -C "$TREE" .; ms_since "$t" >>"$P/tar_c"
  sync
  t=$(now_ns); tar -xf "$R/ws.tar" -C "$R/x"; ms_since "$t" >>"$P/tar_x"
  rm -f "$R/ws.tar" # one inode: harmless
done
[ $failed = 1 ] && echo "FAIL: the checkpoint driver failed (see above)" >&2
cp_m=$(median "$P/cp") tar_c=$(median "$P/tar_c") tar_x=$(median "$P/tar_x")
declare -A med spr
for f in "$P"/*; do
  [ -f "$f" ] || continue
  med[$(basename "$f")]=$(median "$f")
  spr[$(basename "$f")]=$(spread "$f")
done
rm -rf "$P"
date +%s >"$WORK/deleted-at"
[ $failed = 1 ] && exit 1

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2fx", a / b; else print "-"}'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN {print (v <= t) ? "target met" : "target NOT met"}'; }
row() { # LABEL STEP VALUE PEER TARGET
  printf '%-11s %-31s %8s %8s %8s %7s %7s  <=%-5s %s\n' "$1" "$2" "$3" "$4" "$cp_m" \
    "$(ratio "$3" "$4")" "$(ratio "$3" "$cp_m")" "$5" "$(verdict "$3" "$5")"
}

echo
echo "checkpoint store vs tar / cp -a: $NFILES files, $BYTES MB, RUNS=$RUNS; medians in ms" \
  "(ratio < 1: the store is faster; tar is tar -cf for checkpoints, tar -xf for restores)"
printf '%-11s %-31s %8s %8s %8s %7s %7s  %-7s %s\n' store step ckpt tar "cp -a" "vs tar" "vs cp" \
  target
for cfg in $PASSES; do
  name=$(label "$cfg")
  row "$name" "first checkpoint" "${med[first-$cfg]}" "$tar_c" 1000
  row "$name" "checkpoint after a small change" "${med[incr-$cfg]}" "$tar_c" 50
  row "$name" "restore over the changed tree" "${med[restore-$cfg]}" "$tar_x" 300
  row "$name" "restore into an empty dir" "${med[restore_full-$cfg]}" "$tar_x" 300
done
echo
echo "spread of the runs (min-max ms): cp -a ${spr[cp]}, tar -cf ${spr[tar_c]}, tar -xf ${spr[tar_x]}"
for cfg in $PASSES; do
  echo "  $(label "$cfg"): first ${spr[first-$cfg]}, after a change ${spr[incr-$cfg]}," \
    "restore ${spr[restore-$cfg]}, into an empty dir ${spr[restore_full-$cfg]}"
done
