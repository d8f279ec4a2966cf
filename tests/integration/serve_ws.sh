#!/usr/bin/env bash
# The WebSockets of rae serve as a script meets them (serve_ws.py).   usage: serve_ws.sh RAE OUTDIR
exec /usr/bin/python3 "$(dirname "$0")/serve_ws.py" "$@"
