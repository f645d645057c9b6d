#!/usr/bin/env bash
# Measures the server's memory for 10,000 idle keep-alive HTTP connections.
# Usage: bench/idle_connections.sh [COUNT]   (builds first; prints one JSON line)
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-10000}
scripts/build.sh >/dev/null
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
printf 'password_hash_cost = "min"\nlog_level = "info"\n[http]\nidle_timeout_s = 600\n' >"$dir/c.toml"
build/myelin serve --config "$dir/c.toml" --listen 127.0.0.1:0 --database "sqlite:$dir/db" \
  2>"$dir/log" &
pid=$!
for _ in $(seq 50); do grep -q serving "$dir/log" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*serving .* on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p' "$dir/log" | head -1)
ulimit -n "$(ulimit -Hn)"
node bench/idle_connections.mjs --pid "$pid" --port "$port" --count "$COUNT"
