#!/usr/bin/env bash
# Installs what is needed, builds, and runs hepnn on the example that ships
# with the project (examples/jet-tagger): describe the network, then score
# its events.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
scripts/build.sh release
hepnn=build/tools/hepnn
ex=examples/jet-tagger
echo "== hepnn inspect $ex/network.json"
$hepnn inspect "$ex/network.json"
echo "== hepnn eval $ex/network.json --inputs $ex/events.json"
$hepnn eval "$ex/network.json" --inputs "$ex/events.json"
