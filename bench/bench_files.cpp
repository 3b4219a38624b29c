// Scoring whole files (issue 12): a dumper ntuple of 200,000 jets and an
// rnn-tauid file of 200,000 candidates, made at start-up in the build
// directory by repeating the shared samples chunk by chunk (the stored,
// compressed chunks are copied as they are, so the files have the samples'
// own filters: deflate level 7 for ftag, shuffle + deflate 9 + fletcher32
// for tau). Each is scored with 1 and 2 threads (`score_jets` /
// `evaluate_candidates`: `hepnn eval` / `hepnn tauid` without the writing)
// beside the in-memory rate of the same network (bench_ftag / bench_tau),
// and with 1 thread through HDF5's own reading (second argument 1: every
// dataset read as before issue 12, for comparison).
#include "bench_workflows.hpp"

#include "hepnn/ftag.hpp"
#include "hepnn/io.hpp"
#include "hepnn/keras.hpp"
#include "hepnn/tau.hpp"
#include "hepnn/variables.hpp"

#include <benchmark/benchmark.h>
#include <hdf5.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

fs::path shared() { return fs::path(HEPNN_SHARED_DIR); }

void check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("bench_files: " + what);
}

/// Copies every dataset of `src_group` into `dst_group`, repeated `times`
/// times along the first dimension, chunk by chunk without recompressing.
void repeat_group(hid_t src, hid_t dst, std::size_t times) {
  hsize_t n = 0;
  check(H5Gget_num_objs(src, &n) >= 0, "cannot list a group");
  for (hsize_t i = 0; i < n; ++i) {
    char name[256] = {};
    H5Gget_objname_by_idx(src, i, name, sizeof name);
    H5O_info_t info;
    check(H5Oget_info_by_name(src, name, &info, H5P_DEFAULT) >= 0, name);
    if (info.type == H5O_TYPE_GROUP) {
      const hid_t s = H5Gopen2(src, name, H5P_DEFAULT), d = H5Gcreate2(dst, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      repeat_group(s, d, times);
      H5Gclose(s);
      H5Gclose(d);
      continue;
    }
    const hid_t ds = H5Dopen2(src, name, H5P_DEFAULT);
    const hid_t type = H5Dget_type(ds), space = H5Dget_space(ds), dcpl = H5Dget_create_plist(ds);
    const int rank = H5Sget_simple_extent_ndims(space);
    hsize_t dims[2] = {0, 1}, chunk[2] = {0, 1};
    H5Sget_simple_extent_dims(space, dims, nullptr);
    check(H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_chunk(dcpl, rank, chunk) == rank && dims[0] % chunk[0] == 0 &&
              (rank == 1 || chunk[1] == dims[1]),
          std::string(name) + ": not chunked in whole rows");
    hsize_t big[2] = {dims[0] * times, dims[1]};
    const hid_t bspace = H5Screate_simple(rank, big, nullptr);
    const hid_t out = H5Dcreate2(dst, name, type, bspace, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    check(out >= 0, std::string(name) + ": cannot create");
    std::vector<unsigned char> buf;
    for (hsize_t r = 0; r < dims[0]; r += chunk[0]) {
      const hsize_t at[2] = {r, 0};
      hsize_t bytes = 0;
      check(H5Dget_chunk_storage_size(ds, at, &bytes) >= 0, name);
      buf.resize(bytes);
      std::uint32_t mask = 0;
      check(H5Dread_chunk(ds, H5P_DEFAULT, at, &mask, buf.data()) >= 0, name);
      for (std::size_t k = 0; k < times; ++k) {
        const hsize_t to[2] = {r + k * dims[0], 0};
        check(H5Dwrite_chunk(out, H5P_DEFAULT, mask, to, bytes, buf.data()) >= 0, name);
      }
    }
    H5Dclose(out);
    H5Sclose(bspace);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Tclose(type);
    H5Dclose(ds);
  }
}

/// `src` repeated `times` times into `dst` (made once; kept in the build directory).
fs::path repeated(const fs::path& src, const fs::path& dst, std::size_t times) {
  if (fs::exists(dst)) return dst;
  const fs::path tmp = dst.string() + ".tmp";
  const hid_t in = H5Fopen(src.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t out = H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  check(in >= 0 && out >= 0, "cannot open " + src.string() + " or create " + tmp.string());
  const hid_t a = H5Gopen2(in, "/", H5P_DEFAULT), b = H5Gopen2(out, "/", H5P_DEFAULT);
  repeat_group(a, b, times);
  H5Gclose(a);
  H5Gclose(b);
  H5Fclose(in);
  H5Fclose(out);
  fs::rename(tmp, dst);
  return dst;
}

constexpr std::size_t copies_ftag = 100; // 2,000 jets × 100
constexpr std::size_t copies_tau = 400;  // 500 candidates × 400

/// For the second argument 1: every dataset through HDF5's own reading, as before issue 12.
struct hdf5_reading {
  bool on;
  explicit hdf5_reading(bool b) : on(b) {
    if (on) ::setenv("HEPNN_HDF5_PIPELINE", "1", 1);
  }
  ~hdf5_reading() {
    if (on) ::unsetenv("HEPNN_HDF5_PIPELINE");
  }
  hdf5_reading(const hdf5_reading&) = delete;
  hdf5_reading& operator=(const hdf5_reading&) = delete;
};

void ftag_file(benchmark::State& state, hepnn::ftag::score_options o) {
  o.threads = static_cast<std::size_t>(state.range(0));
  const hdf5_reading before(state.range(1) != 0);
  std::size_t n = 0;
  for (auto _ : state) {
    auto jets = hepnn::ftag::score_jets(o);
    n = jets.n_tracks.size();
    benchmark::DoNotOptimize(jets.scores.data());
  }
  state.counters["events"] = static_cast<double>(n);
}

void tau_file(benchmark::State& state, hepnn::tau::score_options o) {
  o.threads = static_cast<std::size_t>(state.range(0));
  const hdf5_reading before(state.range(1) != 0);
  std::size_t n = 0;
  for (auto _ : state) {
    auto r = hepnn::tau::evaluate_candidates(o);
    n = r.size();
    benchmark::DoNotOptimize(r.data());
  }
  state.counters["events"] = static_cast<double>(n);
}

/// The tau evaluator's load alone (two networks), reported separately.
void tau_load(benchmark::State& state, hepnn::tau::evaluator_options o) {
  for (auto _ : state) {
    hepnn::tau::evaluator ev(o);
    benchmark::DoNotOptimize(&ev);
  }
  state.counters["events"] = 0;
}

} // namespace

void register_file_benchmarks(int reps) {
  const fs::path dir(HEPNN_BENCH_DATA_DIR);
  fs::create_directories(dir);
  const fs::path ntuple = repeated(shared() / "ftag" / "sample_ttbar.h5", dir / "ftag_200k.h5", copies_ftag);
  const fs::path taus = repeated(shared() / "tau" / "tau_candidates.h5", dir / "tau_200k.h5", copies_tau);

  for (const char* model : {"dl1_like_functional", "dips_like"}) {
    hepnn::ftag::score_options o;
    const auto spec = hepnn::read_variables(shared() / "ftag" / "specs" / (std::string(model) + ".variables.json"));
    o.network_model = std::make_shared<const hepnn::model>(hepnn::convert_keras(shared() / "zoo" / model / "model.h5", {}, &spec).network);
    o.input = ntuple;
    const bool dips = std::string(model) == "dips_like";
    if (dips) {
      o.tagger.selection = hepnn::ftag::track_selection::r22default;
      o.tagger.sort = hepnn::ftag::track_sort::sd0;
    }
    const std::string name = std::string("files/") + (dips ? "dips_r22default_200k" : "dl1_200k");
    benchmark::RegisterBenchmark(name.c_str(), ftag_file, o)->Args({1, 0})->Args({2, 0})->Args({1, 1})->Repetitions(reps)->Iterations(1)->UseRealTime()->MeasureProcessCPUTime();
  }

  hepnn::tau::score_options t;
  const fs::path nets = dir / "tau_networks";
  fs::create_directories(nets);
  for (const char* prong : {"1p", "3p"}) {
    const fs::path src = shared() / "tau" / (std::string("tau_") + prong);
    const auto spec = hepnn::tau::varspec_from_model(src / "model.h5", src / "preproc.h5");
    const fs::path out = nets / (std::string(prong) + ".json");
    hepnn::save_network(hepnn::convert_keras(src / "model.h5", {}, &spec).network, out);
    (std::string(prong) == "1p" ? t.evaluator.network_1p : t.evaluator.network_3p) = out;
  }
  t.input = taus;
  benchmark::RegisterBenchmark("files/tau_200k", tau_file, t)->Args({1, 0})->Args({2, 0})->Args({1, 1})->Repetitions(reps)->Iterations(1)->UseRealTime()->MeasureProcessCPUTime();
  benchmark::RegisterBenchmark("files/tau_network_load", tau_load, t.evaluator)
      ->Repetitions(reps)
      ->Unit(benchmark::kMillisecond)
      ->MinTime(0.05);
}

void print_file_ratios(const std::function<double(const std::string&, int)>& per_event) {
  // the file rates beside the in-memory ones (bench_ftag / bench_tau). On a
  // shared machine wall time includes waiting for the core: CPU time (all the
  // process's threads) is given too, and for 1 thread it is what a quiet
  // machine's wall time would be.
  struct row {
    const char* label;
    std::string file, memory;
  };
  const row rows[] = {
      {"DL1 (dl1_like_functional)", "files/dl1_200k", "ftag/tagger/dl1_sample"},
      {"DIPS r22default sd0sort", "files/dips_r22default_200k", "ftag/tagger/dips_sample_r22default"},
      {"tau 1P/3P (batch)", "files/tau_200k", "tau/evaluator_batch/sample"},
  };
  auto rate = [](double s) { return s > 0 ? 1 / s : 0.0; };
  std::printf("\nFiles of 200,000 jets / candidates (events/s; float32). wall: min / median of the repetitions; cpu: min\n");
  std::printf("%-26s %21s %21s %10s %21s %10s %10s %12s\n", "", "in memory wall | cpu", "1 thread wall (med)", "1 thr cpu",
              "2 threads wall (med)", "file/mem", "2thr/1thr", "HDF5 1t cpu");
  for (const auto& r : rows) {
    const double mem = per_event(r.memory, 0), mem_cpu = per_event(r.memory, 2);
    const double one = per_event(r.file + "/1/0", 0), one_med = per_event(r.file + "/1/0", 1), one_cpu = per_event(r.file + "/1/0", 2);
    const double two = per_event(r.file + "/2/0", 0), two_med = per_event(r.file + "/2/0", 1);
    const double hdf5_cpu = per_event(r.file + "/1/1", 2);
    if (!(one > 0)) continue;
    // file/mem: 1-thread CPU against in-memory CPU; 2thr/1thr: minimum wall times
    std::printf("%-26s %10.0f | %8.0f %10.0f (%8.0f) %10.0f %10.0f (%8.0f) %10.2f %10.2f %12.0f\n", r.label, rate(mem), rate(mem_cpu),
                rate(one), rate(one_med), rate(one_cpu), rate(two), rate(two_med), mem_cpu > 0 && one_cpu > 0 ? mem_cpu / one_cpu : 0.0,
                two > 0 ? one / two : 0.0, rate(hdf5_cpu));
  }
}
