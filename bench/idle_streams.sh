#!/usr/bin/env bash
# Server memory per idle stream: 10,000 /sync/sse streams (plain, then asking for gzip), then
# 10,000 long-polls, one server each, same build. Usage: bench/idle_streams.sh [COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-10000}
scripts/build.sh >/dev/null
ulimit -n "$(ulimit -Hn)"
for mode in sse sse-gzip longpoll; do
  dir=$(mktemp -d)
  printf 'password_hash_cost = "min"\nlog_level = "info"\n[rate_limit.register]\nenabled = false\n[http]\nidle_timeout_s = 600\n[sse]\nmax_streams_per_device = 100000\nmax_streams_per_user = 100000\n' >"$dir/c.toml"
  build/myelin serve --config "$dir/c.toml" --listen 127.0.0.1:0 --database "sqlite:$dir/db" 2>"$dir/log" &
  pid=$!
  for _ in $(seq 50); do grep -q serving "$dir/log" 2>/dev/null && break; sleep 0.1; done
  port=$(sed -n 's/.*serving .* on http:\/\/[0-9.]*:\([0-9]*\).*/\1/p' "$dir/log" | head -1)
  node bench/idle_streams.mjs --pid "$pid" --port "$port" --count "$COUNT" --mode "$mode" || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
done
