#!/usr/bin/env bash
# The web app end to end, in a real Chromium (web_e2e.mjs) against a running `rae serve` and the
# fixture site (site.py), all on loopback.
#
#   web_e2e.sh RAE OUTDIR
#
# Starts the site and the server (a fresh data dir under OUTDIR), adds a user, runs the browser
# test, and stops everything it started, also on failure or on a signal. OUTDIR keeps the
# screenshots (NN-step.png), serve.log, site.log and the data dir (its sprites removed).
# The last line is `PASS web_e2e` or `FAIL web_e2e: why` (exit 1).
set -u

E2E_NAME=web_e2e
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
e2e_init "$@"
USER_NAME=e2e

# 1. the fixture site
start_site

# 2. the user, then the server
add_user "$USER_NAME" 'correct horse e2e battery'
start_serve --allow-net "127.0.0.1:$SITE_PORT"

# 3. the browser test
run_node "$HERE/web_e2e.mjs" --server "$SERVER" --site "$SITE" --out "$OUT" \
    --user "$USER_NAME" --password-file "$PASSWORD_FILE" --server-log "$OUT/serve.log"

# 4. rae serve must have lived through it all and stop cleanly; the sprite must go
finish_serve
echo "PASS web_e2e"
