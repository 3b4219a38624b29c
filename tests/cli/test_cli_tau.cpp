// The tau-ID path on the command line: varspec → convert → tauid on the
// shared candidates, and what a user sees when an input is wrong.
#include "cli/run_cli.hpp"
#include "support/h5_tables.hpp"
#include "support/shared_data.hpp"

#include "hepnn/ftag.hpp"

#include "formats/hdf5_file.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace hepnn::test {
namespace {

namespace fs = std::filesystem;

fs::path tau_dir() { return shared_dir() / "tau"; }
std::string candidates() { return (tau_dir() / "tau_candidates.h5").string(); }

class tau_cli : public scratch_test {
protected:
  /// varspec + convert of one prong; returns the network file.
  std::string network(const std::string& prong) {
    const std::string src = (tau_dir() / ("tau_" + prong)).string();
    auto r = hepnn_cli("varspec --preproc " + src + "/preproc.h5 --model " + src + "/model.h5 -o " + path("vars_" + prong + ".json"));
    EXPECT_EQ(r.status, 0) << r.err;
    r = hepnn_cli("convert " + src + "/model.h5 --variables " + path("vars_" + prong + ".json") + " -o " + path(prong + ".json"));
    EXPECT_EQ(r.status, 0) << r.err;
    return path(prong + ".json");
  }
  std::string tauid(const std::string& input, const std::string& output, const std::string& extra = "") {
    return "tauid --net-1p " + network("1p") + " --net-3p " + network("3p") + " " + input + " -o " + output + " " + extra;
  }
  void expect_scores_match(const std::string& scores) {
    const auto got = ftag::read_jet_columns(scores, "TauJets", {"RNNJetScore", "network"});
    const auto f = detail::h5::file::open((tau_dir() / "tau_reference.h5").string());
    const auto ref = f.root().read("RNNJetScore");
    ASSERT_EQ(got[0].size(), ref.size());
    double worst = 0;
    std::size_t unscored = 0;
    for (std::size_t i = 0; i < ref.size(); ++i) {
      if (ref[i] == -1111) {
        EXPECT_EQ(got[0][i], -1111) << i;
        EXPECT_EQ(got[1][i], -1) << i;
        ++unscored;
      } else {
        worst = std::max(worst, std::fabs(got[0][i] - ref[i]));
      }
    }
    EXPECT_EQ(unscored, 28u);
    EXPECT_LE(worst, 1e-5);
  }
};

// Pipes as the rnn-tauid README chains its scripts: '-' is standard input
// and output; a FIFO or a symlink to one is written into, never replaced;
// a binary output refuses it.
TEST_F(tau_cli, varspec_convert_and_inspect_chain_through_pipes_and_fifos) {
  const std::string src = (tau_dir() / "tau_1p").string(), cli = HEPNN_CLI;
  auto r = hepnn_cli("varspec --preproc " + src + "/preproc.h5 --model " + src + "/model.h5 | " + cli + " convert " + src +
                     "/model.h5 --variables - -o - | " + cli + " inspect -");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("network: standard input", 0), 0u) << r.out;
  const auto direct = hepnn_cli("inspect " + network("1p"));
  ASSERT_EQ(direct.status, 0) << direct.err;
  auto body = [](const std::string& t) { return t.substr(t.find('\n'), t.find("kernels:") - t.find('\n')); }; // not the timing
  EXPECT_EQ(body(r.out), body(direct.out)); // the same network
  // fill-lwtnn-varspec.py's form: PREPROC first, the template from -i (or standard input)
  r = hepnn_cli("convert " + src + "/model.h5 -o " + path("template.json"));
  ASSERT_EQ(r.status, 0) << r.err;
  r = hepnn_cli("varspec " + src + "/preproc.h5 -i " + path("template.json") + " --outfile " + path("filled.json"));
  ASSERT_EQ(r.status, 0) << r.err;
  r = hepnn_cli("varspec " + src + "/preproc.h5 < " + path("template.json"));
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream f1(path("filled.json"));
  const std::string t1((std::istreambuf_iterator<char>(f1)), {});
  EXPECT_EQ(t1, r.out);
  EXPECT_NE(t1.find("centFrac"), std::string::npos);
  // a FIFO, and a symlink to it (as /dev/stdout is), stay what they are
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  fs::create_symlink(path("fifo"), path("link"));
  for (const char* target : {"fifo", "link"}) {
    r = run_program("sh", "-c '" + cli + " convert " + src + "/model.h5 --variables " + path("vars_1p.json") + " -o " + path(target) +
                              " & cat " + path("fifo") + " > " + path("out.json") + "; wait'");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(fs::is_fifo(fs::symlink_status(path("fifo")))) << target;
    EXPECT_EQ(hepnn_cli("inspect " + path("out.json")).status, 0) << target;
  }
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(path("link"))));
  // HDF5 needs a regular file: refused before anything is read
  r = hepnn_cli("tauid --net-1p " + network("1p") + " --net-3p " + network("1p") + " " + candidates() + " -o -");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("standard output: not a regular file"), std::string::npos) << r.err;
}

