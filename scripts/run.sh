#!/usr/bin/env bash
# `make run`: the main job. Until `rae serve` exists, it shows what rae does on a bundled example.
set -euo pipefail
rae=${1:-build/rae}
cd "$(dirname "$0")/.."
"$rae" --help
echo
example=${RAE_EXAMPLE:-../shared/corpus/har/micmro_test-data_chrome_github.com_home.har}
echo "== rae har stats $example"
"$rae" har stats "$example"
