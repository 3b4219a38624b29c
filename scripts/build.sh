#!/usr/bin/env bash
# Configures and builds hepnn. Usage: scripts/build.sh [release|sanitize] [extra cmake args]
#   release   build/           optimised, with tools, tests, benchmarks
#   sanitize  build-sanitize/  AddressSanitizer + UndefinedBehaviorSanitizer
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-release}"
shift || true
case "$kind" in
  release) dir=build; args=(-DCMAKE_BUILD_TYPE=Release -DHEPNN_BUILD_BENCH=ON) ;;
  sanitize) dir=build-sanitize; args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEPNN_SANITIZE=ON) ;;
  *) echo "usage: $0 [release|sanitize]" >&2; exit 2 ;;
esac
cmake -S . -B "$dir" -G Ninja "${args[@]}" "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)"
