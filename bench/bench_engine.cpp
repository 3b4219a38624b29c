// hepnn engine benchmarks (issue 2): float32 evaluation time of the reference
// networks through the fast path (one event per call) and the batch path,
// load time of the largest network file, and the machine's own FMA peak,
// with every batch figure given as a share of that peak.
//
// Every benchmark is repeated; the summary at the end gives min and median
// per event, because these virtual machines are noisy.

#include "bench_workflows.hpp"
#include "hepnn/io.hpp"
#include "hepnn/keras.hpp"
#include "hepnn/variables.hpp"
#include "hepnn/network.hpp"
#include "workflow/event_batch.hpp"
#include "workflow/json_events.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <new>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

extern char** environ;

namespace {

namespace fs = std::filesystem;

/// 64-byte aligned storage for the read measurement.
template <typename T> struct aligned_allocator {
  using value_type = T;
  aligned_allocator() = default;
  template <typename U> aligned_allocator(const aligned_allocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{64})); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t{64}); }
  bool operator==(const aligned_allocator&) const { return true; }
};
using hepnn::detail::event_batch;
using hepnn::detail::json_event;

fs::path shared() { return fs::path(HEPNN_SHARED_DIR); }

double fma_peak_gflops = 0; // float32, one core

// ---- the machine's FMA peak ---------------------------------------------
// 16 independent accumulator chains: the FMA latency (4 cycles) times two
// FMA pipes needs at least 8 in flight.
#if defined(__x86_64__)
__attribute__((target("avx512f"))) double fma_peak_avx512(long n) {
  __m512 a[16];
  for (int i = 0; i < 16; ++i) a[i] = _mm512_set1_ps(1e-3f * static_cast<float>(i));
  const __m512 m = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  auto t0 = std::chrono::steady_clock::now();
  for (long k = 0; k < n; ++k)
    for (int i = 0; i < 16; ++i) a[i] = _mm512_fmadd_ps(a[i], m, b);
  auto t1 = std::chrono::steady_clock::now();
  alignas(64) float tmp[16];
  float s = 0;
  for (int i = 0; i < 16; ++i) {
    _mm512_store_ps(tmp, a[i]);
    for (float v : tmp) s += v;
  }
  benchmark::DoNotOptimize(s);
  return static_cast<double>(n) * 16 * 16 * 2 / std::chrono::duration<double>(t1 - t0).count() / 1e9;
}
__attribute__((target("avx2,fma"))) double fma_peak_avx2(long n) {
  __m256 a[16];
  for (int i = 0; i < 16; ++i) a[i] = _mm256_set1_ps(1e-3f * static_cast<float>(i));
  const __m256 m = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  auto t0 = std::chrono::steady_clock::now();
  for (long k = 0; k < n; ++k)
    for (int i = 0; i < 16; ++i) a[i] = _mm256_fmadd_ps(a[i], m, b);
  auto t1 = std::chrono::steady_clock::now();
  float s = 0;
  alignas(32) float tmp[8];
  for (int i = 0; i < 16; ++i) {
    _mm256_store_ps(tmp, a[i]);
    for (float v : tmp) s += v;
  }
  benchmark::DoNotOptimize(s);
  return static_cast<double>(n) * 16 * 8 * 2 / std::chrono::duration<double>(t1 - t0).count() / 1e9;
}
#endif

double measure_fma_peak() {
  double best = 0;
#if defined(__x86_64__)
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f");
  for (int r = 0; r < 7; ++r)
    best = std::max(best, avx512 ? fma_peak_avx512(20'000'000) : fma_peak_avx2(20'000'000));
#endif
  return best;
}

