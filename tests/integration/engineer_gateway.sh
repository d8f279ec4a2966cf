#!/usr/bin/env bash
# rae gateway: the AI engineer without the key, through a UNIX socket (engineer_gateway.py).
#   usage: engineer_gateway.sh RAE OUTDIR
exec /usr/bin/python3 "$(dirname "$0")/engineer_gateway.py" "$@"
