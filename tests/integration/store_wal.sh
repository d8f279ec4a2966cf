#!/usr/bin/env bash
# The store keeps its WAL while rae serve runs beside the CLI (store_wal.py).   usage: store_wal.sh RAE OUTDIR
exec /usr/bin/python3 "$(dirname "$0")/store_wal.py" "$@"
