#!/usr/bin/env bash
# Fuzz smoke run: configures the clang libFuzzer + ASan/UBSan build in
# build-fuzz/, builds the harnesses of fuzz/, makes their seed corpora from
# ../shared and runs each harness for SECONDS (default 60). Fails if any
# harness finds a crash, a sanitizer report, a leak, a timeout or an
# out-of-memory; the input that did it is left in build-fuzz/artifacts/<harness>/.
# Usage: scripts/fuzz.sh [SECONDS-PER-HARNESS] [HARNESS...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
dir=build-fuzz
start=$(date +%s)

CXX="${CXX_FUZZ:-clang++}" cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEPNN_FUZZ=ON \
  -DHEPNN_WERROR=ON -DHEPNN_SHARED=OFF -DHEPNN_BUILD_TESTS=OFF -DHEPNN_BUILD_TOOLS=OFF -DHEPNN_INSTALL=OFF >/dev/null
cmake --build "$dir" -j "$(nproc)" --target hepnn_fuzzers hepnn_h5_head
built=$(date +%s)
fuzz/make_corpus.sh "$dir"

harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  harnesses=(fuzz_network fuzz_keras_json fuzz_keras_archive fuzz_variables fuzz_vardict fuzz_ftag_ntuple fuzz_tau_candidates)
fi

# libhdf5's own bugs on damaged files are suppressed (fuzz/asan.supp, fuzz/lsan.supp)
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1:suppressions=$PWD/fuzz/asan.supp}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/fuzz/lsan.supp}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=()
summary=()
for h in "${harnesses[@]}"; do
  corpus="$dir/corpus/$h" artifacts="$dir/artifacts/$h/" log="$dir/logs/$h.log"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  echo "fuzz.sh: $h for ${seconds} s (log: $log)"
  status=0
  # -malloc_limit_mb above the RSS limit: libhdf5 asks for a block of whatever
  # size a damaged variable-length string claims (up to 4 GiB) without
  # touching it; real memory use stays capped by -rss_limit_mb
  "$dir/fuzz/$h" "$corpus" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
    -malloc_limit_mb=8192 -artifact_prefix="$artifacts" >"$log" 2>&1 || status=$?
  done_line=$(grep -E '^#[0-9]+.*DONE' "$log" | tail -1 || true)
  [ -n "$done_line" ] || done_line=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  summary+=("$(printf '%-20s %s  execs=%s peak_rss=%sMB  %s' "$h" "$([ $status -eq 0 ] && echo ok || echo FAILED)" "${execs:-?}" "${rss:-?}" "$done_line")")
  if [ $status -ne 0 ]; then
    failed+=("$h")
    echo "fuzz.sh: $h FAILED (exit $status); the report:" >&2
    grep -E -A40 '^==[0-9]+==ERROR|runtime error|^==[0-9]+== ERROR|deadly signal|Timeout|out-of-memory' "$log" | head -60 >&2 || tail -40 "$log" >&2
    ls "$artifacts" >&2 || true
  fi
done

echo "fuzz.sh: summary (build $((built - start)) s, total $(( $(date +%s) - start )) s)"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz.sh: failures in ${failed[*]}" >&2
  exit 1
fi
