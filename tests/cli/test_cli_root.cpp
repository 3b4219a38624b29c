// hepnn root ls / dump on the shared ROOT files: what a user sees, and the
// errors for a missing tree or branch, an unsupported branch and a bad range.
#include "cli/run_cli.hpp"
#include "support/shared_data.hpp"

#include "hepnn/root.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cstring>

namespace hepnn::test {
namespace {

std::string root_file(const std::string& name) { return (shared_dir() / "root" / "files" / (name + ".root")).string(); }

TEST(RootCli, LsListsTreesBranchesAndUnsupportedTypes) {
  const auto r = hepnn_cli("root ls " + root_file("uproot-HZZ-zstd"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("TTree events;1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2421 entries, 51 branches"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Float_t[NMuon]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("jagged[NMuon]"), std::string::npos) << r.out;
  const auto s = hepnn_cli("root ls " + root_file("uproot-stl_containers"));
  ASSERT_EQ(s.status, 0) << s.err;
  EXPECT_NE(s.out.find("UNSUPPORTED: type 'map<int,short>'"), std::string::npos) << s.out;
  const auto n = hepnn_cli("root ls " + root_file("uproot-nesteddirs"));
  EXPECT_NE(n.out.find("TTree one/two/tree;1"), std::string::npos) << n.out;
}

TEST(RootCli, DumpPrintsJsonWithSeventeenDigits) {
  const auto r = hepnn_cli("root dump " + root_file("uproot-HZZ-lz4") + " events -b NMuon -b Muon_Px -b triggerIsoMu24 --entries 0:2");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("{\"tree\": \"events\", \"entries\": 2, \"branches\": {", 0), 0u) << r.out;
  // entry 0 of Muon_Px in JSROOT's dump: -52.89945602416992 (float32 widened to double)
  EXPECT_NE(r.out.find("\"Muon_Px\": [[-52.899456024169922,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"triggerIsoMu24\": [true,true]"), std::string::npos) << r.out;
  const auto leaf = hepnn_cli("root dump " + root_file("uproot-leaflist") + " tree --entries 0:1");
  ASSERT_EQ(leaf.status, 0) << leaf.err;
  EXPECT_NE(leaf.out.find("\"leaflist\": [{\"x\":1.1000000000000001,\"y\":1,\"z\":97}]"), std::string::npos) << leaf.out;
}

TEST(RootCli, DumpErrorsNameWhatIsWrong) {
  auto r = hepnn_cli("root dump " + root_file("uproot-HZZ") + " nosuchtree");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("no tree 'nosuchtree' (trees: events)"), std::string::npos) << r.err;
  r = hepnn_cli("root dump " + root_file("uproot-HZZ") + " events -b Muon_Pt");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("no branch 'Muon_Pt'"), std::string::npos) << r.err;
  r = hepnn_cli("root dump " + root_file("uproot-stl_containers") + " tree -b set_int32");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("branch 'set_int32' of type 'set<int>' cannot be read"), std::string::npos) << r.err;
  r = hepnn_cli("root dump " + root_file("uproot-HZZ") + " events --entries 5:3");
  EXPECT_EQ(r.status, 2);
  r = hepnn_cli("root dump " + root_file("uproot-HZZ") + " events --entries 0:99999");
  EXPECT_EQ(r.status, 2);
  r = hepnn_cli("root ls /nonexistent.root");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("/nonexistent.root: cannot open"), std::string::npos) << r.err;
}

} // namespace
} // namespace hepnn::test

namespace hepnn::test {
namespace {

/// The zoo's dips_like events as a ROOT tree (one std::vector<double> branch
/// per track variable): `hepnn eval --precision float64` on it reproduces the
/// zoo's float64 reference outputs (within the zoo tests' 1e-10), entry by
/// entry, in a friend tree; an HDF5 table is written too.
class root_eval : public scratch_test {};

TEST_F(root_eval, ScoresAFlatTreeAsTheJsonEvents) {
  const auto dir = shared_dir() / "zoo" / "dips_like";
  json_file events(dir / "inputs.json");
  const std::string seq = "tracks_ip3d_sd0sort";
  std::vector<std::string> vars;
  std::vector<root::column> cols;
  std::size_t n_events = 0;
  const auto all = events.root().at("events").items();
  for (const auto& ev : all) {
    const auto tracks = ev.at("input_sequences").at(seq).items();
    if (vars.empty() && !tracks.empty())
      for (const auto& [k, v] : tracks.front().members()) vars.push_back(k), (void)v;
    ++n_events;
  }
  ASSERT_FALSE(vars.empty());
  for (std::size_t k = 0; k < vars.size(); ++k) {
    root::column c;
    c.type = root::value_type::float64;
    c.depth = 1;
    c.offsets.push_back(0);
    cols.push_back(c);
  }
  for (const auto& ev : all) {
    for (const auto& tr : ev.at("input_sequences").at(seq).items())
      for (std::size_t k = 0; k < vars.size(); ++k) {
        const double v = tr.at(vars[k]).number();
        unsigned char b[8];
        std::memcpy(b, &v, 8);
        cols[k].values.insert(cols[k].values.end(), b, b + 8);
      }
    for (auto& c : cols) c.offsets.push_back(c.size());
  }
  std::vector<root::branch_spec> specs;
  for (const auto& v : vars) specs.push_back({v, root::value_type::float64, true, ""});
  {
    root::tree_writer w(path("tracks.root"), "jets", specs);
    w.append(cols);
    w.close();
  }
  const auto net = (dir / "lwtnn.json").string();
  auto r = hepnn_cli("eval " + net + " " + path("tracks.root") + " --precision float64 -o " + path("scores.root"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("scores: 3 columns"), std::string::npos) << r.err;
  r = hepnn_cli("eval " + net + " " + path("tracks.root") + " -o " + path("scores.h5"));
  ASSERT_EQ(r.status, 0) << r.err;
  json_file ref(dir / "outputs.json");
  const root::file f(path("scores.root"));
  const root::tree t = f.open_tree("scores");
  ASSERT_EQ(std::size_t(t.info().entries), n_events);
  for (const char* label : {"pu", "pc", "pb"}) {
    const auto got = t.read(std::string("dense_6_") + label, 0, t.info().entries);
    std::size_t e = 0;
    for (const auto& ev : ref.root().at("events").items()) {
      const double want = ev.at("outputs").at("dense_6").at(label).number();
      EXPECT_EQ(got.columns[0].type, root::value_type::float64);
      EXPECT_NEAR(got.columns[0].as_double(e), want, 1e-10) << label << " " << e;
      ++e;
    }
  }
  // a variable without a branch is named
  root::tree_writer w(path("short.root"), "jets", {specs.front()});
  w.append({cols.front()});
  w.close();
  r = hepnn_cli("eval " + net + " " + path("short.root") + " -o " + path("x.root"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("has no branch '" + vars[1] + "'"), std::string::npos) << r.err;
}

} // namespace
} // namespace hepnn::test
