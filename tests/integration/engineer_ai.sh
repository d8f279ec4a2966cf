#!/usr/bin/env bash
# rae engineer --prompt against the fixture model server (engineer_ai.py).
#   usage: engineer_ai.sh RAE OUTDIR
exec /usr/bin/python3 "$(dirname "$0")/engineer_ai.py" "$@"
