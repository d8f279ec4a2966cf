#!/usr/bin/env bash
# GET /api/usage: the AI engineer's tokens and cost by user, day and run (serve_usage.py).
#   usage: serve_usage.sh RAE OUTDIR
exec /usr/bin/python3 "$(dirname "$0")/serve_usage.py" "$@"
