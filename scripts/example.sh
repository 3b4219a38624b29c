#!/usr/bin/env bash
# Installs what is needed, builds, and runs hepnn's main job on the example
# the project makes itself (examples/ftag): a DIPS-style Keras model, umami's
# scale dict and variables YAML, and a dumper-style ntuple with reference
# scores. The whole path: variables file → network file → scores → the
# validation table.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-debian.sh
scripts/build.sh release
hepnn="$PWD/build/tools/hepnn"
ex=build/example-ftag
rm -rf "$ex"
build/examples/hepnn_make_ftag_example "$ex"
cd "$ex"
run() {
  echo
  echo "== hepnn $*"
  "$hepnn" "$@"
}
run vardict -s scale_dict.json -v variables.yaml -t dips -n tracks_r22default_sd0sort --tracks_name tracks -o lwtnn_vars.json
run convert dips_model.h5 --variables lwtnn_vars.json -o dips.json
run eval dips.json ntuple.h5 -o scores.h5
run check ntuple.h5 --scores scores.h5 --reference dips --plot check.png --csv check.csv
echo
echo "example.sh: files in $ex (the histogram of differences: $ex/check.png)"
