#!/usr/bin/env bash
# Added latency of going through another process: two Myelin processes on one PostgreSQL
# database (a throwaway cluster started here). The receiver holds its sync connection on
# process A; the sender sends either through A too ("same") or through B ("cross"), where the
# message reaches A by LISTEN/NOTIFY. Both paths and both sync modes run side by side in one
# go, on the same world, so the ratios compare like with like.
# Usage: bench/cluster_latency.sh [MESSAGES [INTERVAL_MS]]   (default 1000 messages, 20 ms)
#   MYELIN_BIN, MYELIN_LOAD_BIN: binaries (default build/); RESULTS_DIR: keep JSON and report.
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-1000}
interval=${2:-20}
SERVER=${MYELIN_BIN:-build/myelin}
LOAD=${MYELIN_LOAD_BIN:-build/myelin-load}
for b in "$SERVER" "$LOAD"; do
  [[ -x "$b" ]] || { echo "cluster_latency: $b not found (build it first)" >&2; exit 1; }
done

dir=$(mktemp -d)
chmod 755 "$dir"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  scripts/pg_cluster.sh stop "$dir/pg" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

base=$(scripts/pg_cluster.sh start "$dir/pg" "$(free_port)")
/usr/lib/postgresql/15/bin/psql "$base/postgres" -X -q -c 'CREATE DATABASE bench'
db="$base/bench"
cat >"$dir/config.toml" <<'TOML'
password_hash_cost = "min"
log_level = "warn"
[rate_limit.register]
enabled = false
[rate_limit.login]
enabled = false
TOML

start() { # NAME: starts a process on the shared database; sets url_NAME and pid_NAME
  local port
  port=$(free_port)
  "$SERVER" serve --config "$dir/config.toml" --listen "127.0.0.1:$port" --database "$db" \
    >/dev/null 2>"$dir/$1.log" &
  pids+=($!)
  printf -v "pid_$1" %s "$!"
  printf -v "url_$1" %s "http://127.0.0.1:$port"
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/_matrix/client/versions" >/dev/null 2>&1 && return
    sleep 0.05
  done
  cat "$dir/$1.log" >&2
  exit 1
}
start a
start b

mkdir -p "$dir/out"
status=0
for mode in sse longpoll; do
  for path in same cross; do
    send=$url_a
    [[ $path == cross ]] && send=$url_b
    echo "== $mode $path" >&2
    "$LOAD" --url "$url_a" --send-url "$send" --server-pid "$pid_a" --state "$dir/state.json" \
      --reuse --scenario latency --mode "$mode" --messages "$messages" --interval-ms "$interval" \
      --drain 10 --out "$dir/out/latency-$mode-$path.json" >/dev/null 2>"$dir/$mode-$path.log" ||
      { status=1; tail -n 20 "$dir/$mode-$path.log" >&2; }
  done
done

python3 - "$dir/out" <<'PY'
import json, os, sys
d = sys.argv[1]
rows = {}
for name in sorted(os.listdir(d)):
    r = json.load(open(os.path.join(d, name)))
    _, mode, path = name[:-5].split("-")
    rows[(mode, path)] = r
print("| sync | path | deliveries | missing | dups | p50 ms | p99 ms | max ms |")
print("|---|---|---|---|---|---|---|---|")
for (mode, path), r in sorted(rows.items()):
    dl, l = r["deliveries"], r["latency_ms"]
    print(f'| {mode} | {path} | {dl["delivered"]}/{dl["expected"]} | {dl["missing"]} | '
          f'{dl["duplicates"]} | {l["p50"]} | {l["p99"]} | {l["max"]} |')
print()
for mode in ("sse", "longpoll"):
    s, c = rows.get((mode, "same")), rows.get((mode, "cross"))
    if s and c:
        ls, lc = s["latency_ms"], c["latency_ms"]
        print(f'{mode}: added by crossing processes: p50 {lc["p50"] - ls["p50"]:+.2f} ms, '
              f'p99 {lc["p99"] - ls["p99"]:+.2f} ms (cross/same p99 ratio {lc["p99"] / ls["p99"]:.2f})')
PY
if [[ -n "${RESULTS_DIR:-}" ]]; then mkdir -p "$RESULTS_DIR"; cp "$dir"/out/*.json "$RESULTS_DIR"/; fi
exit $status
