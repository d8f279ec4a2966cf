#!/usr/bin/env bash
# The layers of src/: which folder may include which (layers.py).
exec /usr/bin/python3 "$(dirname "$0")/layers.py" "$@"
