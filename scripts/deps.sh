#!/usr/bin/env bash
# Installs the Debian 12 packages Myelin needs to build, run and test, if any are missing.
# Usage: scripts/deps.sh [build|test]
set -euo pipefail
BUILD_PKGS=(cmake ninja-build g++ pkg-config ccache
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libpq-dev libsodium-dev libssl-dev libspdlog-dev libfmt-dev
  libtomlplusplus-dev libcli11-dev libgtest-dev libbenchmark-dev zlib1g-dev libjemalloc-dev libvips-dev libxml2-dev)
TEST_PKGS=(nodejs npm python3 python3-matrix-nio curl chromium nginx openssl gnuplot-nox postgresql python3-pil
  clang)
want=("${BUILD_PKGS[@]}")
if [[ "${1:-build}" == test ]]; then want+=("${TEST_PKGS[@]}"); fi

missing=()
for p in "${want[@]}"; do
  # Node may come from elsewhere (nodesource, nvm); accept any working node/npm on PATH.
  if [[ "$p" == nodejs ]] && command -v node >/dev/null; then continue; fi
  if [[ "$p" == npm ]] && command -v npm >/dev/null; then continue; fi
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
