#!/usr/bin/env bash
# Installs what is needed, builds, and runs the whole test suite: the
# optimised g++ build, then under AddressSanitizer + UndefinedBehaviorSanitizer,
# then a clang 14 build (warnings as errors), a 60-second-per-harness fuzz
# smoke run (fuzz/README.md) and concurrent evaluation under ThreadSanitizer
# (hepnn_core and that one test). The suite reads the reference data in
# ../shared (a missing folder fails).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/setup-debian.sh
scripts/build.sh release -DHEPNN_WERROR=ON
ctest --test-dir build -j "$(nproc)" --output-on-failure
scripts/build.sh sanitize
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-sanitize -j "$(nproc)" --output-on-failure
scripts/build.sh clang
ctest --test-dir build-clang -j "$(nproc)" --output-on-failure
scripts/fuzz.sh 60
scripts/build.sh tsan
ctest --test-dir build-tsan --output-on-failure
echo "test.sh: everything passed in $(( $(date +%s) - start )) s"
