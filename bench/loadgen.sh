#!/usr/bin/env bash
# Runs the load generator's scenarios in both modes (SSE and long-poll) against a fresh server
# started here, then writes a Markdown report with plots.
#   small: every scenario with a few hundred clients for a few seconds (~30 s in all). The test
#          command runs it as a smoke test: it fails if any run loses or repeats a delivery or
#          reports an error, and asserts nothing about timing.
#   full:  the sizes recorded in docs/benchmarks.md (10,000 streams; minutes).
# Usage: bench/loadgen.sh [small|full] [idle fanout chat latency]
#   MYELIN_BIN: server binary (default build/myelin); MYELIN_LOAD_BIN: default build/myelin-load;
#   RESULTS_DIR: keep the JSON results, report.md and plots there.
#   LOADGEN_EXTRA: more myelin-load options for every run, e.g. "--gzip" (both modes ask for
#   gzip-compressed sync responses).
#   CHAT_SIZES: the full chat's options in place of the recorded sizes (see below).
#   MODES: the modes and their order (default "sse longpoll"); "none" sends the same messages
#   with no sync connection (what storing them costs; repeats.md then splits each pair's CPU).
#   WARMUP_S: seconds of unmeasured chat, in the first mode that syncs, before chat's measured runs
#   (default 20 for full, 0 for small). A fresh server's first minute costs more (its files
#   and caches grow), which without a warm-up is charged to whichever mode runs first.
#   REPEAT: run each scenario's modes this many times in turn (default 1), e.g. REPEAT=6
#   MODES="sse longpoll" gives six SSE/long-poll pairs against one server; repeats.md then
#   lists each pair's ratios and their median (one pair moves by ±10 % on a shared machine).
#   With REPEAT above 1 there is no report.md (nor plots): repeats.md takes its place.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-small}
[[ "$profile" == small || "$profile" == full ]] || { echo "usage: $0 [small|full] [scenario...]" >&2; exit 64; }
shift || true
scenarios=("$@")
((${#scenarios[@]})) || scenarios=(idle fanout chat latency)
for s in "${scenarios[@]}"; do
  [[ "$s" =~ ^(idle|fanout|chat|latency)$ ]] || { echo "unknown scenario: $s" >&2; exit 64; }
done
SERVER=${MYELIN_BIN:-build/myelin}
LOAD=${MYELIN_LOAD_BIN:-build/myelin-load}
for b in "$SERVER" "$LOAD"; do
  [[ -x "$b" ]] || { echo "loadgen: $b not found (build it first)" >&2; exit 1; }
done

source bench/lib/bench_server.sh
start_bench_server "$SERVER"
mkdir "$dir/state"

failed=()
run() { # NAME STATE ARGS...: both modes of a scenario share one world (users and rooms)
  local name=$1 state=$2
  shift 2
  echo "== $name" >&2
  local rc=0
  # shellcheck disable=SC2086 # LOADGEN_EXTRA is a list of options
  "$LOAD" --url "$url" --server-pid "$pid" --state "$dir/state/$state.json" --reuse ${LOADGEN_EXTRA:-} \
    --out "$dir/$name.json" --drain 10 "$@" >/dev/null 2>"$dir/$name.log" || rc=$?
  if ((rc != 0)); then
    failed+=("$name")
    echo "loadgen: $name failed (exit $rc)" >&2
    tail -n 20 "$dir/$name.log" >&2
  fi
  if [[ -f "$dir/$name.json" ]]; then
    python3 - "$dir/$name.json" <<'EOF' >&2
import json, sys
r = json.load(open(sys.argv[1]))
d = r["deliveries"]
print(f'   {r["connections"]} clients, {d["delivered"]}/{d["expected"]} deliveries, '
      f'missing {d["missing"]}, duplicates {d["duplicates"]}, errors {r["errors"]}, '
      f'p50 {r["latency_ms"]["p50"]} ms, p99 {r["latency_ms"]["p99"]} ms, '
      f'longest loop stall {r.get("server_loop_lag_max_ms")} ms')
for e in r["error_samples"][:5] + r["missing_examples"][:5]:
    print("   " + e)
EOF
  fi
}

# Sizes per profile; both modes of a scenario run one after the other on the same world.
if [[ "$profile" == small ]]; then
  idle=(--users 200 --rooms 10 --duration 2 --heartbeat-interval 1)
  fanout=(--users 120 --messages 3 --interval-ms 200)
  chat=(--users 120 --rooms 12 --rooms-per-user 2 --huge-room --rate 100 --duration 2)
  latency=(--messages 20 --interval-ms 25)
else
  idle=(--users 10000 --rooms 1000 --rooms-per-user 2 --duration 30 --connect-timeout 600)
  fanout=(--users 10000 --messages 10 --interval-ms 1000 --connect-timeout 900 --no-presence)
  chat=(--users 1000 --rooms 100 --rooms-per-user 2 --rate 100 --duration 60)
  # Other chat sizes for experiments, e.g. rooms ten times bigger at a tenth of the rate:
  # CHAT_SIZES="--users 1000 --rooms 10 --rooms-per-user 2 --rate 10 --duration 60"
  # shellcheck disable=SC2206 # a list of options
  [[ -n "${CHAT_SIZES:-}" ]] && chat=($CHAT_SIZES)
  latency=(--messages 200 --interval-ms 50)
fi
modes=(${MODES:-sse longpoll})
for m in "${modes[@]}"; do
  [[ "$m" == sse || "$m" == longpoll || "$m" == none ]] || { echo "unknown mode: $m" >&2; exit 64; }
done
warm_mode=${modes[0]} # the first mode that syncs, so that the sync caches warm up too
for m in "${modes[@]}"; do [[ "$m" != none ]] && { warm_mode=$m; break; }; done
warmup=${WARMUP_S:-$([[ "$profile" == full ]] && echo 20 || echo 0)}
repeat=${REPEAT:-1}
[[ "$repeat" =~ ^[1-9][0-9]*$ ]] || { echo "REPEAT must be a positive number" >&2; exit 64; }
for scenario in "${scenarios[@]}"; do
  declare -n sizes=$scenario
  if [[ "$scenario" == chat && "$warmup" != 0 ]]; then
    echo "== chat warm-up, ${warmup} s, not measured" >&2
    mkdir -p "$dir/warmup"
    # shellcheck disable=SC2086 # LOADGEN_EXTRA is a list of options
    "$LOAD" --url "$url" --server-pid "$pid" --state "$dir/state/chat.json" --reuse ${LOADGEN_EXTRA:-} \
      --out "$dir/warmup/chat.json" --drain 5 --mode "$warm_mode" --scenario chat "${sizes[@]}" \
      --duration "$warmup" >/dev/null 2>"$dir/warmup/chat.log" || echo "loadgen: the warm-up failed" >&2
  fi
  for ((k = 1; k <= repeat; k++)); do
    for mode in "${modes[@]}"; do
      [[ "$mode" == none && "$scenario" == idle ]] && continue # idle sends nothing
      name="$scenario-$mode"
      ((repeat > 1)) && name+="-$k"
      run "$name" "$scenario" --mode "$mode" --scenario "$scenario" "${sizes[@]}"
    done
  done
done

if ! kill -0 "$pid" 2>/dev/null; then
  echo "loadgen: the server exited during the test" >&2
  tail -n 20 "$dir/server.log" >&2
  failed+=(server)
fi
if ((repeat > 1)); then
  python3 bench/repeats.py "$dir"/*.json --out "$dir/repeats.md" && cat "$dir/repeats.md"
else
  python3 bench/report.py "$dir"/*.json --out "$dir/report.md" --plots "$dir/plots" 2>/dev/null &&
    cat "$dir/report.md"
fi
if [[ -n "${RESULTS_DIR:-}" ]]; then
  mkdir -p "$RESULTS_DIR"
  cp -r "$dir"/*.json "$RESULTS_DIR"/
  for f in report.md repeats.md; do [[ -f "$dir/$f" ]] && cp "$dir/$f" "$RESULTS_DIR"/; done
  [[ -d "$dir/plots" ]] && cp -r "$dir/plots" "$RESULTS_DIR"/
fi
if ((${#failed[@]})); then
  echo "loadgen: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "loadgen: all runs delivered every message exactly once" >&2
