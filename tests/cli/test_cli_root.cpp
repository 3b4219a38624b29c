// hepnn root ls / dump on the shared ROOT files: what a user sees, and the
// errors for a missing tree or branch, an unsupported branch and a bad range.
#include "cli/run_cli.hpp"
#include "support/shared_data.hpp"

#include <gtest/gtest.h>

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
