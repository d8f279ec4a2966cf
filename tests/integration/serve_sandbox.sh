#!/usr/bin/env bash
# rae serve's spawns give sprites nothing of its environment (serve_sandbox.py).
# usage: serve_sandbox.sh RAE OUTDIR
exec /usr/bin/python3 "$(dirname "$0")/serve_sandbox.py" "$@"
