#!/usr/bin/env bash
# `rae har validate` on HARs whose JSON text breaks RFC 8259: bytes that are not UTF-8 are an
# error (exit 1, the line names file, line, column, entry and field); lone surrogate escapes and
# duplicate keys are warnings (printed, exit 0 when nothing else is wrong; `--json` gives each a
# severity). `rae har stats` and `rae engineer` read the same files as before: exit 0, no crash.
set -u
rae=$1 out=$2
mkdir -p "$out"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL $*"
}

# Three API calls; entry 1's URL holds an overlong '/' (C0 AF), entry 2 has a duplicate header
# key, entry 3's response body a lone surrogate escape. warnings.har: the same without entry 1.
/usr/bin/python3 - "$out" <<'PY'
import sys
out = sys.argv[1]
def entry(url, header=b'"value":"application/json"', body=b'{\\"id\\":1}'):
    return (b'{"startedDateTime":"2024-01-01T00:00:00Z","time":1,\n'
            b'"request":{"method":"GET","url":"' + url + b'","httpVersion":"HTTP/1.1",'
            b'"cookies":[],"headers":[{"name":"Accept",' + header + b'}],"queryString":[],'
            b'"headersSize":-1,"bodySize":-1},\n'
            b'"response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","cookies":[],'
            b'"headers":[{"name":"Content-Type","value":"application/json"}],'
            b'"content":{"size":8,"mimeType":"application/json","text":"' + body + b'"},'
            b'"redirectURL":"","headersSize":-1,"bodySize":-1},\n'
            b'"cache":{},"timings":{"send":0,"wait":1,"receive":0}}')
head = b'{"log":{"version":"1.2","creator":{"name":"t","version":"1"},"entries":[\n'
good = entry(b'https://api.example.com/items/1')
overlong = entry(b'https://api.example.com/items\xc0\xaf2')
dup = entry(b'https://api.example.com/items/3', b'"value":"application/json","value":"*/*"')
lone = entry(b'https://api.example.com/items/4', body=b'{\\"name\\":\\"\\ud800\\"}')
with open(out + '/encoding.har', 'wb') as f:
    f.write(head + b',\n'.join([good, overlong, dup, lone]) + b'\n]}}\n')
with open(out + '/warnings.har', 'wb') as f:
    f.write(head + b',\n'.join([good, dup, lone]) + b'\n]}}\n')
PY

f=$out/encoding.har
"$rae" har validate "$f" >"$out/encoding.out" 2>"$out/encoding.err"
rc=$?
# Entry 1 spans lines 6 to 9; its request (line 7) has the bytes C0 AF at column 63.
want="$f:7:63: entry 1: request.url: invalid UTF-8 (overlong encoding: C0 AF)"
[ $rc -eq 1 ] || bad "encoding.har: validate exit $rc, expected 1"
grep -qxF "$want" "$out/encoding.out" || bad "encoding.har: no line '$want'"
grep -qE "^$f:11:160: entry 2: request.headers\[0\].value: warning: duplicate key \"value\" \(first at 11:133\)" \
    "$out/encoding.out" || bad "encoding.har: no warning for the duplicate key"
grep -qE "^$f:16:[0-9]+: entry 3: response.content.text: warning: lone surrogate \\\\ud800" \
    "$out/encoding.out" || bad "encoding.har: no warning for the lone surrogate"
grep -qxF "$f: 1 problem, 2 warnings" "$out/encoding.out" || bad "encoding.har: summary"
[ -s "$out/encoding.err" ] && bad "encoding.har: stderr: $(head -1 "$out/encoding.err")"
[ $fail -eq 0 ] && ok

"$rae" har validate "$f" --json >"$out/encoding.json" 2>>"$out/encoding.err"
rc=$?
/usr/bin/python3 - "$out/encoding.json" <<'PY' && [ $rc -eq 1 ] && ok || bad "encoding.har --json (exit $rc)"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["valid"] is False and o["errors_count"] == 1 and o["warnings_count"] == 2, o
assert o["problems_count"] == 3, o
sev = [(p["entry"], p["path"], p["severity"]) for p in o["problems"]]
assert sev == [(1, "request.url", "error"), (2, "request.headers[0].value", "warning"),
               (3, "response.content.text", "warning")], sev
assert o["problems"][0]["line"] == 7 and o["problems"][0]["column"] == 63, o["problems"][0]
PY

w=$out/warnings.har
"$rae" har validate "$w" >"$out/warnings.out" 2>>"$out/warnings.err"
rc=$?
if [ $rc -eq 0 ] && grep -qxF "$w: valid HAR 1.2 (3 entries), 2 warnings" "$out/warnings.out" &&
    [ "$(grep -c ': warning: ' "$out/warnings.out")" -eq 2 ]; then
    ok
else
    bad "warnings.har: exit $rc, expected 0 with two warnings:"
    cat "$out/warnings.out"
fi

# The other readers: as before (U+FFFD for what is not Unicode, the first of duplicate keys).
for h in "$f" "$w"; do
    name=$(basename "$h" .har)
    "$rae" har stats "$h" >"$out/$name.stats" 2>"$out/$name.stats.err"
    rc=$?
    if [ $rc -eq 0 ] && grep -q "^$h: 4 entries\|^$h: 3 entries" "$out/$name.stats" &&
        [ ! -s "$out/$name.stats.err" ]; then ok; else bad "$name: stats exit $rc"; fi
    "$rae" engineer "$h" -o "$out/$name.client" -q 2>"$out/$name.eng.err"
    rc=$?
    if [ $rc -eq 0 ] && /usr/bin/python3 -m py_compile "$out/$name.client/api_client.py"; then
        ok
    else
        bad "$name: engineer exit $rc: $(head -3 "$out/$name.eng.err")"
    fi
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
