#!/usr/bin/env bash
# The AI engineer through rae serve's API against the fixture model server (serve_ai.py).
#   usage: serve_ai.sh RAE OUTDIR
exec /usr/bin/python3 "$(dirname "$0")/serve_ai.py" "$@"
