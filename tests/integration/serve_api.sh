#!/usr/bin/env bash
# The rae serve API on loopback (serve_api.py).   usage: serve_api.sh RAE OUTDIR
exec /usr/bin/python3 "$(dirname "$0")/serve_api.py" "$@"
