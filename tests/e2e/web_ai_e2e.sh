#!/usr/bin/env bash
# The AI engineer in the web app end to end, in a real Chromium (web_ai_e2e.mjs), against a
# running `rae serve --llm-provider anthropic` whose gateway reaches the fixture model server
# (tests/fixtures/model_server: it checks every request and plays the turns web_ai_e2e.mjs
# scripts), and the fixture site (site.py), all on loopback.
#
#   web_ai_e2e.sh RAE OUTDIR
#
# Starts the site, the model server and rae serve (a fresh data dir under OUTDIR; the user is an
# admin with a $5 monthly budget), runs the browser test, and stops everything it started, also
# on failure or on a signal. OUTDIR keeps the screenshots (NN-step.png; chat.png and settings.png
# for the README), serve.log, model.log (every request the model server got: model-requests.ndjson)
# and the data dir (its sprites removed). The last line is `PASS web_ai_e2e` or
# `FAIL web_ai_e2e: why` (exit 1).
set -u

E2E_NAME=web_ai_e2e
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$HERE/lib.sh"
e2e_init "$@"
USER_NAME=e2e
# libcurl (the gateway's client) takes a proxy from the environment: not for loopback
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1

# 1. the fixture site
start_site

# 2. the model server, playing the scenario's turns with the server's key
KEY="sk-ant-e2e-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
(umask 077 && printf '%s\n' "$KEY" >"$OUT/llm.key")
run_node "$HERE/web_ai_e2e.mjs" --print-script "$SITE" --key "$KEY" >"$OUT/model-script.json" ||
    fail "web_ai_e2e.mjs --print-script failed"
rm -f "$OUT/model-requests.ndjson"
/usr/bin/python3 "$ROOT/tests/fixtures/model_server/server.py" --script "$OUT/model-script.json" --port 0 \
    --log "$OUT/model-requests.ndjson" >"$OUT/model.out" 2>"$OUT/model.log" &
EXTRA_PIDS+=($!)
MODEL=$(wait_listening "$OUT/model.out" "$!") || fail "the model server did not start: see $OUT/model.log"
echo "model: $MODEL"

# 3. the user (an admin, to see every user's usage; a budget to show), then the server
add_user "$USER_NAME" 'correct horse e2e battery' --admin
"$RAE" user budget "$USER_NAME" 5 --data-dir "$DATA" >>"$OUT/serve.log" 2>&1 || fail "rae user budget failed: see $OUT/serve.log"
start_serve --allow-net "127.0.0.1:$SITE_PORT" --llm-provider anthropic --llm-base-url "$MODEL" \
    --llm-key-file "$OUT/llm.key"

# 4. the browser test
node "$HERE/web_ai_e2e.mjs" --server "$SERVER" --site "$SITE" --model "$MODEL" --out "$OUT" \
    --user "$USER_NAME" --password-file "$PASSWORD_FILE" --rae "$RAE" --data-dir "$DATA" \
    --key-file "$OUT/llm.key" --server-log "$OUT/serve.log"

# 5. rae serve must have lived through it all and stop cleanly; the sprite must go
finish_serve
grep -qF "$KEY" "$OUT/serve.log" && fail "the key is in rae serve's log"
echo "PASS web_ai_e2e"
