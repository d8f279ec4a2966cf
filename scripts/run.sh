#!/usr/bin/env bash
# `make run`: the main job. Starts `rae serve` on RAE_LISTEN (default 127.0.0.1:8080) with its data
# in RAE_DATA_DIR (default ./data), and beside it the bundled Notes app (tests/fixtures/notes_api)
# on RAE_DEMO_PORT (default 8081), which the sprites may reach (--allow-net), so that there is a
# site to try even on a machine without internet. With ANTHROPIC_API_KEY (or OPENAI_API_KEY) in
# the environment, the engineer panel becomes a chat with that provider's model (the key stays in
# rae serve). Ctrl-C stops both.
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
llm=()
if [ -n "${ANTHROPIC_API_KEY:-}" ]; then
    llm=(--llm-provider anthropic)
elif [ -n "${OPENAI_API_KEY:-}" ]; then
    llm=(--llm-provider openai)
fi
if [ ${#llm[@]} -gt 0 ]; then
    echo "The AI engineer: ${llm[1]} (its key from the environment)"
else
    echo "The AI engineer: none (set ANTHROPIC_API_KEY or OPENAI_API_KEY, or a key in Settings)"
fi
echo
# not exec: the trap stops the Notes app when the server ends
"$rae" serve --listen "$listen" --data-dir "$data" --allow-net "127.0.0.1:$demo_port" "${llm[@]}"
