#!/usr/bin/env bash
# Sprites created at once get uids of their own, under the cap (sprites_at_once.py).
#   usage: sprites_at_once.sh RAE OUTDIR
exec /usr/bin/python3 "$(dirname "$0")/sprites_at_once.py" "$@"
