// Reading ROOT trees with hepnn::root, one thread: every readable branch of
// uproot-HZZ-zlib.root (2421 entries, 51 branches), and of a generated flat
// file of at least 100 MB of uncompressed values (written once by the
// project's writer: 20 float scalars, 4 int scalars, 4 vector<float>, zlib
// level 1), read in chunks of 10000 entries. The rate counter is MB/s of
// uncompressed values (bytes as decoded into columns).
#include "hepnn/root.hpp"

#include <benchmark/benchmark.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using namespace hepnn::root;

std::size_t bytes_of(const branch_values& v) {
  std::size_t n = 0;
  for (const auto& c : v.columns) n += c.values.size();
  return n;
}

/// Reads every readable branch in chunks; returns the bytes decoded.
std::size_t read_all(const tree& t, std::int64_t chunk) {
  std::size_t bytes = 0;
  const std::int64_t n = t.info().entries;
  for (const auto& b : t.branches()) {
    if (b.shape == shape::unsupported || b.shape == shape::none) continue;
    for (std::int64_t first = 0; first < n; first += chunk) bytes += bytes_of(t.read(b.name, first, std::min(n, first + chunk)));
  }
  return bytes;
}

void run(benchmark::State& state, const std::string& path, const std::string& tree_name, std::int64_t chunk) {
  std::size_t bytes = 0;
  for (auto _ : state) {
    const file f(path); // opening included: a fresh file each time, as a job would
    const tree t = f.open_tree(tree_name);
    bytes = read_all(t, chunk);
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["MB/s"] = benchmark::Counter(double(bytes) * double(state.iterations()) / 1e6, benchmark::Counter::kIsRate);
  state.counters["MB"] = double(bytes) / 1e6;
}

void BM_root_hzz_zlib(benchmark::State& state) {
  run(state, (fs::path(HEPNN_SHARED_DIR) / "root" / "files" / "uproot-HZZ-zlib.root").string(), "events", 10000);
}

/// The generated file, written once per process.
const std::string& generated() {
  static const std::string path = [] {
    const fs::path p = fs::temp_directory_path() / ("hepnn-bench-flat-" + std::to_string(::getpid()) + ".root");
    std::vector<branch_spec> specs;
    auto add = [&](char prefix, int k, value_type t, bool vec) {
      std::string name(1, prefix);
      name += std::to_string(k);
      specs.push_back({name, t, vec, ""});
    };
    for (int k = 0; k < 20; ++k) add('f', k, value_type::float32, false);
    for (int k = 0; k < 4; ++k) add('i', k, value_type::int32, false);
    for (int k = 0; k < 4; ++k) add('v', k, value_type::float32, true);
    tree_writer w(p.string(), "flat", specs, 1);
    const std::size_t chunk = 50000, chunks = 20; // 1e6 entries: 96 MB of scalars + ~40 MB of vectors
    std::uint32_t state = 12345;
    auto next = [&] { return state = state * 1664525u + 1013904223u; };
    for (std::size_t c = 0; c < chunks; ++c) {
      std::vector<column> cols;
      for (const auto& s : specs) {
        column col;
        col.type = s.type;
        col.depth = s.vector ? 1 : 0;
        if (s.vector) col.offsets.push_back(0);
        for (std::size_t e = 0; e < chunk; ++e) {
          const std::size_t len = s.vector ? next() % 5 : 1;
          for (std::size_t i = 0; i < len; ++i) {
            unsigned char b[4];
            if (s.type == value_type::float32) {
              const float x = float(next() % 100000) * 0.01f; // physics-like: few significant digits
              std::memcpy(b, &x, 4);
            } else {
              const std::int32_t x = std::int32_t(next() % 50);
              std::memcpy(b, &x, 4);
            }
            col.values.insert(col.values.end(), b, b + 4);
          }
          if (s.vector) col.offsets.push_back(col.size());
        }
        cols.push_back(std::move(col));
      }
      w.append(cols);
    }
    w.close();
    std::atexit([] { fs::remove(generated()); });
    return p.string();
  }();
  return path;
}

void BM_root_generated_flat(benchmark::State& state) { run(state, generated(), "flat", 10000); }

BENCHMARK(BM_root_hzz_zlib)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_root_generated_flat)->Unit(benchmark::kMillisecond)->Iterations(3);

} // namespace
