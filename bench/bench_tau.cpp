// Tau identification on the shared sample (../shared/tau, 500 candidates),
// one thread:
//  * tau/evaluator: candidates in memory, one evaluate() each, as Athena
//    calls TauJetRNNEvaluator per tau;
//  * tau/evaluator_batch: the same through evaluate_batch (per-network batches);
//  * tau/file: `hepnn tauid` without the writing, network loading included.
// Multiply-adds per candidate follow the network chosen and the objects it
// feeds; unscored candidates (28) count with none.
#include "bench_workflows.hpp"

#include "hepnn/io.hpp"
#include "hepnn/keras.hpp"
#include "hepnn/tau.hpp"

#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

struct tau_subject {
  hepnn::tau::score_options options;
  std::unique_ptr<hepnn::tau::evaluator> evaluator;
  std::unique_ptr<hepnn::tau::candidate_file> file;
  const std::vector<hepnn::tau::candidate>* candidates = nullptr;
  double macs = 0;
};

std::shared_ptr<tau_subject> load() {
  const fs::path tau = fs::path(HEPNN_SHARED_DIR) / "tau";
  const fs::path dir = fs::temp_directory_path() / ("hepnn-bench-tau-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto s = std::make_shared<tau_subject>();
  for (const char* prong : {"1p", "3p"}) {
    const fs::path src = tau / (std::string("tau_") + prong);
    const auto spec = hepnn::tau::varspec_from_model(src / "model.h5", src / "preproc.h5");
    const fs::path out = dir / (std::string(prong) + ".json");
    hepnn::save_network(hepnn::convert_keras(src / "model.h5", {}, &spec).network, out);
    (std::string(prong) == "1p" ? s->options.evaluator.network_1p : s->options.evaluator.network_3p) = out;
  }
  s->options.input = tau / "tau_candidates.h5";
  s->evaluator = std::make_unique<hepnn::tau::evaluator>(s->options.evaluator);
  s->file = std::make_unique<hepnn::tau::candidate_file>(s->options.input, s->evaluator->scalar_fields(),
                                                         s->evaluator->track_fields(), s->evaluator->cluster_fields());
  s->candidates = &s->file->read(0, s->file->size());
  double total = 0;
  for (const auto& c : *s->candidates) total += static_cast<double>(s->evaluator->macs(c));
  s->macs = total / static_cast<double>(s->candidates->size());
  return s;
}

void in_memory(benchmark::State& state, std::shared_ptr<tau_subject> s) {
  hepnn::workspace ws;
  for (auto _ : state) {
    double sum = 0;
    for (const auto& c : *s->candidates) sum += s->evaluator->evaluate(c, ws).score;
    benchmark::DoNotOptimize(sum);
  }
  state.counters["events"] = static_cast<double>(s->candidates->size());
  state.counters["macs"] = s->macs;
}

void in_memory_batch(benchmark::State& state, std::shared_ptr<tau_subject> s) {
  hepnn::tau::batch_workspace ws;
  std::vector<hepnn::tau::evaluation> results(s->candidates->size());
  for (auto _ : state) {
    s->evaluator->evaluate_batch(*s->candidates, results, ws);
    benchmark::DoNotOptimize(results.data());
  }
  state.counters["events"] = static_cast<double>(s->candidates->size());
  state.counters["macs"] = s->macs;
}

void from_file(benchmark::State& state, std::shared_ptr<tau_subject> s) {
  for (auto _ : state) {
    auto r = hepnn::tau::evaluate_candidates(s->options);
    benchmark::DoNotOptimize(r.data());
  }
  state.counters["events"] = static_cast<double>(s->candidates->size());
  state.counters["macs"] = s->macs;
}

} // namespace

void register_tau_benchmarks(int reps) {
  const auto s = load();
  benchmark::RegisterBenchmark("tau/evaluator/sample", in_memory, s)->Repetitions(reps)->MinTime(0.1);
  benchmark::RegisterBenchmark("tau/evaluator_batch/sample", in_memory_batch, s)->Repetitions(reps)->MinTime(0.1);
  benchmark::RegisterBenchmark("tau/file/sample", from_file, s)->Repetitions(reps)->MinTime(0.1);
}
