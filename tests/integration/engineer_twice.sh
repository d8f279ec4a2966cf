#!/usr/bin/env bash
# The same HAR gives the same output, byte for byte, every run (issue 16, item 7): `rae engineer`
# twice on every HAR of the corpus (tests/corpus/har), every fixture's recorded.har (a HAR of the
# fixture app recorded by `rae capture`, committed so that no browser is needed here) and the unit
# tests' HARs (tests/unit/data), into the same directory each time; the two trees must be equal
# (`diff -r`), and so must the exit statuses and what went to stdout and stderr. The second run
# has glibc fill new and freed memory (MALLOC_PERTURB_: a read of memory never written shows) and
# another time zone. For each HAR that differs, the first file that differs and the first lines
# of the difference are printed; the test fails.
# usage: engineer_twice.sh RAE OUTDIR
set -u
rae=$1 out=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
corpus=${RAE_CORPUS:?}
rm -rf "$out" && mkdir -p "$out"
pass=0 fail=0

# engineer HAR DIR [ENV...]: rae engineer HAR into DIR/run (the same path both times), its exit
# status in DIR/rc
engineer() {
    local har=$1 dir=$2
    shift 2
    rm -rf "$dir/run"
    env "$@" "$rae" engineer "$har" -o "$dir/run" -q >"$dir/out" 2>"$dir/err"
    echo $? >"$dir/rc"
}

twice() { # HAR NAME
    local har=$1 dir=$out/$2 first
    mkdir -p "$dir"
    engineer "$har" "$dir"
    mkdir -p "$dir/first"
    for f in run out err rc; do [ -e "$dir/$f" ] && mv "$dir/$f" "$dir/first/"; done
    engineer "$har" "$dir" MALLOC_PERTURB_=165 TZ=Pacific/Chatham
    if ! cmp -s "$dir/first/rc" "$dir/rc"; then
        echo "FAIL $2: exit status $(cat "$dir/first/rc"), then $(cat "$dir/rc")"
        return 1
    fi
    for f in out err; do
        if ! cmp -s "$dir/first/$f" "$dir/$f"; then
            echo "FAIL $2: the std$f of the two runs differs:"
            diff "$dir/first/$f" "$dir/$f" | head -n 6
            return 1
        fi
    done
    [ -d "$dir/first/run" ] || [ -d "$dir/run" ] || return 0
    if ! diff -r -q "$dir/first/run" "$dir/run" >"$dir/diff-q" 2>&1; then
        first=$(head -n 1 "$dir/diff-q")
        echo "FAIL $2: $(wc -l <"$dir/diff-q") file(s) differ between two runs on $har;" \
            "the first: $first"
        local a b
        a=$(sed -n 's/^Files \(.*\) and \(.*\) differ$/\1/p' <<<"$first")
        b=$(sed -n 's/^Files \(.*\) and \(.*\) differ$/\2/p' <<<"$first")
        [ -n "$a" ] && diff "$a" "$b" | head -n 8 | cut -c1-240
        return 1
    fi
    return 0
}

for har in "$corpus"/*.har "$root"/tests/fixtures/*/recorded.har "$root"/tests/unit/data/*.har; do
    [ -e "$har" ] || continue
    case $har in
    "$corpus"/*) name=corpus/$(basename "$har" .har) ;;
    "$root"/tests/fixtures/*) name=fixture/$(basename "$(dirname "$har")") ;;
    *) name=unit/$(basename "$har" .har) ;;
    esac
    if twice "$har" "$name"; then
        pass=$((pass + 1))
        rm -rf "${out:?}/$name"
    else
        fail=$((fail + 1))
    fi
done
echo "$pass HARs gave the same output twice, $fail did not"
[ $pass -gt 0 ] && [ $fail -eq 0 ]
