// TauJetRNNEvaluator's semantics on hand-made candidates, with networks whose
// score is bias + w_c·centFrac + w_t·Σ tracks' pt_log + w_k·Σ clusters' et_log:
// the bias tells which network ran, the sums which objects were selected.
#include "hepnn/errors.hpp"
#include "hepnn/tau.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

namespace hepnn::test {
namespace {

namespace fs = std::filesystem;

std::string network_json(double bias, double wc, double wt, double wk, const std::string& scalar = "scalar",
                         const std::string& scalar_var = "centFrac", const std::string& output = "rnnid_output") {
  return R"({"inputs": [{"name": ")" + scalar + R"(", "variables": [{"name": ")" + scalar_var + R"(", "offset": 0, "scale": 1}]}],
    "input_sequences": [{"name": "tracks", "variables": [{"name": "pt_log", "offset": 0, "scale": 1}]},
                        {"name": "clusters", "variables": [{"name": "et_log", "offset": 0, "scale": 1}]}],
    "nodes": [{"type": "input", "sources": [0], "size": 1}, {"type": "input_sequence", "sources": [0], "size": 1},
              {"type": "input_sequence", "sources": [1], "size": 1}, {"type": "sum", "sources": [1]}, {"type": "sum", "sources": [2]},
              {"type": "concatenate", "sources": [0, 3, 4]}, {"type": "feed_forward", "sources": [5], "layer_index": 0}],
    "layers": [{"architecture": "dense", "weights": [)" +
         std::to_string(wc) + ", " + std::to_string(wt) + ", " + std::to_string(wk) + "], \"bias\": [" + std::to_string(bias) +
         R"(], "activation": "linear"}],
    "outputs": {")" + output + R"(": {"node_index": 6, "labels": ["sig_prob"]}}})";
}

class tau_evaluator : public testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hepnn-tau-unit-" + std::to_string(::getpid()) + "-" +
                                        testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  /// 1P: bias 100, 3P: bias 300; tracks' pt_log weighted 1, clusters' et_log 1000.
  tau::evaluator_options options() {
    tau::evaluator_options o;
    o.network_1p = write("1p.json", network_json(100, 0, 1, 1000));
    o.network_3p = write("3p.json", network_json(300, 0, 1, 1000));
    return o;
  }
  fs::path dir_;
};

tau::track trk(float pt) {
  tau::track t;
  t.pt = pt;
  return t;
}

tau::cluster cls(float et, float deta, float dphi) {
  tau::cluster c;
  c.et = et, c.dEta = deta, c.dPhi = dphi;
  return c;
}

tau::candidate cand(int charged, const std::vector<tau::track>& t, const std::vector<tau::cluster>& c) {
  tau::candidate x;
  x.n_charged_tracks = charged;
  x.centFrac = 0.5f;
  x.tracks = t;
  x.clusters = c;
  return x;
}

TEST_F(tau_evaluator, chooses_the_network_by_charged_tracks) {
  const tau::evaluator64 ev(options());
  workspace ws;
  const std::vector<tau::track> none;
  const std::vector<tau::cluster> no_clusters;
  auto r = ev.evaluate(cand(0, none, no_clusters), ws);
  EXPECT_EQ(r.score, tau::no_score);
  EXPECT_EQ(r.network, -1);
  EXPECT_EQ(ev.evaluate(cand(1, none, no_clusters), ws).score, 100);
  for (int n : {2, 3, 6}) {
    r = ev.evaluate(cand(n, none, no_clusters), ws);
    EXPECT_EQ(r.score, 300) << n;
    EXPECT_EQ(r.network, 3) << n;
  }
  // optional 0P and 2P networks, as later Athena versions have
  auto o = options();
  o.min_charged_tracks = 0;
  o.network_0p = write("0p.json", network_json(0.5, 0, 1, 1000));
  o.network_2p = write("2p.json", network_json(200, 0, 1, 1000));
  const tau::evaluator64 four(o);
  EXPECT_EQ(four.evaluate(cand(0, none, no_clusters), ws).score, 0.5);
  EXPECT_EQ(four.evaluate(cand(2, none, no_clusters), ws).score, 200);
  EXPECT_EQ(four.evaluate(cand(3, none, no_clusters), ws).score, 300);
}

TEST_F(tau_evaluator, keeps_the_hardest_tracks_and_the_nearby_clusters) {
  auto o = options();
  o.max_tracks = 2;
  o.max_clusters = 1;
  const tau::evaluator64 ev(o);
  workspace ws;
  const std::vector<tau::track> t = {trk(1e3f), trk(1e5f), trk(tau::missing), trk(1e4f)};
  // the hardest cluster is outside ΔR < 1; of the others, et 100 beats 10
  const std::vector<tau::cluster> c = {cls(10, 0.1f, 0.1f), cls(1e6f, 0.8f, 0.7f), cls(100, -0.3f, 0.2f)};
  const auto r = ev.evaluate(cand(1, t, c), ws);
  EXPECT_EQ(r.tracks_used, 2u);
  EXPECT_EQ(r.clusters_used, 1u);
  EXPECT_NEAR(r.score, 100 + 5 + 4 + 1000 * 2, 1e-9);
  const auto in = ev.compute_inputs(cand(1, t, c));
  EXPECT_EQ(in.track_order, (std::vector<std::size_t>{1, 3}));
  EXPECT_EQ(in.cluster_order, (std::vector<std::size_t>{2}));
  EXPECT_EQ(in.scalars, (std::vector<double>{0.5}));
}

TEST_F(tau_evaluator, a_value_that_cannot_be_computed_gives_no_score) {
  const tau::evaluator64 ev(options());
  workspace ws;
  const std::vector<tau::track> t = {trk(1e3f)};
  const std::vector<tau::cluster> c;
  auto x = cand(1, t, c);
  x.centFrac = tau::missing;
  const auto r = ev.evaluate(x, ws);
  EXPECT_EQ(r.score, tau::no_score);
  EXPECT_EQ(r.network, 1);
  EXPECT_TRUE(ev.compute_inputs(x).scalars.empty());
}

TEST_F(tau_evaluator, scalar_calculators_clamp_in_float) {
  auto o = options();
  o.network_1p = write("1p.json", network_json(0, 1, 0, 0, "scalar", "etOverPtLeadTrk"));
  const tau::evaluator64 ev(o);
  workspace ws;
  const std::vector<tau::track> t;
  const std::vector<tau::cluster> c;
  auto x = cand(1, t, c);
  x.etOverPtLeadTrk = 0.01f; // clamped to 0.1f, which is 0.100000001490116 in double
  EXPECT_EQ(ev.evaluate(x, ws).score, std::log10(double(0.1f)));
}

TEST_F(tau_evaluator, networks_it_cannot_feed_are_refused_at_load) {
  auto expect_error = [&](const std::string& json, const std::string& fragment) {
    auto o = options();
    o.network_3p = write("bad.json", json);
    try {
      tau::evaluator ev(o);
      ADD_FAILURE() << "accepted: " << fragment;
    } catch (const config_error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("bad.json"), std::string::npos) << e.what();
    }
  };
  expect_error(network_json(0, 1, 1, 1, "jets"), "input 'jets' is not the scalar input the evaluator feeds ('scalar')");
  expect_error(network_json(0, 1, 1, 1, "scalar", "centFraction"), "no calculator for the scalar variable 'centFraction'");
  expect_error(network_json(0, 1, 1, 1, "scalar", "centFrac", "score"), "no output 'rnnid_output' (OutputLayer)");
  auto o = options();
  o.network_3p.clear();
  EXPECT_THROW(tau::evaluator{o}, config_error);
}

TEST_F(tau_evaluator, threads_share_an_evaluator) {
  const tau::evaluator ev(options());
  std::vector<std::vector<tau::track>> tracks;
  std::vector<std::vector<tau::cluster>> clusters;
  for (int i = 0; i < 200; ++i) {
    tracks.emplace_back();
    clusters.emplace_back();
    for (int k = 0; k < i % 12; ++k) tracks.back().push_back(trk(1000.0f + float((i * 7 + k * 13) % 97) * 100));
    for (int k = 0; k < i % 8; ++k) clusters.back().push_back(cls(500.0f + float(k * 31 % 17) * 50, 0.1f * float(k), 0.05f));
  }
  auto run = [&](std::vector<double>& out) {
    workspace ws;
    for (int i = 0; i < 200; ++i) out.push_back(ev.evaluate(cand(1 + i % 4, tracks[i], clusters[i]), ws).score);
  };
  std::vector<double> serial, a, b;
  run(serial);
  std::thread ta([&] { run(a); }), tb([&] { run(b); });
  ta.join();
  tb.join();
  EXPECT_EQ(a, serial);
  EXPECT_EQ(b, serial);
}

} // namespace
} // namespace hepnn::test
