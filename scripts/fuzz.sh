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
flags="-g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=address,undefined -Iinclude -Isrc"
cflags="$(pkg-config --cflags jansson libsodium libwebsockets libuv)"
libs="$(pkg-config --libs jansson libsodium) -lm"
# every source a target may need, compiled once (in parallel) into one archive; each target's link
# takes from it only what it uses
lib_srcs="$(ls src/util/*.c src/har/*.c src/engineer/*.c src/capture/*.c) src/server/parse.c \
    src/server/proxy.c src/server/head.c src/ai/gateway_head.c src/ai/sse.c src/ai/stream.c $assets"
mkdir -p "$out/obj"
rm -f "$out/obj"/*.o "$out/librae-fuzz.a"
printf '%s\n' $lib_srcs | xargs -P "$(nproc)" -I{} sh -c \
    'clang $0 -fsanitize=fuzzer-no-link -c "$1" -o "$2/$(printf %s "$1" | tr / _).o"' \
    "$flags $cflags" {} "$out/obj"
ar rcs "$out/librae-fuzz.a" "$out"/obj/*.o
# the HAR readers and the engineer; the DevTools pipe into the recorder; a capture's journal into
# a HAR; what rae serve parses of a request itself (parse.c, proxy.c, head.c: no lws, no store)
# and the head of a request to an AI run's gateway; the model providers' event streams (ai/sse.c)
for t in har cdp journal http sse; do
    clang $flags -fsanitize=fuzzer $cflags "tests/fuzz/fuzz_$t.c" "$out/librae-fuzz.a" $libs \
        -o "$out/fuzz_$t"
done
corpus=${RAE_CORPUS:-tests/corpus/har}
cp -n "$corpus"/*.har examples/*.har tests/unit/data/*.har tests/fuzz/seeds/*.har "$out/corpus-har/" \
    2>/dev/null || true
for t in cdp journal http sse; do
    cp -n tests/fuzz/seeds-$t/* "$out/corpus-$t/"
done
for t in har cdp journal http sse; do
    prefix=tests/fuzz/crashes/
    [ "$t" = har ] || prefix=tests/fuzz/crashes-$t/
    echo "== fuzz_$t for $seconds s"
    "$out/fuzz_$t" -max_total_time="$seconds" -max_len=200000 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$prefix" "$out/corpus-$t"
done
