// Issue 4: every case of ../shared/umami reproduces the variables file
// umami's create_lwtnn_vardict.py wrote (JSON values, numbers to 1e-12).
#include "hepnn/errors.hpp"
#include "hepnn/ftag.hpp"
#include "support/shared_data.hpp"

#include <fstream>
#include <sstream>
#include <unistd.h>

namespace hepnn::test {
namespace {

namespace fs = std::filesystem;

fs::path umami() { return shared_dir() / "umami"; }

/// args.txt: umami's own flags, space separated, paths relative to umami/.
ftag::vardict_options options_of(const std::string& args) {
  std::istringstream in(args);
  std::vector<std::string> t;
  for (std::string s; in >> s;) t.push_back(s);
  ftag::vardict_options o;
  for (std::size_t i = 0; i + 1 < t.size(); i += 2) {
    const std::string& k = t[i];
    const std::string& v = t[i + 1];
    if (k == "-s" || k == "--scale_dict") o.scale_dict = umami() / v;
    else if (k == "-v" || k == "--var_dict") o.var_dict = umami() / v;
    else if (k == "-t" || k == "--tagger") o.tagger = v;
    else if (k == "-n" || k == "--sequence_name") o.sequence_name = v;
    else if (k == "--tracks_name") o.tracks_name = v;
    else ADD_FAILURE() << "unexpected flag " << k;
  }
  return o;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

class umami_vardict : public ::testing::TestWithParam<std::string> {};

TEST_P(umami_vardict, reproduces_umamis_variables_file) {
  const auto dir = umami() / "cases" / GetParam();
  const std::string text = ftag::umami_vardict(options_of(slurp(dir / "args.txt")));
  json_file expected(dir / "expected_lwtnn_vars.json");
  simdjson::dom::parser parser;
  detail::json::context ctx("hepnn");
  const detail::json::text padded(text);
  const auto mine = detail::json::parse(parser, padded, ctx);
  std::string where;
  EXPECT_TRUE(json_equal(mine, expected.root(), 1e-12, where)) << "first difference at " << where << "\n" << text;
}

INSTANTIATE_TEST_SUITE_P(cases, umami_vardict, ::testing::ValuesIn(cases_with(umami() / "cases", {"args.txt"})),
                         [](const ::testing::TestParamInfo<std::string>& p) { return test_name(p.param); });

TEST(umami_vardict_all, twenty_cases) { EXPECT_EQ(cases_with(umami() / "cases", {"args.txt"}).size(), 20u); }

TEST(umami_vardict_errors, name_the_variable_and_the_file) {
  auto error_of = [](ftag::vardict_options o) {
    try {
      ftag::umami_vardict(o);
    } catch (const config_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  ftag::vardict_options o = options_of("-s synthetic/scale_dict_R22.json -v configs/Dips_Variables_R22.yaml -t dips "
                                       "-n tracks_r22default_sd0sort --tracks_name tracks");
  auto missing = o;
  missing.scale_dict = umami() / "fixtures/scale_dict.json"; // has no tracks_loose section
  missing.tracks_name = "tracks_loose";
  EXPECT_EQ(error_of(missing), (umami() / "fixtures/scale_dict.json").string() + ": the scale dict has no section 'tracks_loose'");
  auto bad_collection = o;
  bad_collection.tracks_name = "hits";
  EXPECT_EQ(error_of(bad_collection), (umami() / "configs/Dips_Variables_R22.yaml").string() +
                                          ": 'track_train_variables' has no 'hits'");
  auto no_tracks = o;
  no_tracks.tracks_name.clear();
  EXPECT_NE(error_of(no_tracks).find("needs --tracks_name"), std::string::npos);
  auto bad_tagger = o;
  bad_tagger.tagger = "GN2";
  EXPECT_NE(error_of(bad_tagger).find("the name must contain dips, dl1 or umami"), std::string::npos);
  auto dl1 = options_of("-s fixtures/scale_dict.json -v configs/DL1r_Variables_R22.yaml -t DL1r");
  EXPECT_EQ(error_of(dl1), (umami() / "fixtures/scale_dict.json").string() +
                               ": /jets: no entry for the jet variable 'JetFitterSecondaryVertex_maximumTrackRelativeEta'");
}

// Found by fuzz_vardict (fuzz/regressions/fuzz_vardict/): a merge key naming
// the anchor it sits in made yaml-cpp's node graph cyclic, and the YAML tree
// conversion recursed until the stack overflowed; nested aliases could also
// expand a small file exponentially.
TEST(umami_vardict_errors, recursive_and_exploding_aliases_are_refused) {
  const fs::path yaml = fs::temp_directory_path() / ("hepnn-alias-" + std::to_string(::getpid()) + ".yaml");
  auto error_of = [&](const std::string& text) {
    std::ofstream(yaml) << text;
    ftag::vardict_options o = options_of("-s fixtures/scale_dict.json -t DL1r");
    o.var_dict = yaml;
    try {
      ftag::umami_vardict(o);
    } catch (const config_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string cyclic = error_of("train_variables: &jets\n  <<: *jets\n  JetKinematics: [pt_btagJes]\n");
  EXPECT_NE(cyclic.find("levels deep (an alias that refers to itself?)"), std::string::npos) << cyclic;
  // 10^8 scalars from 80 aliases
  std::string laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 8; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    laughs += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
    for (int k = 1; k < 10; ++k) laughs += ", " + prev;
    laughs += "]\n";
  }
  const std::string exploding = error_of(laughs);
  EXPECT_NE(exploding.find("more than 100000 nodes once its aliases are resolved"), std::string::npos) << exploding;
  fs::remove(yaml);
}

} // namespace
} // namespace hepnn::test
