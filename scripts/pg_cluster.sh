#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests, listening on 127.0.0.1 only, trusting local users.
# Usage: scripts/pg_cluster.sh start DIR PORT   (prints the base URL to pass as MYELIN_TEST_PG)
#        scripts/pg_cluster.sh stop DIR         (stops the server and removes DIR)
# initdb refuses to run as root, so as root the cluster belongs to the "postgres" user.
set -euo pipefail
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

usage() {
  echo "usage: $0 start DIR PORT | stop DIR" >&2
  exit 2
}

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmd=${1:-}
dir=${2:-}
[[ -n "$cmd" && -n "$dir" ]] || usage

case "$cmd" in
start)
  port=${3:-}
  [[ -n "$port" ]] || usage
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir"; fi
  as_owner "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
  }
  # fsync off: the cluster is thrown away after the tests, so durability buys nothing.
  as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
    start >/dev/null || {
    cat "$dir/server.log" >&2
    exit 1
  }
  echo "postgresql://postgres@127.0.0.1:$port"
  ;;
stop)
  [[ -d "$dir" ]] || exit 0
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  fi
  rm -rf "$dir"
  ;;
*) usage ;;
esac
