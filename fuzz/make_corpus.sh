#!/usr/bin/env bash
# Builds the seed corpora of the fuzz harnesses from the shared reference
# data (nothing of it is committed here). Usage:
#   fuzz/make_corpus.sh BUILD_DIR [SHARED_DIR]
# writes BUILD_DIR/corpus/<harness>/ (existing files are kept, so a corpus
# grown by earlier runs survives). BUILD_DIR must hold hepnn_h5_head
# (built with the harnesses) to cut the HDF5 ntuples down to a few rows.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:?usage: $0 BUILD_DIR [SHARED_DIR]}" && pwd)"
shared="$(cd "${2:-$root/../shared}" && pwd)"
corpus="$build/corpus"
max_bytes=65536 # larger seeds make every mutation slow

seed() { # seed HARNESS FILE NAME: copies FILE if it is small enough
  local dir="$corpus/$1"
  mkdir -p "$dir"
  if [ "$(stat -c %s "$2")" -le "$max_bytes" ]; then cp "$2" "$dir/$3"; fi
}
tag() { # a seed name from a shared path: zoo/dense_basic/lwtnn.json -> zoo-dense_basic-lwtnn.json
  local rel="${1#"$shared"/}"
  echo "${rel//\//-}"
}

# (a) network files: the zoo's and lwtnn-test-data's lwtnn.json
for f in "$shared"/zoo/*/lwtnn.json "$shared"/zoo2/*/lwtnn.json "$shared"/lwtnn-test-data/*/lwtnn.json; do
  [ -f "$f" ] && seed fuzz_network "$f" "$(tag "$f")"
done

# (b) Keras: architecture JSON (against dips_like's weights), and .keras archives
for f in "$shared"/zoo/*/architecture.json "$shared"/zoo2/*/architecture.json; do
  [ -f "$f" ] && seed fuzz_keras_json "$f" "$(tag "$f")"
done
for f in "$shared"/zoo/*/model.keras "$shared"/zoo2/*/model.keras; do
  [ -f "$f" ] && seed fuzz_keras_archive "$f" "$(tag "$f")"
done
seed fuzz_keras_json "$shared/zoo/dips_like/architecture.json" zoo-dips_like-architecture.json

# (c) variables files, both forms
for f in "$shared"/zoo/*/variables.json "$shared"/zoo2/*/variables.json "$shared"/ftag/specs/*.json \
         "$shared"/lwtnn-test-data/*/variables.json "$shared"/umami/cases/*/expected_lwtnn_vars.json; do
  [ -f "$f" ] && seed fuzz_variables "$f" "$(tag "$f")"
done

# (d) umami vardict: YAML \0 scale dict \0 tagger \0 tracks_name [\0 sequence name], from each case's args.txt
mkdir -p "$corpus/fuzz_vardict"
for args in "$shared"/umami/cases/*/args.txt; do
  read -r -a a < "$args"
  s="" v="" t="" n="" tracks="" have_n=0
  for ((i = 0; i < ${#a[@]}; i += 2)); do
    case "${a[i]}" in
      -s) s="${a[i+1]}" ;;
      -v) v="${a[i+1]}" ;;
      -t) t="${a[i+1]}" ;;
      -n) n="${a[i+1]}"; have_n=1 ;;
      --tracks_name) tracks="${a[i+1]}" ;;
    esac
  done
  out="$corpus/fuzz_vardict/$(basename "$(dirname "$args")")"
  {
    cat "$shared/umami/$v"; printf '\0'
    cat "$shared/umami/$s"; printf '\0%s\0%s' "$t" "$tracks"
    if [ "$have_n" = 1 ]; then printf '\0%s' "$n"; fi
  } > "$out"
  [ "$(stat -c %s "$out")" -le "$max_bytes" ] || rm "$out"
done

# (e) HDF5: the ftag ntuple and the tau candidates, cut to a few rows and slots
mkdir -p "$corpus/fuzz_ftag_ntuple" "$corpus/fuzz_tau_candidates"
"$build/fuzz/hepnn_h5_head" "$shared/ftag/sample_ttbar.h5" "$corpus/fuzz_ftag_ntuple/ttbar-6x8.h5" 6 8
"$build/fuzz/hepnn_h5_head" "$shared/ftag/sample_ttbar.h5" "$corpus/fuzz_ftag_ntuple/ttbar-2x3.h5" 2 3
"$build/fuzz/hepnn_h5_head" "$shared/tau/tau_candidates.h5" "$corpus/fuzz_tau_candidates/tau-4.h5" 4
"$build/fuzz/hepnn_h5_head" "$shared/tau/tau_candidates.h5" "$corpus/fuzz_tau_candidates/tau-1x3.h5" 1 3

# (f) ROOT files: the shared test files small enough (every compression but zstd, all branch kinds)
for f in "$shared"/root/files/*.root; do
  seed fuzz_root "$f" "$(basename "$f")"
done

for d in "$corpus"/*/; do
  echo "make_corpus: $(basename "$d"): $(find "$d" -type f | wc -l) files, $(du -sk "$d" | cut -f1) KiB"
done
