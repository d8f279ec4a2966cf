#!/usr/bin/env bash
# The Python rae writes, compiled and linted with pyflakes (py_lint.py).
#   usage: py_lint.sh RAE OUTDIR
exec /usr/bin/python3 "$(dirname "$0")/py_lint.py" "$@"
