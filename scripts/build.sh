#!/usr/bin/env bash
# Configures and builds Myelin into build/ (release with debug info). Usage: scripts/build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
if [[ ! -f build/build.ninja ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build build -j "${JOBS:-2}"
