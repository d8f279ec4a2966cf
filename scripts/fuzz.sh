#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for SECONDS (default 60),
# seeded from the HAR corpus (tests/corpus/har). Crashes are written to tests/fuzz/crashes/, where ctest
# replays them from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
scripts/deps.sh test
out=build-fuzz
mkdir -p "$out/corpus-har"
srcs=$(ls src/util/*.c src/har/*.c src/engineer/*.c)
flags="-g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -Iinclude -Isrc"
clang $flags tests/fuzz/fuzz_har.c $srcs $(pkg-config --cflags --libs jansson) -lm -o "$out/fuzz_har"
corpus=${RAE_CORPUS:-tests/corpus/har}
cp -n "$corpus"/*.har examples/*.har tests/unit/data/*.har tests/fuzz/seeds/*.har "$out/corpus-har/" \
    2>/dev/null || true
"$out/fuzz_har" -max_total_time="$seconds" -max_len=200000 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix=tests/fuzz/crashes/ "$out/corpus-har"