TEST_F(tau_cli, varspec_convert_tauid_reproduce_every_reference_score) {
  const auto r = hepnn_cli(tauid(candidates(), path("scores.h5")));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("472 of 500 candidates scored (0P 0, 1P 216, 2P 0, 3P 256)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("candidates/s"), std::string::npos) << r.err;
  expect_scores_match(path("scores.h5"));
}

TEST_F(tau_cli, a_file_family_as_ntuple2hdf_writes_it_is_read) {
  copy_to_family(candidates(), path("cands_%d.h5"), 64 * 1024);
  ASSERT_TRUE(fs::exists(path("cands_1.h5"))) << "the copy should span several members";
  // on two threads, in chunks that straddle the stored ones
  const auto r = hepnn_cli(tauid(path("cands_%d.h5"), path("scores.h5"), "--threads 2 --chunk 7"));
  ASSERT_EQ(r.status, 0) << r.err;
  expect_scores_match(path("scores.h5"));
}

TEST_F(tau_cli, varspec_fills_a_template_as_it_fills_the_model) {
  const std::string src = (tau_dir() / "tau_3p").string();
  ASSERT_EQ(hepnn_cli("convert " + src + "/model.h5 -o " + path("template.json")).status, 0);
  ASSERT_EQ(hepnn_cli("varspec --preproc " + src + "/preproc.h5 " + path("template.json") + " -o " + path("a.json")).status, 0);
  ASSERT_EQ(hepnn_cli("varspec --preproc " + src + "/preproc.h5 --model " + src + "/model.h5 -o " + path("b.json")).status, 0);
  std::ifstream a(path("a.json")), b(path("b.json"));
  const std::string ta((std::istreambuf_iterator<char>(a)), {}), tb((std::istreambuf_iterator<char>(b)), {});
  EXPECT_EQ(ta, tb);
  EXPECT_NE(ta.find("\"name\": \"rnnid_output\""), std::string::npos);
  EXPECT_NE(ta.find("\"sig_prob\""), std::string::npos);
  EXPECT_NE(ta.find("\"name\": \"massTrkSys\""), std::string::npos);
}

TEST_F(tau_cli, a_preproc_file_that_does_not_match_the_model_is_refused) {
  const auto r = hepnn_cli("varspec --preproc " + (tau_dir() / "tau_3p" / "preproc.h5").string() + " --model " +
                           (tau_dir() / "tau_1p" / "model.h5").string() + " -o " + path("vars.json"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("/jet_preproc has 10 variables, but the network's scalar input takes 9"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("vars.json")));
}

TEST_F(tau_cli, a_missing_candidate_field_is_named_and_nothing_is_written) {
  // three candidates without TauJets/centFrac
  write_dataset(path("few.h5"), "TauJets/nTracks", {3}, {1, 3, 0}, true);
  const auto r = hepnn_cli(tauid(path("few.h5"), path("scores.h5")));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("few.h5: /TauJets/centFrac: no such dataset (needed for the networks' input 'centFrac')"), std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(path("scores.h5")));
  for (const auto& e : fs::directory_iterator(dir_)) EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos);
}

