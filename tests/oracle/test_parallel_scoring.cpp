// Scoring files on several threads (issue 12): the scores, track counts and
// tau evaluations are bit for bit the same for 1, 2 and 4 threads, chunks of
// 1, 7 and the default, the raw-chunk reader and HDF5's own reading, and the
// one-candidate-at-a-time evaluator; score files are identical too.
#include "hepnn/ftag.hpp"
#include "hepnn/io.hpp"
#include "hepnn/keras.hpp"
#include "hepnn/tau.hpp"
#include "hepnn/variables.hpp"
#include "support/shared_data.hpp"
#include "workflow/pipeline.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <unistd.h>

namespace hepnn::test {
namespace {

namespace fs = std::filesystem;

fs::path scratch() {
  const fs::path dir = fs::temp_directory_path() / ("hepnn-parallel-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

/// HDF5's own reading instead of the raw chunks, for the scope of one object.
struct hdf5_pipeline {
  hdf5_pipeline() { ::setenv("HEPNN_HDF5_PIPELINE", "1", 1); }
  ~hdf5_pipeline() { ::unsetenv("HEPNN_HDF5_PIPELINE"); }
  hdf5_pipeline(const hdf5_pipeline&) = delete;
  hdf5_pipeline& operator=(const hdf5_pipeline&) = delete;
};

ftag::score_options ftag_options(const std::string& model, bool dips) {
  ftag::score_options o;
  const auto spec = read_variables(shared_dir() / "ftag" / "specs" / (model + ".variables.json"));
  o.network_model = std::make_shared<const hepnn::model>(convert_keras(shared_dir() / "zoo" / model / "model.h5", {}, &spec).network);
  o.input = shared_dir() / "ftag" / "sample_ttbar.h5";
  if (dips) {
    o.tagger.selection = ftag::track_selection::r22default;
    o.tagger.sort = ftag::track_sort::sd0;
  }
  return o;
}

/// Bitwise equality of two runs (EXPECT_EQ on doubles would let -0 == 0 pass).
void expect_same(const ftag::scored_jets& a, const ftag::scored_jets& b, const std::string& what) {
  ASSERT_EQ(a.scores.size(), b.scores.size()) << what;
  EXPECT_EQ(std::memcmp(a.scores.data(), b.scores.data(), a.scores.size() * sizeof(double)), 0) << what;
  EXPECT_EQ(a.n_tracks, b.n_tracks) << what;
}

TEST(parallel_scoring, ftag_scores_do_not_depend_on_threads_chunks_or_reader) {
  for (const auto& [model, dips] : {std::pair{"dips_like", true}, std::pair{"dl1_like_functional", false}}) {
    for (const bool float64 : {false, true}) {
      auto o = ftag_options(model, dips);
      o.float64 = float64;
      o.threads = 1;
      const auto reference = ftag::score_jets(o);
      ASSERT_EQ(reference.n_tracks.size(), 2000u);
      // the whole matrix in float32; float64 (slower to check) without the one-jet chunks
      for (std::size_t threads : {1, 2, 4})
        for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, ftag::score_options{}.chunk}) {
          if ((threads == 1 && chunk == o.chunk) || (float64 && chunk == 1)) continue;
          auto p = o;
          p.threads = threads;
          p.chunk = chunk;
          expect_same(reference, ftag::score_jets(p),
                      std::string(model) + (float64 ? " float64" : " float32") + " threads " + std::to_string(threads) + " chunk " +
                          std::to_string(chunk));
        }
      const hdf5_pipeline through_hdf5;
      for (std::size_t threads : {1, 2}) {
        auto p = o;
        p.threads = threads;
        p.chunk = 300;
        expect_same(reference, ftag::score_jets(p), std::string(model) + " read by HDF5, threads " + std::to_string(threads));
      }
    }
  }
}

TEST(parallel_scoring, ftag_score_files_are_identical_and_copy_fields_in_order) {
  auto o = ftag_options("dips_like", true);
  o.copy_fields = {"mcEventNumber", "pt_btagJes", "HadronConeExclTruthLabelID"};
  std::vector<ftag::score_file> files;
  std::vector<std::vector<std::vector<double>>> copied;
  for (std::size_t threads : {1, 4}) {
    o.threads = threads;
    o.chunk = threads == 1 ? 2048 : 7;
    o.output = scratch() / ("scores_" + std::to_string(threads) + ".h5");
    const auto summary = ftag::score_ntuple(o);
    EXPECT_EQ(summary.jets, 2000u);
    files.push_back(ftag::read_score_file(o.output));
    copied.push_back(ftag::read_jet_columns(o.output, "jets", o.copy_fields));
  }
  ASSERT_EQ(files[0].columns.size(), files[1].columns.size());
  for (std::size_t k = 0; k < files[0].columns.size(); ++k)
    EXPECT_EQ(std::memcmp(files[0].columns[k].data(), files[1].columns[k].data(), files[0].columns[k].size() * sizeof(double)), 0);
  EXPECT_EQ(files[0].n_tracks, files[1].n_tracks);
  // the copied fields are the input's, row for row
  EXPECT_EQ(copied[0], copied[1]);
  EXPECT_EQ(copied[1], ftag::read_jet_columns(o.input, "jets", o.copy_fields));
}

const tau::evaluator_options& tau_networks() {
  static const tau::evaluator_options o = [] {
    tau::evaluator_options e;
    for (const char* prong : {"1p", "3p"}) {
      const fs::path dir = shared_dir() / "tau" / (std::string("tau_") + prong);
      const auto spec = tau::varspec_from_model(dir / "model.h5", dir / "preproc.h5");
      const fs::path out = scratch() / (std::string("tau_") + prong + ".json");
      save_network(convert_keras(dir / "model.h5", {}, &spec).network, out);
      (std::string(prong) == "1p" ? e.network_1p : e.network_3p) = out;
    }
    return e;
  }();
  return o;
}

void expect_same(const std::vector<tau::evaluation>& a, const std::vector<tau::evaluation>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  std::size_t differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::memcmp(&a[i].score, &b[i].score, sizeof(double)) != 0 || a[i].network != b[i].network ||
        a[i].tracks_used != b[i].tracks_used || a[i].clusters_used != b[i].clusters_used)
      ++differ;
  EXPECT_EQ(differ, 0u) << what;
}

TEST(parallel_scoring, tau_batches_equal_one_candidate_at_a_time_for_any_threads_and_chunks) {
  for (const bool float64 : {false, true}) {
    tau::score_options o;
    o.evaluator = tau_networks();
    o.input = shared_dir() / "tau" / "tau_candidates.h5";
    o.float64 = float64;
    // Athena's way: evaluate() per candidate
    std::vector<tau::evaluation> single;
    {
      const tau::evaluator ev32(o.evaluator);
      const tau::evaluator64 ev64(o.evaluator);
      const auto& ev_fields = float64 ? ev64.scalar_fields() : ev32.scalar_fields();
      tau::candidate_file file(o.input, ev_fields, float64 ? ev64.track_fields() : ev32.track_fields(),
                               float64 ? ev64.cluster_fields() : ev32.cluster_fields());
      workspace ws;
      for (const auto& c : file.read(0, file.size())) single.push_back(float64 ? ev64.evaluate(c, ws) : ev32.evaluate(c, ws));
    }
    ASSERT_EQ(single.size(), 500u);
    std::size_t scored = 0;
    for (const auto& r : single) scored += r.score != tau::no_score;
    EXPECT_GT(scored, 400u); // both networks and the no-score cases are exercised
    // the whole matrix in float32; float64 without the one-candidate chunks
    for (std::size_t threads : {1, 2, 4})
      for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, tau::score_options{}.chunk}) {
        if (float64 && chunk == 1) continue;
        auto p = o;
        p.threads = threads;
        p.chunk = chunk;
        expect_same(single, tau::evaluate_candidates(p),
                    std::string(float64 ? "float64" : "float32") + " threads " + std::to_string(threads) + " chunk " + std::to_string(chunk));
      }
    const hdf5_pipeline through_hdf5;
    auto p = o;
    p.threads = 2;
    expect_same(single, tau::evaluate_candidates(p), "read by HDF5");
  }
}

