// The tagger's input preparation, checked through a network without layers
// whose outputs are its inputs: the jet node as given, the track sequence
// summed over steps, and the sequence's last step (which shows the order).
#include "hepnn/errors.hpp"
#include "hepnn/ftag.hpp"
#include "hepnn/io.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

namespace hepnn::test {
namespace {

const char* const passthrough = R"({
  "inputs": [{"name": "b-tagging", "variables": [
      {"name": "pt", "offset": 0, "scale": 1}, {"name": "abs_eta", "offset": 0, "scale": 1},
      {"name": "JetFitter_mass", "offset": 0, "scale": 1, "default": -7}]}],
  "input_sequences": [{"name": "tracks_r22default_sd0sort", "variables": [
      {"name": "log_ptfrac", "offset": 0, "scale": 1}, {"name": "log_dr_nansafe", "offset": 0, "scale": 1},
      {"name": "IP3D_signed_d0_significance", "offset": 0, "scale": 1}]}],
  "nodes": [{"type": "input", "sources": [0], "size": 3},
            {"type": "input_sequence", "sources": [0], "size": 3},
            {"type": "sum", "sources": [1]}],
  "outputs": {"jet": {"node_index": 0, "labels": ["pt", "abs_eta", "jfm"]},
              "tracks": {"node_index": 2, "labels": ["lptf", "ldr", "sd0"]},
              "last": {"node_index": 1, "labels": ["lptf", "ldr", "sd0"]}},
  "layers": []
})";

const std::vector<std::string> jet_fields = {"pt_btagJes", "eta_btagJes", "JetFitter_mass", "JetFitter_isDefaults"};
const std::vector<std::string> track_fields = {"pt", "eta", "deta", "dphi", "d0", "z0SinTheta", "IP3D_signed_d0_significance",
                                               "numberOfPixelHits", "numberOfPixelDeadSensors", "numberOfSCTHits",
                                               "numberOfSCTDeadSensors", "numberOfPixelSharedHits", "numberOfSCTSharedHits",
                                               "numberOfPixelHoles", "numberOfSCTHoles"};

ftag::tagger_options available() {
  ftag::tagger_options o;
  o.jet_fields_available = jet_fields;
  o.track_fields_available = track_fields;
  return o;
}

/// One track as the tagger's track_fields() order wants it.
struct track {
  double pt, eta, deta, dphi, d0, z0, sd0;
  double pix = 4, pix_dead = 0, sct = 8, sct_dead = 0, pix_shared = 0, sct_shared = 0, pix_holes = 0, sct_holes = 0;
};

std::vector<double> rows(const ftag::tagger64& t, const std::vector<track>& tracks) {
  std::vector<double> out;
  for (const auto& tr : tracks)
    for (const auto& f : t.track_fields()) {
      const std::map<std::string, double> v = {
          {"pt", tr.pt}, {"eta", tr.eta}, {"deta", tr.deta}, {"dphi", tr.dphi}, {"d0", tr.d0}, {"z0SinTheta", tr.z0},
          {"IP3D_signed_d0_significance", tr.sd0}, {"numberOfPixelHits", tr.pix}, {"numberOfPixelDeadSensors", tr.pix_dead},
          {"numberOfSCTHits", tr.sct}, {"numberOfSCTDeadSensors", tr.sct_dead}, {"numberOfPixelSharedHits", tr.pix_shared},
          {"numberOfSCTSharedHits", tr.sct_shared}, {"numberOfPixelHoles", tr.pix_holes}, {"numberOfSCTHoles", tr.sct_holes}};
      out.push_back(v.at(f));
    }
  return out;
}

std::vector<double> jet(const ftag::tagger64& t, double pt, double eta, double jf_mass, double jf_defaults) {
  std::vector<double> out;
  for (const auto& f : t.jet_fields())
    out.push_back(f == "pt_btagJes" ? pt : f == "eta_btagJes" ? eta : f == "JetFitter_mass" ? jf_mass : jf_defaults);
  return out;
}

