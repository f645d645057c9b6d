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
# What Synapse 1.67 (../shared/peers/synapse, the federation tests' peer) runs on; its setup.sh
# installs the same list, without sudo.
SYNAPSE_PKGS=(python3-twisted python3-treq python3-canonicaljson python3-signedjson
  python3-unpaddedbase64 python3-nacl python3-jsonschema python3-frozendict python3-msgpack
  python3-phonenumbers python3-prometheus-client python3-attr python3-netaddr python3-jinja2
  python3-bleach python3-typing-extensions python3-cryptography python3-openssl
  python3-service-identity python3-pymacaroons python3-ijson python3-matrix-common
  python3-pydantic python3-psycopg2 python3-yaml python3-bcrypt python3-pyasn1
  python3-pyasn1-modules python3-sortedcontainers python3-packaging python3-idna
  python3-setuptools python3-poetry-core)
want=("${BUILD_PKGS[@]}")
if [[ "${1:-build}" == test ]]; then want+=("${TEST_PKGS[@]}" "${SYNAPSE_PKGS[@]}"); fi

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
