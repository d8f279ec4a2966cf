#!/usr/bin/env bash
# `rae engineer` on every file of the HAR corpus (tests/corpus/har): valid ones give exit 0 and output that
# Python compiles (api_client.py, replay.py), an openapi.json that parses, a .env of mode 0600;
# the two malformed ones give exit 2 and a one-line error naming the place, and no crash.
set -u
rae=$1 out=$2
mkdir -p "$out"
corpus=${RAE_CORPUS:?}
malformed="mitmproxy_corrupted_har_brokenfile.har mitmproxy_data_har_extractor.har"
pass=0 fail=0
check() { # name dir
    local dir=$2
    /usr/bin/python3 - "$dir" <<'PY' || return 1
import json, os, py_compile, stat, sys
d = sys.argv[1]
for f in ("api_client.py", "replay.py"):
    py_compile.compile(os.path.join(d, f), doraise=True)
spec = json.load(open(os.path.join(d, "openapi.json")))
assert spec["openapi"].startswith("3.1"), "not OpenAPI 3.1"
for path, ops in spec["paths"].items():
    for op in ops.values():
        assert "responses" in op, path
mode = stat.S_IMODE(os.stat(os.path.join(d, ".env")).st_mode)
assert mode == 0o600, oct(mode)
assert open(os.path.join(d, "README.md")).read().startswith("# API client")
PY
}
for f in "$corpus"/*.har; do
    name=$(basename "$f" .har)
    "$rae" engineer "$f" -o "$out/$name" -q 2>"$out/$name.err"
    rc=$?
    if [[ " $malformed " == *" $name.har "* ]]; then
        if [ $rc -eq 2 ] && [ "$(wc -l <"$out/$name.err")" -eq 1 ] && grep -q "^rae: $f" "$out/$name.err"; then
            pass=$((pass + 1))
        else
            fail=$((fail + 1))
            echo "FAIL $name: expected exit 2 and one line, got $rc:"
            cat "$out/$name.err"
        fi
    elif [ $rc -eq 0 ] && check "$name" "$out/$name" 2>>"$out/$name.err"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $name (exit $rc):"
        tail -5 "$out/$name.err"
    fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
