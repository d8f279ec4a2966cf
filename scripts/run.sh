#!/usr/bin/env bash
# `make run`: the main job. Starts `rae serve` on RAE_LISTEN (default 127.0.0.1:8080) with its data
# in RAE_DATA_DIR (default ./data), and beside it the bundled Notes app (tests/fixtures/notes_api)
# on RAE_DEMO_PORT (default 8081), which the sprites may reach (--allow-net), so that there is a
# site to try even on a machine without internet. Ctrl-C stops both.
set -euo pipefail
rae=${1:-build/rae}
cd "$(dirname "$0")/.."
listen=${RAE_LISTEN:-127.0.0.1:8080}
data=${RAE_DATA_DIR:-data}
demo_port=${RAE_DEMO_PORT:-8081}

/usr/bin/python3 tests/fixtures/notes_api/app.py --port "$demo_port" >/dev/null 2>&1 &
demo=$!
trap 'kill $demo 2>/dev/null; wait $demo 2>/dev/null' EXIT
echo "A site to try in the sprite's browser: the Notes app at http://127.0.0.1:$demo_port/"
echo "(sign in there as alice / wonderland)"
echo
# not exec: the trap stops the Notes app when the server ends
"$rae" serve --listen "$listen" --data-dir "$data" --allow-net "127.0.0.1:$demo_port"
