#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for SECONDS (default 60):
# the HAR readers (seeded from tests/corpus/har), the DevTools pipe into the recorder, a capture's
# journal, what rae serve parses of a request and the model providers' event streams (seeded from
# tests/fuzz/seeds-*). Crashes are written to tests/fuzz/crashes*/, where ctest replays them from
# then on.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
build=${2:-build} # a configured CMake build: its files built into rae (the engineer's templates)
scripts/deps.sh test
[ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" >/dev/null
cmake --build "$build" --target rae_assets >/dev/null
assets="$build/assets.c $build/assets.S"
out=build-fuzz
mkdir -p "$out/corpus-har" "$out/corpus-cdp" "$out/corpus-journal" "$out/corpus-http" \
    "$out/corpus-sse"
srcs="$(ls src/util/*.c src/har/*.c src/engineer/*.c) $assets"
flags="-g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -Iinclude -Isrc"
libs="$(pkg-config --cflags --libs jansson libsodium) -lm"
clang $flags tests/fuzz/fuzz_har.c $srcs $libs -o "$out/fuzz_har"
for t in cdp journal; do # the DevTools pipe into the recorder; a capture's journal into a HAR
    clang $flags "tests/fuzz/fuzz_$t.c" $srcs src/capture/*.c $libs -o "$out/fuzz_$t"
done
corpus=${RAE_CORPUS:-tests/corpus/har}
cp -n "$corpus"/*.har examples/*.har tests/unit/data/*.har tests/fuzz/seeds/*.har "$out/corpus-har/" \
    2>/dev/null || true
cp -n tests/fuzz/seeds-cdp/* "$out/corpus-cdp/"
cp -n tests/fuzz/seeds-journal/* "$out/corpus-journal/"
# what rae serve parses of a request itself (parse.c, proxy.c, head.c: no lws, no store) and
# the head of a request to an AI run's gateway
clang $flags tests/fuzz/fuzz_http.c src/server/parse.c src/server/proxy.c src/server/head.c \
    src/ai/gateway_head.c $srcs \
    $(pkg-config --cflags libwebsockets libuv) $libs -o "$out/fuzz_http"
cp -n tests/fuzz/seeds-http/* "$out/corpus-http/"
# the model providers' event streams (ai/sse.c)
clang $flags tests/fuzz/fuzz_sse.c src/ai/sse.c src/ai/stream.c src/util/buf.c src/util/err.c \
    $libs -o "$out/fuzz_sse"
cp -n tests/fuzz/seeds-sse/* "$out/corpus-sse/"
for t in har cdp journal http sse; do
    prefix=tests/fuzz/crashes/
    [ "$t" = har ] || prefix=tests/fuzz/crashes-$t/
    echo "== fuzz_$t for $seconds s"
    "$out/fuzz_$t" -max_total_time="$seconds" -max_len=200000 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$prefix" "$out/corpus-$t"
done