TEST(parallel_scoring, the_pipeline_writes_in_order_and_reports_the_first_failing_item) {
  for (std::size_t threads : {1, 2, 4}) {
    const std::size_t ring = 2 * threads;
    std::vector<std::size_t> slot_item(ring), written;
    std::vector<long> slot_value(ring);
    detail::pipeline_stages st;
    st.read = [&](std::size_t item, std::size_t slot) { slot_item[slot] = item; };
    st.work = [&](std::size_t slot, std::size_t) {
      const std::size_t item = slot_item[slot];
      // uneven work, so that later items finish first
      volatile long x = 0;
      for (std::size_t k = 0; k < (item % 3) * 200000; ++k) x = x + 1;
      if (item == 13 || item == 17) throw std::runtime_error("item " + std::to_string(item));
      slot_value[slot] = static_cast<long>(item) * 10;
    };
    st.write = [&](std::size_t item, std::size_t slot) {
      EXPECT_EQ(slot_value[slot], static_cast<long>(item) * 10);
      written.push_back(item);
    };
    detail::run_pipeline(threads, 12, ring, st);
    std::vector<std::size_t> expected(12);
    for (std::size_t i = 0; i < 12; ++i) expected[i] = i;
    EXPECT_EQ(written, expected) << threads << " threads";
    written.clear();
    try {
      detail::run_pipeline(threads, 40, ring, st);
      ADD_FAILURE() << "no error";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "item 13") << threads << " threads";
    }
    EXPECT_EQ(written.size(), 13u) << threads << " threads";
  }
}

} // namespace
} // namespace hepnn::test
