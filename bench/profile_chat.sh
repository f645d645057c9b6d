#!/usr/bin/env bash
# Where the server's CPU goes per delivery in the chat scenario: runs the chat (1,000 users,
# 100 rooms, 2 rooms each, 100 messages/s) in one mode against a fresh server, records the
# server with `perf record --call-graph=dwarf` for 15 s in the middle, and splits the samples
# into storing the messages, the sync work, the socket sends and the scheduler switches they
# cause (bench/profile_split.py), in µs per delivery.
# Usage: bench/profile_chat.sh sse|longpoll|none [OUT_DIR]   (needs Debian's linux-perf)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?usage: $0 sse|longpoll|none [OUT_DIR]}
[[ "$mode" =~ ^(sse|longpoll|none)$ ]] || { echo "unknown mode: $mode" >&2; exit 64; }
command -v perf >/dev/null || { echo "perf not found: apt-get install linux-perf" >&2; exit 1; }
out=${2:-$(mktemp -d)}
mkdir -p "$out"
SERVER=${MYELIN_BIN:-build/myelin}
LOAD=${MYELIN_LOAD_BIN:-build/myelin-load}
source bench/lib/bench_server.sh
start_bench_server "$SERVER"
chat=(--url "$url" --server-pid "$pid" --state "$dir/state.json" --reuse
  --scenario chat --mode "$mode" --users 1000 --rooms 100 --rooms-per-user 2 --rate 100)
echo "== setting up the world (and warming up, 20 s)" >&2
"$LOAD" "${chat[@]}" --duration 20 --drain 5 >/dev/null 2>"$out/setup.log"
echo "== measuring $mode: 40 s of chat, perf on the server for 15 s of it" >&2
(sleep 12 && perf record -q -F 999 --call-graph=dwarf,16384 -p "$pid" -o "$out/perf.data" \
  -- sleep 15 >/dev/null 2>&1) &
perf_pid=$!
"$LOAD" "${chat[@]}" --duration 40 --drain 10 --out "$out/run.json" >/dev/null 2>"$out/run.log"
wait "$perf_pid"
perf script -i "$out/perf.data" -F ip,sym 2>/dev/null >"$out/perf.script"
python3 bench/profile_split.py "$out/perf.script" "$out/run.json" | tee "$out/split.md"
