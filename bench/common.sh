# Sourced by the bench scripts: HERE (the script's folder), ROOT (the repository, made the
# current directory) and RAE (the absolute path of the rae binary: $1, default build/rae).
# usage: source "$(dirname "${BASH_SOURCE[0]}")/../common.sh" "$@"
HERE=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT" || exit 1
RAE=${1:-build/rae}
if [ ! -x "$RAE" ]; then
  echo "bench: no rae binary at $RAE (build it with: make build)" >&2
  exit 1
fi
RAE=$(cd "$(dirname "$RAE")" && pwd)/$(basename "$RAE")
