// The tau sample (../shared/tau): the shipped 1-prong and 3-prong Keras
// models with their preprocessing files become networks, and the evaluator
// reproduces the reference RNNJetScore of every candidate (−1111 included),
// the network choice, the selected objects and every calculator output.
#include "support/shared_data.hpp"

#include "formats/hdf5_file.hpp"
#include "hepnn/errors.hpp"
#include "hepnn/io.hpp"
#include "hepnn/keras.hpp"
#include "hepnn/tau.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace hepnn::test {
namespace {

namespace fs = std::filesystem;

fs::path tau_dir() { return shared_dir() / "tau"; }

/// The two networks converted once into a scratch directory.
const tau::evaluator_options& networks() {
  static const tau::evaluator_options o = [] {
    const fs::path dir = fs::temp_directory_path() / ("hepnn-tau-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    tau::evaluator_options e;
    for (const char* prong : {"1p", "3p"}) {
      const fs::path model = tau_dir() / (std::string("tau_") + prong) / "model.h5";
      const auto spec = tau::varspec_from_model(model, tau_dir() / (std::string("tau_") + prong) / "preproc.h5");
      const fs::path out = dir / (std::string("tau_") + prong + ".json");
      save_network(convert_keras(model, {}, &spec).network, out);
      (std::string(prong) == "1p" ? e.network_1p : e.network_3p) = out;
    }
    return e;
  }();
  return o;
}

struct reference {
  std::vector<double> score, network, tracks_used, clusters_used, track_order, cluster_order, scalars, tracks, clusters;
};

const reference& expected() {
  static const reference r = [] {
    const auto f = detail::h5::file::open((tau_dir() / "tau_reference.h5").string());
    const auto root = f.root();
    reference x;
    x.score = root.read("RNNJetScore");
    x.network = root.read("network");
    x.tracks_used = root.read("n_tracks_used");
    x.clusters_used = root.read("n_clusters_used");
    x.track_order = root.read("track_order");
    x.cluster_order = root.read("cluster_order");
    x.scalars = root.read("scalar_inputs");
    x.tracks = root.read("track_inputs");
    x.clusters = root.read("cluster_inputs");
    return x;
  }();
  return r;
}

TEST(tau_sample, every_score_matches_the_reference) {
  const auto& ref = expected();
  ASSERT_EQ(ref.score.size(), 500u);
  for (const bool float64 : {false, true}) {
    SCOPED_TRACE(float64 ? "float64" : "float32");
    tau::score_options o;
    o.evaluator = networks();
    o.input = tau_dir() / "tau_candidates.h5";
    o.float64 = float64;
    o.chunk = 128;
    const auto results = tau::evaluate_candidates(o);
    ASSERT_EQ(results.size(), 500u);
    double worst = 0;
    std::size_t unscored = 0, by_network[4] = {0, 0, 0, 0};
    for (std::size_t i = 0; i < 500; ++i) {
      const auto& r = results[i];
      if (ref.score[i] == tau::no_score) {
        EXPECT_EQ(r.score, tau::no_score) << "candidate " << i;
        EXPECT_EQ(r.network, -1) << "candidate " << i;
        ++unscored;
        continue;
      }
      EXPECT_EQ(r.network, static_cast<int>(ref.network[i])) << "candidate " << i;
      EXPECT_EQ(r.tracks_used, static_cast<std::size_t>(ref.tracks_used[i])) << "candidate " << i;
      EXPECT_EQ(r.clusters_used, static_cast<std::size_t>(ref.clusters_used[i])) << "candidate " << i;
      worst = std::max(worst, std::fabs(r.score - ref.score[i]));
      ++by_network[r.network];
    }
    EXPECT_EQ(unscored, 28u);
    EXPECT_EQ(by_network[1], 216u);
    EXPECT_EQ(by_network[3], 256u);
    EXPECT_LE(worst, float64 ? 1e-12 : 1e-5);
  }
}

TEST(tau_sample, selected_objects_and_calculator_outputs_are_exact) {
  const auto& ref = expected();
  const tau::evaluator64 ev(networks());
  tau::candidate_file file(tau_dir() / "tau_candidates.h5", ev.scalar_fields(), ev.track_fields(), ev.cluster_fields());
  ASSERT_EQ(file.size(), 500u);
  const auto& candidates = file.read(0, 500);
  std::size_t mismatches = 0, compared = 0, expected_count = 0;
  for (std::size_t i = 0; i < 500; ++i) {
    const auto in = ev.compute_inputs(candidates[i]);
    if (ref.network[i] == 0) {
      EXPECT_EQ(in.network, -1);
      continue;
    }
    ASSERT_EQ(in.network, static_cast<int>(ref.network[i])) << "candidate " << i;
    expected_count += (ref.network[i] == 1 ? 9 : 10) + 9 * static_cast<std::size_t>(ref.tracks_used[i]) +
                      7 * static_cast<std::size_t>(ref.clusters_used[i]);
    ASSERT_EQ(in.track_order.size(), static_cast<std::size_t>(ref.tracks_used[i]));
    for (std::size_t k = 0; k < in.track_order.size(); ++k)
      EXPECT_EQ(in.track_order[k], static_cast<std::size_t>(ref.track_order[i * 10 + k])) << "candidate " << i;
    for (std::size_t k = 0; k < in.cluster_order.size(); ++k)
      EXPECT_EQ(in.cluster_order[k], static_cast<std::size_t>(ref.cluster_order[i * 6 + k])) << "candidate " << i;
    for (std::size_t v = 0; v < in.scalars.size(); ++v, ++compared)
      mismatches += in.scalars[v] != ref.scalars[i * 10 + v];
    for (std::size_t v = 0; v < in.tracks.size(); ++v, ++compared)
      mismatches += in.tracks[v] != ref.tracks[i * 90 + v];
    for (std::size_t v = 0; v < in.clusters.size(); ++v, ++compared)
      mismatches += in.clusters[v] != ref.clusters[i * 42 + v];
  }
  EXPECT_EQ(compared, expected_count);
  EXPECT_EQ(mismatches, 0u) << "of " << compared << " calculator outputs differ from the reference";
}

TEST(tau_sample, the_lwtnn_cross_check_agrees_too) {
  // lwtnn's own scores for the same candidates (the sample's cross-check)
  const json_file lwtnn(tau_dir() / "tau_lwtnn_outputs.json");
  const auto scores = lwtnn.root().at("RNNJetScore").items();
  ASSERT_EQ(scores.size(), 500u);
  tau::score_options o;
  o.evaluator = networks();
  o.input = tau_dir() / "tau_candidates.h5";
  o.float64 = true;
  const auto results = tau::evaluate_candidates(o);
  double worst = 0;
  for (std::size_t i = 0; i < 500; ++i) worst = std::max(worst, std::fabs(results[i].score - scores[i].number()));
  EXPECT_LE(worst, 1e-12);
}

TEST(tau_sample, a_preproc_file_of_the_other_prong_is_refused) {
  try {
    tau::varspec_from_model(tau_dir() / "tau_1p" / "model.h5", tau_dir() / "tau_3p" / "preproc.h5");
    FAIL() << "a 3-prong preproc file was accepted for the 1-prong model";
  } catch (const config_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("/jet_preproc has 10 variables, but the network's scalar input takes 9"), std::string::npos) << what;
    EXPECT_NE(what.find("preproc.h5"), std::string::npos) << what;
  }
}

} // namespace
} // namespace hepnn::test
