#!/usr/bin/env bash
# `make demo`: the command-line way on a bundled capture, without the server:
# examples/notes.har (the Notes fixture app used through Chromium) is engineered into a client,
# then a fresh instance of that app is started and the generated replay.py runs against it.
set -euo pipefail
rae=${1:-build/rae}
cd "$(dirname "$0")/.."
har=${RAE_EXAMPLE:-examples/notes.har}
out=build/example
"$rae" --help
echo
echo "== rae engineer $har -o $out"
"$rae" engineer "$har" -o "$out"
echo
echo "== starting a fresh Notes app (tests/fixtures/notes_api): new tokens, new ids"
log=$(mktemp)
/usr/bin/python3 tests/fixtures/notes_api/app.py --port 0 >"$log" 2>/dev/null &
app=$!
trap 'kill $app 2>/dev/null; wait $app 2>/dev/null; rm -f "$log"' EXIT
base=""
for _ in $(seq 50); do
    base=$(sed -n 's/^listening on //p' "$log")
    [ -n "$base" ] && break
    sleep 0.1
done
[ -n "$base" ] || { echo "rae: the Notes app did not start" >&2; exit 1; }
echo "== python3 $out/replay.py --base-url $base"
(cd "$out" && /usr/bin/python3 replay.py --base-url "$base")
echo
echo "The client is in $out/: api_client.py, openapi.json, replay.py, README.md, .env"
