#!/usr/bin/env bash
# Configures and builds hepnn. Usage: scripts/build.sh [release|sanitize|clang] [extra cmake args]
#   release   build/           optimised, with tools, tests, benchmarks
#   sanitize  build-sanitize/  AddressSanitizer + UndefinedBehaviorSanitizer
#   clang     build-clang/     optimised, clang++ (14), warnings as errors
#   tsan      build-tsan/      ThreadSanitizer: hepnn_core and the concurrency test only
# (the fuzzing build, build-fuzz/, is scripts/fuzz.sh's)
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-release}"
targets=()
shift || true
case "$kind" in
  release) dir=build; args=(-DCMAKE_BUILD_TYPE=Release -DHEPNN_BUILD_BENCH=ON) ;;
  sanitize) dir=build-sanitize; args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEPNN_SANITIZE=ON) ;;
  # the Python module is built and tested by the g++ build; here it would only add time
  clang) dir=build-clang; args=(-DCMAKE_BUILD_TYPE=Release -DHEPNN_WERROR=ON -DHEPNN_PYTHON=OFF) ;;
  tsan) dir=build-tsan; args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEPNN_TSAN=ON -DHEPNN_BUILD_TOOLS=OFF -DHEPNN_INSTALL=OFF)
        targets=(--target test_threads_tsan) ;;
  *) echo "usage: $0 [release|sanitize|clang|tsan]" >&2; exit 2 ;;
esac
compiler=()
[ "$kind" = clang ] && compiler=(env CXX=clang++)
"${compiler[@]}" cmake -S . -B "$dir" -G Ninja "${args[@]}" "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)" "${targets[@]}"
