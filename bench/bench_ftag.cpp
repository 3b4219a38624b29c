// Scoring the shared ftag sample (../shared/ftag, 2000 jets) on one thread:
//  * tagger/...: jets and tracks already in memory, through the tagger's
//    batch path (Athena's input preparation, track selection and order,
//    network evaluation) — what a framework calling hepnn per batch pays;
//  * file/...: `hepnn eval` without the writing: HDF5 reading of every
//    chunk, then the same.
// Multiply-adds per jet follow each jet's track count after selection.
#include "bench_workflows.hpp"

#include "formats/hdf5_table.hpp"
#include "hepnn/ftag.hpp"
#include "hepnn/keras.hpp"
#include "hepnn/model.hpp"
#include "hepnn/variables.hpp"

#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>

namespace {

namespace fs = std::filesystem;
namespace h5 = hepnn::detail::h5;

struct ftag_subject {
  hepnn::ftag::score_options options;
  std::unique_ptr<hepnn::ftag::tagger> tagger;
  std::vector<double> jets, tracks;
  std::vector<std::size_t> offsets;
  std::size_t n = 0;
  double macs = 0; ///< per jet, averaged over the sample
};

ftag_subject load(const std::string& model_name, std::optional<hepnn::ftag::track_selection> selection,
                  std::optional<hepnn::ftag::track_sort> sort) {
  const fs::path shared(HEPNN_SHARED_DIR);
  ftag_subject s;
  const auto spec = hepnn::read_variables(shared / "ftag" / "specs" / (model_name + ".variables.json"));
  auto m = std::make_shared<const hepnn::model>(hepnn::convert_keras(shared / "zoo" / model_name / "model.h5", {}, &spec).network);
  s.options.network_model = m;
  s.options.input = shared / "ftag" / "sample_ttbar.h5";
  s.options.tagger.selection = selection;
  s.options.tagger.sort = sort;

  // the sample in memory, in the tagger's field order
  const auto f = h5::file::open(s.options.input.string());
  const h5::table jets(f, "jets");
  auto topt = s.options.tagger;
  topt.jet_fields_available = jets.field_names();
  std::optional<h5::table> tracks;
  if (!m->input_sequences.empty()) {
    tracks.emplace(f, "tracks");
    topt.track_fields_available = tracks->field_names();
  }
  s.tagger = std::make_unique<hepnn::ftag::tagger>(*m, topt);
  s.n = jets.rows();
  jets.read(0, s.n, s.tagger->jet_fields(), s.jets);
  s.offsets.assign(s.n + 1, 0);
  if (tracks) {
    auto names = s.tagger->track_fields();
    names.push_back("valid");
    std::vector<double> raw;
    tracks->read(0, s.n, names, raw);
    const std::size_t nt = names.size(), width = tracks->width();
    for (std::size_t j = 0; j < s.n; ++j) {
      for (std::size_t k = 0; k < width; ++k) {
        const double* row = raw.data() + (j * width + k) * nt;
        if (row[nt - 1] != 0) s.tracks.insert(s.tracks.end(), row, row + nt - 1);
      }
      s.offsets[j + 1] = s.tracks.size() / (nt - 1);
    }
  }
  // multiply-adds of each jet with the tracks it really feeds (after selection)
  std::vector<float> scores(s.n * s.tagger->score_names().size());
  hepnn::workspace ws;
  s.tagger->evaluate_batch(s.n, s.jets, s.tracks, s.offsets, scores, ws);
  const auto cost = hepnn::cost(*m);
  double total = 0;
  for (std::size_t j = 0; j < s.n; ++j)
    total += static_cast<double>(
        cost.macs(tracks ? std::vector<std::size_t>{s.tagger->tracks_used(j, ws)} : std::vector<std::size_t>{}));
  s.macs = total / static_cast<double>(s.n);
  return s;
}

void in_memory(benchmark::State& state, std::shared_ptr<ftag_subject> s) {
  std::vector<float> scores(s->n * s->tagger->score_names().size());
  hepnn::workspace ws;
  for (auto _ : state) {
    s->tagger->evaluate_batch(s->n, s->jets, s->tracks, s->offsets, scores, ws);
    benchmark::DoNotOptimize(scores.data());
  }
  state.counters["events"] = static_cast<double>(s->n);
  state.counters["macs"] = s->macs;
}

void from_file(benchmark::State& state, std::shared_ptr<ftag_subject> s) {
  for (auto _ : state) {
    auto jets = hepnn::ftag::score_jets(s->options);
    benchmark::DoNotOptimize(jets.scores.data());
  }
  state.counters["events"] = static_cast<double>(s->n);
  state.counters["macs"] = s->macs;
}

} // namespace

void register_ftag_benchmarks(int reps) {
  using hepnn::ftag::track_selection;
  using hepnn::ftag::track_sort;
  const auto dl1 = std::make_shared<ftag_subject>(load("dl1_like_functional", std::nullopt, std::nullopt));
  const auto dips = std::make_shared<ftag_subject>(load("dips_like", track_selection::r22default, track_sort::sd0));
  for (const auto& [name, s] : {std::pair{"dl1_sample", dl1}, std::pair{"dips_sample_r22default", dips}}) {
    benchmark::RegisterBenchmark((std::string("ftag/tagger/") + name).c_str(), in_memory, s)->Repetitions(reps)->MinTime(0.1);
    benchmark::RegisterBenchmark((std::string("ftag/file/") + name).c_str(), from_file, s)->Repetitions(reps)->MinTime(0.1);
  }
}
