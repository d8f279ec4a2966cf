# Sourced by scripts/deps.sh and scripts/build-web.sh: puts the Node.js and npm that deps.sh
# installs into tools/node, when the machine's own Node.js is too old, first in PATH (nothing
# changes where they were not installed), and defines rae_node_ok. tests/CMakeLists.txt gives
# the tests the same PATH.
rae_node_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tools/node/node_modules
for rae_node_bin in "$rae_node_dir/.bin" "$rae_node_dir"/node-linux-*/bin; do
    # npm links no bin named `node` (npm 9 does not), so the package's own bin folder is used
    if [ -d "$rae_node_bin" ] && [[ ":$PATH:" != *":$rae_node_bin:"* ]]; then
        export PATH=$rae_node_bin:$PATH
    fi
done
unset rae_node_dir rae_node_bin

# True when `node` is one that Vite 8, ESLint 10 and playwright-core take (20.19+, 22.13+, 24+).
rae_node_ok() {
    node -e 'const [a, b] = process.versions.node.split(".").map(Number);
process.exit(a >= 24 || (a === 22 && b >= 13) || (a === 20 && b >= 19) ? 0 : 1)' 2>/dev/null
}
