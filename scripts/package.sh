#!/usr/bin/env bash
# Builds the release preset and the Debian package: build/release/vigil_VERSION-1_ARCH.deb.
#   scripts/package.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cmake --preset release >/dev/null
cmake --build --preset release
(cd build/release && cpack -G DEB)
ls -l build/release/*.deb
