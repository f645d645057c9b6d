#!/usr/bin/env bash
# Runs bench/sync_rooms.mjs against a fresh release server. Usage: bench/sync_rooms.sh [ROOMS] [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
# synchronous=normal only to make the setup (thousands of room creations) quick.
printf 'password_hash_cost = "min"\nlog_level = "warn"\nsqlite_synchronous = "normal"\n[rate_limit.register]\nenabled = false\n' >"$dir/c.toml"
build/myelin serve --config "$dir/c.toml" --listen 127.0.0.1:0 --database "sqlite:$dir/db" 2>"$dir/log" &
pid=$!
sleep 0.5
port=$(ss -ltnp 2>/dev/null | grep "pid=$pid," | sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' | head -1)
node bench/sync_rooms.mjs --url "http://127.0.0.1:$port" --rooms "${1:-1000}" --reps "${2:-200}"
