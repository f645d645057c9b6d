# Sourced by the benchmark scripts: starts a fresh server for a benchmark in a temporary
# directory and stops it (and removes the directory) when the script exits.
#   start_bench_server BINARY   sets $dir, $pid, $port and $url
# Registration is rate limited per address by default, and argon2 at its interactive cost
# would make registering hundreds of users the slowest part of a run; `normal` SQLite
# durability is recorded with every result in docs/benchmarks.md.
# BENCH_DATABASE: a database URL in place of a fresh SQLite file (e.g. an empty PostgreSQL
# database from scripts/pg_cluster.sh); the caller provides a fresh one per run.
# BENCH_DATABASE_THREADS: the server's database_threads (unset: its default).
dir=
pid=
bench_server_cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  [[ -n "$dir" ]] && rm -rf "$dir"
}
start_bench_server() {
  local server=$1
  dir=$(mktemp -d)
  trap bench_server_cleanup EXIT
  ulimit -n "$(ulimit -Hn)"
  : >"$dir/config.toml"
  [[ -n "${BENCH_DATABASE_THREADS:-}" ]] && echo "database_threads = $BENCH_DATABASE_THREADS" >>"$dir/config.toml"
  cat >>"$dir/config.toml" <<'CONFIG'
password_hash_cost = "min"
log_level = "warn"
sqlite_synchronous = "normal"
[rate_limit.register]
enabled = false
[rate_limit.login]
enabled = false
[http]
idle_timeout_s = 600
[sse]
max_streams_per_device = 100000
max_streams_per_user = 100000
[metrics]
enabled = true
CONFIG
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$server" serve --config "$dir/config.toml" --listen "127.0.0.1:$port" \
    --database "${BENCH_DATABASE:-sqlite:$dir/db}" 2>"$dir/server.log" &
  pid=$!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/_matrix/client/versions" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    sleep 0.05
  done
  url="http://127.0.0.1:$port"
}
