#!/usr/bin/env bash
# Installs the Debian packages hepnn needs to build and test. Each is chosen
# on purpose (docs/dependencies.md); nothing is downloaded from elsewhere.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config   # toolchain
  clang libclang-rt-14-dev llvm-14   # second compiler; libFuzzer + sanitizer runtimes; llvm-symbolizer (fuzz/)
  libsimdjson-dev                    # network and config JSON: fast DOM parsing (load-time target)
  libhdf5-dev                        # Keras .h5 files, dumper ntuples, tau-ID files
  libzip-dev                         # Keras 3 .keras archives
  zlib1g-dev                         # ROOT baskets (zlib); also pulled in by libhdf5-dev
  libyaml-cpp-dev                    # umami's variables YAML and check configs (anchors, merge keys)
  libgtest-dev libbenchmark-dev      # tests and benchmarks
  libcli11-dev                       # command-line option parsing of the hepnn tool
  libcairo2-dev                      # validation plots: one drawing path for PNG, SVG and PDF, real fonts
  libdeflate-dev                     # fast inflate of HDF5 chunks in the parallel file reader
  liblz4-dev libxxhash-dev liblzma-dev libzstd-dev  # ROOT basket compressions (zlib above)
  python3-dev pybind11-dev python3-numpy  # the Python module
  python3-pytest python3-h5py python3-distributed python3-jsonschema  # Python tests, Dask example, schema check
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} Debian packages are installed"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
