#!/usr/bin/env bash
# Bad input to every route of rae serve (serve_badinput.py).   usage: serve_badinput.sh RAE OUTDIR
exec /usr/bin/python3 "$(dirname "$0")/serve_badinput.py" "$@"