std::size_t at(const ftag::tagger64& t, const std::string& name) {
  const auto& n = t.score_names();
  const auto it = std::find(n.begin(), n.end(), name);
  EXPECT_NE(it, n.end()) << name;
  return static_cast<std::size_t>(it - n.begin());
}

TEST(ftag_tagger, resolves_athena_names_against_the_ntuple_fields) {
  const ftag::tagger64 t(parse_network(passthrough), available());
  // pt and abs_eta come from the btagJes fields; the flag joins JetFitter_mass
  EXPECT_EQ(t.jet_fields(), (std::vector<std::string>{"pt_btagJes", "eta_btagJes", "JetFitter_mass", "JetFitter_isDefaults"}));
  EXPECT_EQ(t.track_handling(), "r22default selection, sd0sort order (from the input name 'tracks_r22default_sd0sort')");
  EXPECT_EQ(t.score_names().size(), 9u);
}

TEST(ftag_tagger, computes_athenas_derived_inputs) {
  const ftag::tagger64 t(parse_network(passthrough), available());
  workspace ws;
  const std::vector<track> trk = {{2000, 0.6, 0.1, 0.05, 0.1, 0.2, 3.0}};
  std::vector<double> s(t.score_names().size());
  t.evaluate(jet(t, 50000, -0.5, 1234, 0), rows(t, trk), 1, s, ws);
  EXPECT_EQ(s[at(t, "jet_pt")], 50000);
  EXPECT_EQ(s[at(t, "jet_abs_eta")], 0.5);
  EXPECT_EQ(s[at(t, "jet_jfm")], 1234);
  EXPECT_DOUBLE_EQ(s[at(t, "tracks_lptf")], std::log(2000.0 / 50000.0));
  EXPECT_DOUBLE_EQ(s[at(t, "tracks_ldr")], std::log(std::hypot(0.1, 0.05) + 1e-7));
  EXPECT_EQ(s[at(t, "tracks_sd0")], 3.0);
  EXPECT_EQ(t.tracks_used(0, ws), 1u);
}

TEST(ftag_tagger, a_set_defaults_flag_makes_the_group_take_its_default) {
  const ftag::tagger64 t(parse_network(passthrough), available());
  workspace ws;
  std::vector<double> s(t.score_names().size());
  t.evaluate(jet(t, 50000, 0.5, 1234, 1), {}, 0, s, ws);
  EXPECT_EQ(s[at(t, "jet_jfm")], -7); // flag set → NaN → the file's default
  EXPECT_EQ(s[at(t, "tracks_sd0")], 0); // no tracks: an empty sum
  EXPECT_EQ(t.tracks_used(0, ws), 0u);
}

TEST(ftag_tagger, selects_and_orders_tracks_as_the_sequence_name_says) {
  const ftag::tagger64 t(parse_network(passthrough), available());
  workspace ws;
  track low_pt{400, 0.5, 0.1, 0.1, 0.1, 0.1, 9.0};        // pt <= 500
  track far{3000, 2.7, 0.1, 0.1, 0.1, 0.1, 8.0};          // |eta| > 2.5
  track big_d0{3000, 0.5, 0.1, 0.1, 3.6, 0.1, 7.0};       // |d0| >= 3.5
  track shared{3000, 0.5, 0.1, 0.1, 0.1, 0.1, 6.0};       // 1 + 3/2 = 2 shared modules (integer division)
  shared.pix_shared = 1, shared.sct_shared = 3;
  track shared_ok{3000, 0.5, 0.1, 0.1, 0.1, 0.1, -2.0};   // 0 + 3/2 = 1: kept
  shared_ok.sct_shared = 3;
  track few_hits{3000, 0.5, 0.1, 0.1, 0.1, 0.1, 5.0};     // Si = 7 < 8
  few_hits.pix = 3, few_hits.sct = 4;
  track good_a{3000, 0.5, 0.1, 0.1, 0.1, 0.1, 1.0}, good_b{3000, 0.5, 0.1, 0.1, 0.1, 0.1, 4.0};
  const std::vector<track> trk = {low_pt, good_a, far, shared_ok, big_d0, shared, few_hits, good_b};
  std::vector<double> s(t.score_names().size());
  t.evaluate(jet(t, 50000, 0.5, 1, 0), rows(t, trk), trk.size(), s, ws);
  EXPECT_EQ(t.tracks_used(0, ws), 3u);
  EXPECT_EQ(s[at(t, "tracks_sd0")], 1.0 + 4.0 - 2.0);
  EXPECT_EQ(s[at(t, "last_sd0")], -2.0); // descending signed sd0: the negative one comes last

  // switched off: every track, stored order
  auto o = available();
  o.select_tracks = false;
  const ftag::tagger64 all(parse_network(passthrough), o);
  all.evaluate(jet(all, 50000, 0.5, 1, 0), rows(all, trk), trk.size(), s, ws);
  EXPECT_EQ(all.tracks_used(0, ws), trk.size());
  EXPECT_EQ(s[at(all, "last_sd0")], 4.0);
}

