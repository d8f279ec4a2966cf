#!/usr/bin/env bash
# Every file of the HAR corpus (tests/corpus/har): `rae har stats` and `rae har validate` must read the valid
# ones (exit 0, or 1 for validate's non-conformance) and reject the two malformed ones with exit 2
# and a one-line error naming the file and the place.
set -u
rae=$1 out=$2
mkdir -p "$out"
corpus=${RAE_CORPUS:?}
malformed="mitmproxy_corrupted_har_brokenfile.har mitmproxy_data_har_extractor.har"
pass=0 fail=0
for f in "$corpus"/*.har; do
    name=$(basename "$f")
    "$rae" har stats "$f" >"$out/$name.stats" 2>"$out/$name.err"
    rc=$?
    "$rae" har validate "$f" >"$out/$name.validate" 2>>"$out/$name.err"
    vrc=$?
    if [[ " $malformed " == *" $name "* ]]; then
        if [ $rc -eq 2 ] && [ $vrc -eq 2 ] && [ "$(wc -l <"$out/$name.err")" -eq 2 ] &&
            grep -q "^rae: $f" "$out/$name.err"; then
            pass=$((pass + 1))
        else
            fail=$((fail + 1))
            echo "FAIL $name: expected exit 2 with one-line errors, got stats=$rc validate=$vrc:"
            cat "$out/$name.err"
        fi
    elif [ $rc -eq 0 ] && { [ $vrc -eq 0 ] || [ $vrc -eq 1 ]; } && [ ! -s "$out/$name.err" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $name: stats=$rc validate=$vrc"
        head -3 "$out/$name.err"
    fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
