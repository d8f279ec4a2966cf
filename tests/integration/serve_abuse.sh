#!/usr/bin/env bash
# rae serve against abuse from a sprite or a client (serve_abuse.py).   usage: serve_abuse.sh RAE OUTDIR
exec /usr/bin/python3 "$(dirname "$0")/serve_abuse.py" "$@"
