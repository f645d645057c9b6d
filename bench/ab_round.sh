#!/usr/bin/env bash
# One old-against-new round of the load generator, as docs/benchmarks.md records them: the chat
# scenario alternated old, new, old, new on SQLite, then idle, fan-out and latency once per
# binary on SQLite, then chat and fan-out once per binary on PostgreSQL (a throwaway cluster
# from scripts/pg_cluster.sh, a fresh database per run). One load generator for both binaries.
# Every run reports the server's longest loop stall when the binary has /_myelin/metrics.
# Usage: OLD_BIN=… NEW_BIN=… [LOAD_BIN=…] OUT=DIR bench/ab_round.sh [sqlite] [postgres]
#   SKIP="pg-chat-old …": PostgreSQL runs already made.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${OLD_BIN:?old server binary}" "${NEW_BIN:?new server binary}" "${OUT:?results directory}"
LOAD_BIN=${LOAD_BIN:-build/myelin-load}
parts=("$@")
((${#parts[@]})) || parts=(sqlite postgres)
mkdir -p "$OUT"

run() { # NAME BIN SCENARIOS...
  local name=$1 bin=$2
  shift 2
  echo "== $name ($(date +%T))" >&2
  # A run that loses deliveries is recorded (its log says which) and the round goes on.
  MYELIN_BIN=$bin MYELIN_LOAD_BIN=$LOAD_BIN MODES="sse longpoll" RESULTS_DIR="$OUT/$name" \
    bench/loadgen.sh full "$@" >"$OUT/$name.log" 2>&1 || echo "   $name: some runs failed (see $OUT/$name.log)" >&2
}

for part in "${parts[@]}"; do
  case "$part" in
  sqlite)
    run chat-old-1 "$OLD_BIN" chat
    run chat-new-1 "$NEW_BIN" chat
    run chat-old-2 "$OLD_BIN" chat
    run chat-new-2 "$NEW_BIN" chat
    run rest-old "$OLD_BIN" idle fanout latency
    run rest-new "$NEW_BIN" idle fanout latency
    ;;
  postgres)
    pg=$(mktemp -d /tmp/ab-pg.XXXXXX)
    trap 'scripts/pg_cluster.sh stop "$pg"' EXIT
    base=$(scripts/pg_cluster.sh start "$pg" 55439)
    n=0
    for scenario in chat fanout; do
      for which in old new; do
        n=$((n + 1))
        [[ " ${SKIP:-} " == *" pg-$scenario-$which "* ]] && continue
        db="ab_${scenario}_${which}_$n"
        runuser -u postgres -- psql -h "$pg" -p 55439 -qc "CREATE DATABASE $db" 2>/dev/null ||
          psql -h 127.0.0.1 -p 55439 -U postgres -qc "CREATE DATABASE $db"
        bin=$OLD_BIN
        [[ $which == new ]] && bin=$NEW_BIN
        BENCH_DATABASE="$base/$db" run "pg-$scenario-$which" "$bin" "$scenario"
      done
    done
    ;;
  *) echo "unknown part $part (sqlite, postgres)" >&2; exit 64 ;;
  esac
done
echo "results in $OUT" >&2
