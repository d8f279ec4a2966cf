#!/usr/bin/env bash
# Builds the web app (web/: Vite + TypeScript) into OUTDIR, installing its npm packages first when
# they are missing or older than its lockfile. Called by the build (CMake); usage: build-web.sh OUTDIR
set -euo pipefail
out=${1:?usage: build-web.sh OUTDIR}
source "$(dirname "$0")/node-path.sh" # the Node.js of tools/node, where deps.sh put one
cd "$(dirname "$0")/../web"
if ! command -v npm >/dev/null; then
    echo "build-web: npm is missing: run scripts/deps.sh (or configure with -DRAE_WEB=OFF)" >&2
    exit 1
fi
if ! rae_node_ok; then
    echo "build-web: Node.js $(node --version) is too old for the web app (it needs 20.19 or newer):" \
        "run scripts/deps.sh, which installs one into tools/node (or configure with -DRAE_WEB=OFF)" >&2
    exit 1
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "build-web: installing the web app's npm packages" >&2
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
node scripts/api-types.mjs # src/gen/api.ts: the API's types, from src/server/openapi.json
npx --no-install vite build --outDir "$out" --emptyOutDir --logLevel warn
# gzip copies beside the scripts and styles (Monaco is 2.7 MB, 0.7 MB gzipped): rae serve sends
# them to browsers that accept gzip
find "$out" -type f \( -name '*.js' -o -name '*.css' -o -name '*.html' \) -size +1k \
    -exec gzip -9 -k -f -n {} +