// ---- reading weights from L2 ----------------------------------------------
// A single event reads every weight once; a network whose weights outgrow
// L1 (48 KB here) cannot be evaluated faster than they stream in from L2.
// This times a plain read of that many bytes (8 independent sums, nothing
// else), the floor that the single-event MLP's figure is set against.
#if defined(__x86_64__)
__attribute__((target("avx512f"))) float read_avx512(const float* p, std::size_t n) {
  __m512 a[8];
  for (auto& v : a) v = _mm512_setzero_ps();
  for (std::size_t i = 0; i + 128 <= n; i += 128)
    for (int j = 0; j < 8; ++j) a[j] = _mm512_add_ps(a[j], _mm512_load_ps(p + i + 16 * j));
  for (int j = 1; j < 8; ++j) a[0] = _mm512_add_ps(a[0], a[j]);
  alignas(64) float t[16];
  _mm512_store_ps(t, a[0]); // not _mm512_reduce_add_ps: GCC 12's header warns in it
  float s = 0;
  for (float v : t) s += v;
  return s;
}
__attribute__((target("avx2"))) float read_avx2(const float* p, std::size_t n) {
  __m256 a[8];
  for (auto& v : a) v = _mm256_setzero_ps();
  for (std::size_t i = 0; i + 64 <= n; i += 64)
    for (int j = 0; j < 8; ++j) a[j] = _mm256_add_ps(a[j], _mm256_load_ps(p + i + 8 * j));
  for (int j = 1; j < 8; ++j) a[0] = _mm256_add_ps(a[0], a[j]);
  alignas(32) float t[8];
  _mm256_store_ps(t, a[0]);
  float s = 0;
  for (float v : t) s += v;
  return s;
}
#endif

/// Nanoseconds to read `bytes` (a multiple of 512) that sit in L2: the
/// best pass of many, the buffer read again and again.
double measure_read_ns(std::size_t bytes) {
  double best = 0;
#if defined(__x86_64__)
  const bool avx512 = __builtin_cpu_supports("avx512f");
  const std::size_t n = bytes / sizeof(float);
  std::vector<float, aligned_allocator<float>> buf(n, 1e-3f);
  best = 1e30;
  for (int r = 0; r < 30; ++r) {
    constexpr int passes = 2000;
    float sink = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < passes; ++k) {
      sink += avx512 ? read_avx512(buf.data(), n) : read_avx2(buf.data(), n);
      benchmark::ClobberMemory(); // the same read again is not the same result to the compiler
    }
    auto t1 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(sink);
    best = std::min(best, std::chrono::duration<double, std::nano>(t1 - t0).count() / passes);
  }
#endif
  return best;
}

// ---- the networks ---------------------------------------------------------

/// A loaded benchmark network with its events (in native variable order).
struct subject {
  std::string name;
  std::unique_ptr<hepnn::network> net;
  std::vector<json_event> events;
  std::size_t macs = 0; ///< per event, averaged over `events`
};

std::map<std::string, std::shared_ptr<subject>>& subjects() {
  static std::map<std::string, std::shared_ptr<subject>> s;
  return s;
}

/// Events of a zoo inputs.json or of a lwtnn-test-data case.json (same layout).
std::vector<json_event> events_of(const fs::path& file) { return hepnn::detail::read_json_events(file.string()); }

std::size_t event_macs(const hepnn::model& m, const hepnn::network& net, const json_event& e) {
  std::vector<std::size_t> steps;
  for (const auto& node : net.input_sequences()) {
    auto it = e.sequences.find(node.name);
    steps.push_back(it == e.sequences.end() || it->second.empty() ? 0 : it->second.begin()->second.size());
  }
  return hepnn::cost(m).macs(steps);
}

std::shared_ptr<subject> load_subject(const std::string& name, const hepnn::model& m, std::vector<json_event> events) {
  auto s = std::make_shared<subject>();
  s->name = name;
  s->net = std::make_unique<hepnn::network>(m);
  s->events = std::move(events);
  double total = 0;
  for (const auto& e : s->events) total += static_cast<double>(event_macs(m, *s->net, e));
  s->macs = static_cast<std::size_t>(total / static_cast<double>(s->events.size()));
  subjects()[name] = s;
  return s;
}

std::shared_ptr<subject> load_subject(const std::string& name, const fs::path& network_file,
                                      std::vector<json_event> events) {
  return load_subject(name, hepnn::read_network(network_file), std::move(events));
}

