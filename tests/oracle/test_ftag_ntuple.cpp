// The ftag sample ntuple (../shared/ftag): every reference score field is
// reproduced by converting the zoo model with the sample's variable specs
// and scoring the ntuple with Athena's input preparation, with and without
// track selection. Track counts per jet must match the sample's counters.
#include "support/shared_data.hpp"

#include "hepnn/errors.hpp"
#include "hepnn/ftag.hpp"
#include "hepnn/keras.hpp"
#include "hepnn/variables.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace hepnn::test {
namespace {

std::filesystem::path ftag_dir() { return shared_dir() / "ftag"; }
std::filesystem::path sample() { return ftag_dir() / "sample_ttbar.h5"; }

/// The zoo model converted with the sample's spec (converted once).
std::shared_ptr<const model> zoo_network(const std::string& name) {
  static std::map<std::string, std::shared_ptr<const model>> cache;
  auto& m = cache[name];
  if (!m) {
    const variables_spec spec = read_variables(ftag_dir() / "specs" / (name + ".variables.json"));
    m = std::make_shared<const model>(convert_keras(shared_dir() / "zoo" / name / "model.h5", {}, &spec).network);
  }
  return m;
}

enum class tracks_mode { none, stored, r22default_sd0, from_name };

struct ftag_case {
  std::string model, reference, output, counter;
  tracks_mode mode;
};

void PrintTo(const ftag_case& c, std::ostream* os) { *os << c.model << " vs " << c.reference; }

std::string case_name(const testing::TestParamInfo<ftag_case>& info) { return test_name(info.param.reference); }

class ftag_sample : public testing::TestWithParam<ftag_case> {};

ftag::score_options options_for(const ftag_case& c, bool float64) {
  ftag::score_options o;
  o.network_model = zoo_network(c.model);
  o.input = sample();
  o.float64 = float64;
  o.chunk = 300; // several chunks, the last one partial
  if (c.mode == tracks_mode::stored) o.tagger.select_tracks = false;
  if (c.mode == tracks_mode::r22default_sd0) {
    o.tagger.selection = ftag::track_selection::r22default;
    o.tagger.sort = ftag::track_sort::sd0;
  }
  return o;
}

TEST_P(ftag_sample, reproduces_the_reference_scores) {
  const ftag_case& c = GetParam();
  const std::vector<std::string> labels = {"pu", "pc", "pb"};
  std::vector<std::string> ref_fields;
  for (const auto& l : labels) ref_fields.push_back(c.reference + "_" + l);
  const auto reference = ftag::read_jet_columns(sample(), "jets", ref_fields);
  ASSERT_EQ(reference[0].size(), 2000u);

  for (const bool float64 : {false, true}) {
    SCOPED_TRACE(float64 ? "float64" : "float32");
    const auto jets = ftag::score_jets(options_for(c, float64));
    ASSERT_EQ(jets.n_tracks.size(), 2000u);
    const std::size_t k = jets.score_names.size();
    double worst = 0;
    std::size_t above = 0, compared = 0;
    for (std::size_t li = 0; li < labels.size(); ++li) {
      std::size_t col = k;
      for (std::size_t i = 0; i < k; ++i)
        if (jets.score_names[i] == c.output + "_" + labels[li]) col = i;
      ASSERT_LT(col, k) << "no score " << c.output << "_" << labels[li];
      for (std::size_t j = 0; j < 2000; ++j) {
        const double d = std::fabs(jets.scores[j * k + col] - reference[li][j]);
        ASSERT_FALSE(std::isnan(d)) << "jet " << j;
        worst = std::max(worst, d);
        above += d > 1e-5;
        ++compared;
      }
    }
    EXPECT_EQ(compared, 6000u);
    EXPECT_EQ(above, 0u) << "max |diff| " << worst;
    EXPECT_LE(worst, float64 ? 1e-12 : 1e-5);

    if (c.mode == tracks_mode::none) {
      for (int n : jets.n_tracks) EXPECT_EQ(n, -1);
    } else {
      const auto counts = ftag::read_jet_columns(sample(), "jets", {c.counter})[0];
      std::size_t mismatched = 0;
      for (std::size_t j = 0; j < 2000; ++j) mismatched += jets.n_tracks[j] != static_cast<int>(counts[j]);
      EXPECT_EQ(mismatched, 0u) << "jets whose track count differs from " << c.counter;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    shared, ftag_sample,
    testing::Values(ftag_case{"dl1_like_functional", "DL1r", "DL1r", "", tracks_mode::none},
                    ftag_case{"dips_like", "dips", "dense_6", "n_tracks", tracks_mode::stored},
                    ftag_case{"umami_like", "umami", "umami", "n_tracks", tracks_mode::stored},
                    ftag_case{"umami_like", "dips_umami", "dips", "n_tracks", tracks_mode::stored},
                    ftag_case{"dips_like", "dips_r22default", "dense_6", "n_tracks_r22default", tracks_mode::r22default_sd0},
                    ftag_case{"umami_like", "umami_r22default", "umami", "n_tracks_r22default", tracks_mode::r22default_sd0},
                    ftag_case{"umami_like", "dips_umami_r22default", "dips", "n_tracks_r22default", tracks_mode::r22default_sd0},
                    ftag_case{"dips_like", "dips_ip3d", "dense_6", "n_tracks_ip3d", tracks_mode::from_name},
                    ftag_case{"umami_like", "umami_loose202102NoIpCuts", "umami", "n_tracks_loose202102NoIpCuts",
                              tracks_mode::from_name},
                    ftag_case{"umami_like", "dips_umami_loose202102NoIpCuts", "dips", "n_tracks_loose202102NoIpCuts",
                              tracks_mode::from_name}),
    case_name);

TEST(ftag_sample_tagger, reports_what_it_does_with_the_tracks) {
  auto o = options_for({"dips_like", "", "", "", tracks_mode::from_name}, false);
  EXPECT_EQ(ftag::score_jets(o).track_handling,
            "ip3d selection, sd0sort order (from the input name 'tracks_ip3d_sd0sort')");
  o.tagger.select_tracks = false;
  EXPECT_NE(ftag::score_jets(o).track_handling.find("stored order"), std::string::npos);
}

TEST(ftag_sample_tagger, the_unmodified_zoo_spec_names_the_variable_without_default) {
  // the sample's README: the zoo's own DL1 spec has no default for JetFitter_deltaR & co.
  const variables_spec spec = read_variables(shared_dir() / "zoo" / "dl1_like_functional" / "variables.json");
  ftag::score_options o;
  o.network_model = std::make_shared<const model>(
      convert_keras(shared_dir() / "zoo" / "dl1_like_functional" / "model.h5", {}, &spec).network);
  o.input = sample();
  try {
    ftag::score_jets(o);
    FAIL() << "NaN inputs without a default were accepted";
  } catch (const input_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("NaN"), std::string::npos) << what;
    EXPECT_TRUE(what.find("JetFitter") != std::string::npos || what.find("SV1") != std::string::npos ||
                what.find("IP2D") != std::string::npos || what.find("IP3D") != std::string::npos)
        << what;
  }
}

} // namespace
} // namespace hepnn::test
