#!/usr/bin/env bash
# rae engineer on a HAR whose every string is hostile (engineer_hostile.py).   usage: engineer_hostile.sh RAE OUTDIR
exec /usr/bin/python3 "$(dirname "$0")/engineer_hostile.py" "$@"