/// A model of the second zoo, converted from its Keras file.
hepnn::model zoo2_model(const fs::path& dir) {
  const auto vars = hepnn::read_variables(dir / "variables.json");
  return hepnn::convert_keras(dir / "model.h5", {}, &vars).network;
}

/// dips_like events cut to exactly `tracks` tracks (events with fewer are skipped).
std::vector<json_event> with_tracks(std::vector<json_event> events, std::size_t tracks) {
  std::vector<json_event> out;
  for (auto e : events) {
    bool ok = true;
    for (auto& [node, vars] : e.sequences)
      for (auto& [var, values] : vars) {
        if (values.size() < tracks) ok = false;
        else values.resize(tracks);
      }
    if (ok) out.push_back(std::move(e));
  }
  return out;
}

/// `n` events cycling through the subject's events.
std::vector<json_event> repeat(const std::vector<json_event>& events, std::size_t n) {
  std::vector<json_event> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(events[i % events.size()]);
  return out;
}

void fast_path(benchmark::State& state, const std::string& name) {
  const auto& s = *subjects().at(name);
  const hepnn::binding b = s.net->bind(s.net->native_order());
  event_batch<float> in(*s.net, s.events, 0, 1);
  const auto scalars = in.single_scalars(0);
  const auto seqs = in.single(0);
  std::vector<float> out(b.output_size());
  hepnn::workspace ws;
  for (auto _ : state) {
    s.net->evaluate(b, scalars, seqs, out, ws);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["events"] = 1;
  state.counters["macs"] = static_cast<double>(s.macs);
}

/// The name-keyed API on one event (what lwtnn users call; compared with
/// the Python module's compute() by bench/bench_python.py).
void named_path(benchmark::State& state, const std::string& name) {
  const auto& s = *subjects().at(name);
  const auto& e = s.events.front();
  for (auto _ : state) {
    auto r = s.net->compute_all(e.inputs, e.sequences);
    benchmark::DoNotOptimize(r);
  }
  state.counters["events"] = 1;
  state.counters["macs"] = static_cast<double>(s.macs);
}

void batch_path(benchmark::State& state, const std::string& name) {
  const auto& s = *subjects().at(name);
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const hepnn::binding b = s.net->bind(s.net->native_order());
  const auto events = repeat(s.events, n);
  event_batch<float> in(*s.net, events, 0, n);
  std::vector<float> out(n * b.output_size());
  hepnn::workspace ws;
  for (auto _ : state) {
    s.net->evaluate_batch(b, n, in.scalar_pointers, in.sequences, out, ws);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["events"] = static_cast<double>(n);
  state.counters["macs"] = static_cast<double>(s.macs);
}

// ---- loading ----------------------------------------------------------------

void load_in_process(benchmark::State& state) {
  const fs::path file = shared() / "lwtnn-test-data" / "concat-leakyrelu" / "lwtnn.json";
  for (auto _ : state) {
    hepnn::network net(hepnn::read_network(file));
    benchmark::DoNotOptimize(&net);
  }
  state.counters["events"] = 0;
}

void load_fresh_process(benchmark::State& state) {
  const std::string file = (shared() / "lwtnn-test-data" / "concat-leakyrelu" / "lwtnn.json").string();
  const std::string cli = HEPNN_LOAD_PATH; // links hepnn::core only
  for (auto _ : state) {
    const char* argv[] = {cli.c_str(), file.c_str(), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", 0x1 /*O_WRONLY*/, 0);
    pid_t pid = 0;
    if (posix_spawn(&pid, cli.c_str(), &actions, nullptr, const_cast<char**>(argv), environ) != 0) {
      state.SkipWithError("cannot start hepnn-load");
      break;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    posix_spawn_file_actions_destroy(&actions);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      state.SkipWithError("hepnn-load failed");
      break;
    }
  }
  state.counters["events"] = 0;
}

void convert_largest(benchmark::State& state) {
  // the zoo's largest model (umami_like: 2.4 MB as an lwtnn file), from its full-model .h5
  const fs::path dir = shared() / "zoo" / "umami_like";
  const auto vars = hepnn::read_variables(dir / "variables.json");
  for (auto _ : state) {
    auto c = hepnn::convert_keras(dir / "model.h5", {}, &vars);
    benchmark::DoNotOptimize(hepnn::write_network(c.network).size());
  }
  state.counters["events"] = 0;
}

// ---- summary --------------------------------------------------------------

struct result {
  std::vector<double> seconds; ///< per iteration, one entry per repetition
  std::vector<double> cpu;     ///< CPU seconds per iteration (the process's, for benchmarks measuring it)
  double events = 1, macs = 0;
};

class summary_reporter : public benchmark::ConsoleReporter {
public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      if (r.run_type != Run::RT_Iteration || r.error_occurred) continue;
      auto& res = results_[r.run_name.str()];
      if (res.seconds.empty()) order_.push_back(r.run_name.str()); // first repetition
      res.seconds.push_back(r.real_accumulated_time / static_cast<double>(r.iterations));
      res.cpu.push_back(r.cpu_accumulated_time / static_cast<double>(r.iterations));
      if (auto it = r.counters.find("events"); it != r.counters.end()) res.events = it->second.value;
      if (auto it = r.counters.find("macs"); it != r.counters.end()) res.macs = it->second.value;
    }
  }
  /// Wall time and the benchmark thread's CPU time (the machine is shared:
  /// a wall time well above the CPU time means the core was taken away),
  /// each as min / median, with the share of the FMA peak at the minimum.
  void print_summary() const {
    std::printf("\nSummary (float32, one thread; FMA peak %.1f GFLOP/s per core)\n", fma_peak_gflops);
    std::printf("%-44s %14s %14s %14s %10s %14s %14s %10s\n", "benchmark", "wall min", "wall median", "events/s (min)",
                "peak (min)", "cpu min", "cpu median", "peak (cpu)");
    auto min_median = [](std::vector<double> s) {
      std::sort(s.begin(), s.end());
      return std::pair{s.front(), s[s.size() / 2]};
    };
    for (const auto& name : order_) {
      const auto& res = results_.at(name);
      const auto [lo, med] = min_median(res.seconds);
      const auto [cpu_lo, cpu_med] = min_median(res.cpu.empty() ? res.seconds : res.cpu);
      if (res.events == 0) {
        std::printf("%-44s %11.2f ms %11.2f ms %14s %10s %11.2f ms %11.2f ms\n", name.c_str(), lo * 1e3, med * 1e3, "",
                    "", cpu_lo * 1e3, cpu_med * 1e3);
        continue;
      }
      auto share = [&](double per_event) {
        if (res.macs <= 0 || fma_peak_gflops <= 0) return std::string("-");
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f %%", 2 * res.macs / per_event / 1e9 / fma_peak_gflops * 100);
        return std::string(buf);
      };
      const double per_lo = lo / res.events, per_med = med / res.events;
      std::printf("%-44s %8.0f ns/ev %8.0f ns/ev %14.0f %10s %8.0f ns/ev %8.0f ns/ev %10s\n", name.c_str(), per_lo * 1e9,
                  per_med * 1e9, 1 / per_lo, share(per_lo).c_str(), cpu_lo / res.events * 1e9,
                  cpu_med / res.events * 1e9, share(cpu_lo / res.events).c_str());
    }
  }

  /// Minimum seconds per event of the first benchmark named `prefix` or `prefix/...`; 0 if none ran.
  /// `statistic` 0: minimum wall time, 1: median wall time, 2: minimum CPU time.
  double per_event(const std::string& prefix, int statistic) const {
    for (const auto& name : order_) {
      if (name != prefix && name.rfind(prefix + "/", 0) != 0) continue;
      const auto& res = results_.at(name);
      if (res.events <= 0 || res.seconds.empty()) return 0;
      auto s = statistic == 2 ? res.cpu : res.seconds;
      std::sort(s.begin(), s.end());
      return (statistic == 1 ? s[s.size() / 2] : s.front()) / res.events;
    }
    return 0;
  }

private:
  std::map<std::string, result> results_;
  std::vector<std::string> order_;
};

} // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (!fs::is_directory(shared())) {
    std::fprintf(stderr, "hepnn-bench: %s is missing\n", shared().c_str());
    return 1;
  }
  fma_peak_gflops = measure_fma_peak();
  std::printf("float32 FMA peak of this core: %.1f GFLOP/s\n", fma_peak_gflops);
  // the MLP 66 -> 5x100 -> 4 below: 47,000 float32 weights, rounded up to 512 bytes
  constexpr std::size_t mlp_weight_bytes = (47000 * sizeof(float) + 511) / 512 * 512;
  std::printf("reading %zu bytes from L2 (the single-event MLP's weights): %.0f ns\n", mlp_weight_bytes,
              measure_read_ns(mlp_weight_bytes));

  const auto ltd = shared() / "lwtnn-test-data";
  const auto zoo = shared() / "zoo";
  load_subject("mlp_66_5x100_4", ltd / "Dense_dropout_functional" / "lwtnn.json",
               events_of(ltd / "Dense_dropout_functional" / "case.json"));
  load_subject("lstm_2x32_20steps", ltd / "lstm_functional" / "lwtnn.json", events_of(ltd / "lstm_functional" / "case.json"));
  load_subject("dl1_like_functional", zoo / "dl1_like_functional" / "lwtnn.json",
               events_of(zoo / "dl1_like_functional" / "inputs.json"));
  load_subject("dips_like_15_tracks", zoo / "dips_like" / "lwtnn.json",
               with_tracks(events_of(zoo / "dips_like" / "inputs.json"), 15));
  load_subject("tau_rnn", zoo / "tau_rnn" / "lwtnn.json", events_of(zoo / "tau_rnn" / "inputs.json"));
  // issue 8: fixed-shape tensors and attention
  const auto zoo2 = shared() / "zoo2";
  load_subject("conv2d_image", zoo2_model(zoo2 / "conv2d_image"), events_of(zoo2 / "conv2d_image" / "inputs.json"));
  load_subject("conv1d_fixed", zoo2_model(zoo2 / "conv1d_fixed"), events_of(zoo2 / "conv1d_fixed" / "inputs.json"));
  load_subject("attention_block_15_tracks", zoo2_model(zoo2 / "attention_block"),
               with_tracks(events_of(zoo2 / "attention_block" / "inputs.json"), 15));

  const int reps = 10;
  for (const auto& [name, s] : subjects()) {
    benchmark::RegisterBenchmark(("single/" + name).c_str(), fast_path, name)->Repetitions(reps)->MinTime(0.05);
    benchmark::RegisterBenchmark(("named/" + name).c_str(), named_path, name)->Repetitions(reps)->MinTime(0.05);
    for (int n : {16, 256, 4096})
      benchmark::RegisterBenchmark(("batch/" + name).c_str(), batch_path, name)
          ->Arg(n)
          ->Repetitions(reps)
          ->MinTime(0.05);
  }
  register_ftag_benchmarks(reps);
  register_tau_benchmarks(reps);
  register_file_benchmarks(5);
  benchmark::RegisterBenchmark("load/concat_leakyrelu/in_process", load_in_process)
      ->Repetitions(reps)
      ->Unit(benchmark::kMillisecond)
      ->MinTime(0.1);
  benchmark::RegisterBenchmark("convert/umami_like_model_h5", convert_largest)
      ->Repetitions(reps)
      ->Unit(benchmark::kMillisecond)
      ->MinTime(0.1);
  benchmark::RegisterBenchmark("load/concat_leakyrelu/fresh_process", load_fresh_process)
      ->Repetitions(reps)
      ->Iterations(5)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);

  summary_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_summary();
  print_file_ratios([&](const std::string& prefix, int statistic) { return reporter.per_event(prefix, statistic); });
  benchmark::Shutdown();
  return 0;
}
