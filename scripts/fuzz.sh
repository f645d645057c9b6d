#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz, clang + ASan + UBSan, in build-fuzz) and runs each
# for a bounded time on a copy of its checked-in seed corpus, so the repository stays clean.
# Fails on any crash, timeout, leak or sanitizer report; the reproducer and log are kept in
# $FUZZ_ARTIFACTS (default /tmp/myelin-fuzz-artifacts).
# Usage: scripts/fuzz.sh [harness...]      (default: all)
# Environment: FUZZ_SECONDS (15 per harness), FUZZ_RUNS (unset: no limit), JOBS (1).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v clang++ >/dev/null; then
  echo "fuzz: installing clang" >&2
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends clang
fi

harnesses=("$@")
if ((${#harnesses[@]} == 0)); then
  harnesses=(http_request json_ingress event_filter_glob push_rules event_auth)
fi
seconds=${FUZZ_SECONDS:-15}
artifacts=${FUZZ_ARTIFACTS:-/tmp/myelin-fuzz-artifacts}
mkdir -p "$artifacts"

if [[ ! -f build-fuzz/build.ninja ]]; then
  cmake -S tests/fuzz -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
targets=()
for h in "${harnesses[@]}"; do targets+=("fuzz_$h"); done
nice -n 19 cmake --build build-fuzz -j "${JOBS:-1}" --target "${targets[@]}"

work=$(mktemp -d /tmp/myelin-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
failed=0
for h in "${harnesses[@]}"; do
  cp -r "tests/fuzz/corpus/$h" "$work/$h"
  log="$work/$h.log"
  extra=()
  if [[ -n "${FUZZ_RUNS:-}" ]]; then extra+=("-runs=$FUZZ_RUNS"); fi
  rc=0
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    nice -n 19 "build-fuzz/fuzz_$h" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/$h-" "${extra[@]}" \
    "$work/$h" >"$log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  corpus=$(ls "$work/$h" | wc -l)
  if ((rc != 0)) || grep -qE 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|runtime error:|invariant violated' "$log"; then
    failed=1
    cp "$log" "$artifacts/$h.log"
    echo "fuzz $h: FAILED (exit $rc) after ${runs:-?} runs; log $artifacts/$h.log, reproducer:" \
      "$(ls -t "$artifacts/$h-"* 2>/dev/null | head -1)"
  else
    echo "fuzz $h: ok, ${runs:-?} runs in ${seconds}s, corpus ${corpus} inputs, no crash/timeout/sanitizer report"
  fi
done
exit "$failed"