TEST(ftag_tagger, batch_and_single_jets_agree_and_threads_share_a_tagger) {
  const ftag::tagger t(parse_network(passthrough), available());
  // 50 jets with 0..9 tracks each
  std::vector<double> jets, tracks;
  std::vector<std::size_t> offsets = {0};
  for (int j = 0; j < 50; ++j) {
    for (const auto& f : t.jet_fields())
      jets.push_back(f == "pt_btagJes" ? 30000 + 1000 * j : f == "eta_btagJes" ? -1 + 0.04 * j : f == "JetFitter_mass" ? j : 0);
    for (int k = 0; k < j % 10; ++k) {
      for (const auto& f : t.track_fields())
        tracks.push_back(f == "pt" ? 1000 + 100 * k : f == "IP3D_signed_d0_significance" ? std::sin(j * 10 + k) * 5
                         : f == "numberOfPixelHits" ? 4 : f == "numberOfSCTHits" ? 8 : f == "eta" ? 0.3 : 0.01 * (k + 1));
    }
    offsets.push_back(tracks.size() / t.track_fields().size());
  }
  const std::size_t k = t.score_names().size(), nt = t.track_fields().size(), nj = t.jet_fields().size();
  std::vector<float> batch(50 * k);
  workspace ws;
  t.evaluate_batch(50, jets, tracks, offsets, batch, ws);
  for (std::size_t j = 0; j < 50; ++j) {
    std::vector<float> one(k);
    t.evaluate(std::span(jets).subspan(j * nj, nj), std::span(tracks).subspan(offsets[j] * nt, (offsets[j + 1] - offsets[j]) * nt),
               offsets[j + 1] - offsets[j], one, ws);
    for (std::size_t c = 0; c < k; ++c) EXPECT_FLOAT_EQ(one[c], batch[j * k + c]) << "jet " << j << " " << t.score_names()[c];
  }
  std::vector<std::vector<float>> results(2, std::vector<float>(50 * k));
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&, i] {
      workspace mine;
      for (int rep = 0; rep < 50; ++rep) t.evaluate_batch(50, jets, tracks, offsets, results[static_cast<std::size_t>(i)], mine);
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(results[0], batch);
  EXPECT_EQ(results[1], batch);
}

TEST(ftag_tagger, an_input_the_ntuple_lacks_is_named) {
  auto o = available();
  o.track_fields_available = {"pt", "eta", "deta", "dphi"}; // no IP3D_signed_d0_significance
  try {
    ftag::tagger64 t(parse_network(passthrough), o);
    FAIL() << "accepted a network input with no field";
  } catch (const config_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("IP3D_signed_d0_significance"), std::string::npos) << what;
    EXPECT_NE(what.find("tracks_r22default_sd0sort"), std::string::npos) << what;
  }
}

TEST(ftag_tagger, a_selection_without_its_fields_is_reported_not_applied) {
  auto o = available();
  o.track_fields_available = {"pt", "eta", "deta", "dphi", "IP3D_signed_d0_significance"};
  const ftag::tagger64 t(parse_network(passthrough), o);
  EXPECT_NE(t.track_handling().find("r22default selection not applied: no track field d0"), std::string::npos)
      << t.track_handling();
}

} // namespace
} // namespace hepnn::test