TEST_F(tau_cli, a_network_without_the_expected_inputs_is_refused) {
  std::ifstream in(network("1p"));
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const auto at = text.find("\"name\": \"scalar\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 16, "\"name\": \"jets\"");
  std::ofstream(path("renamed.json")) << text;
  const auto r = hepnn_cli("tauid --net-1p " + path("renamed.json") + " --net-3p " + network("3p") + " " + candidates() + " -o " +
                           path("scores.h5"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("renamed.json: input 'jets' is not the scalar input the evaluator feeds ('scalar')"), std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(path("scores.h5")));
}

TEST_F(tau_cli, a_truncated_candidate_file_keeps_the_old_scores) {
  write_truncated_copy(candidates(), path("cut.h5"), 1.0 / 3);
  std::ofstream(path("scores.h5")) << "earlier";
  const auto r = hepnn_cli(tauid(path("cut.h5"), path("scores.h5")));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("cut.h5"), std::string::npos) << r.err;
  std::ifstream kept(path("scores.h5"));
  std::string text;
  std::getline(kept, text);
  EXPECT_EQ(text, "earlier");
}

TEST_F(tau_cli, cluster_datasets_with_different_slot_counts_are_refused) {
  // dPhi is read last (it once set the slot count of every cluster field), et first
  for (const std::string narrow : {"dPhi", "et"}) {
    fs::copy_file(candidates(), path("odd.h5"), fs::copy_options::overwrite_existing);
    write_dataset(path("odd.h5"), "TauClusters/" + narrow, {500, 3}, std::vector<double>(1500, 1.0), false);
    const auto r = hepnn_cli(tauid(path("odd.h5"), path("scores.h5")));
    EXPECT_EQ(r.status, 2) << narrow << ": " << r.err;
    EXPECT_NE(r.err.find("odd.h5: /TauClusters/"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("cluster slots per candidate, but /TauClusters/"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("/TauClusters/" + narrow), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(path("scores.h5")));
  }
}

TEST_F(tau_cli, an_output_varname_equal_to_another_column_is_refused) {
  const auto r = hepnn_cli(tauid(candidates(), path("scores.h5"), "--output-varname n_tracks_used"));
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("scores.h5: /TauJets: column 'n_tracks_used' would be written twice, by the score (--output-varname) and "
                       "by the tracks fed"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(path("scores.h5")));
}

TEST_F(tau_cli, an_output_that_is_the_candidate_file_is_refused) {
  fs::copy_file(candidates(), path("cands.h5"));
  const auto r = hepnn_cli(tauid(path("cands.h5"), path("cands.h5")));
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("cands.h5: the output is the same file as the candidate file"), std::string::npos) << r.err;
  EXPECT_EQ(fs::file_size(path("cands.h5")), fs::file_size(candidates()));
  copy_to_family(candidates(), path("fam_%d.h5"), 64 * 1024);
  const auto f = hepnn_cli(tauid(path("fam_%d.h5"), path("fam_1.h5")));
  EXPECT_NE(f.err.find("fam_1.h5: the output is the same file as the candidate file"), std::string::npos) << f.err;
}

TEST_F(tau_cli, usage_mistakes_exit_2) {
  EXPECT_EQ(hepnn_cli("tauid " + candidates() + " -o x.h5").status, 2);
  EXPECT_EQ(hepnn_cli("varspec --model m.h5").status, 2);
  EXPECT_EQ(hepnn_cli("varspec --preproc p.h5 --model m.h5 t.json").status, 2);
}

} // namespace
} // namespace hepnn::test
