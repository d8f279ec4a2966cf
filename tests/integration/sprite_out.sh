# Sourced by the sprite tests: fresh_out OUT RAE empties OUT (after removing, through rae, the
# sprites a killed earlier run left: their filesystems mounted, their namespaces up) and makes it
# 0700, so that the data dir lies below a folder the sprites' uids cannot enter, as in /root or ~.
fresh_out() {
    local out=$1 rae=$2 old
    for old in "$out"/data/sprites/*/; do
        [ -f "$old/sprite.json" ] && RAE_DATA_DIR=$out/data "$rae" sprite rm "$(basename "$old")" >/dev/null 2>&1
    done
    rm -rf "$out" && mkdir -p "$out"
    chmod 700 "$out"
}
