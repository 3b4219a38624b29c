// Hostile or inconsistent input files on the command line: each is refused
// with a message naming the file and what is wrong in it, and nothing is written.
#include "cli/run_cli.hpp"
#include "support/h5_tables.hpp"
#include "support/shared_data.hpp"

#include "hepnn/ftag.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace hepnn::test {
namespace {

namespace fs = std::filesystem;

using hostile_cli = scratch_test;

/// A network of two jet inputs passed through, with a track sequence of no variables.
const char* const no_track_variables = R"({"inputs": [{"name": "b-tagging", "variables": [
    {"name": "pt_btagJes", "offset": 0, "scale": 1}, {"name": "absEta_btagJes", "offset": 0, "scale": 1}]}],
  "input_sequences": [{"name": "tracks", "variables": []}], "nodes": [{"type": "input", "sources": [0], "size": 2}],
  "outputs": {"kin": {"node_index": 0, "labels": ["pt", "eta"]}}, "layers": []})";

TEST_F(hostile_cli, a_track_sequence_without_variables_scores_and_counts_tracks) {
  std::ofstream(path("net.json")) << no_track_variables;
  write_table(path("n.h5"), "jets", 2, 1, {{"pt_btagJes", "f4", {5e4, 6e4}}, {"absEta_btagJes", "f4", {1, 2}}}, true);
  write_table(path("n.h5"), "tracks", 2, 3, {{"valid", "bool", {1, 1, 0, 1, 0, 0}}}, false);
  const auto r = hepnn_cli("eval " + path("net.json") + " " + path("n.h5") + " -o " + path("s.h5") + " --no-track-selection");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto s = ftag::read_score_file(path("s.h5"));
  EXPECT_EQ(s.n_tracks, (std::vector<int>{2, 1}));
  ASSERT_EQ(s.columns.size(), 2u);
  EXPECT_EQ(s.columns[0], (std::vector<double>{5e4, 6e4}));
}

} // namespace
} // namespace hepnn::test
