// The flavour-tagging path on the command line: vardict → convert → eval →
// check, on the shared sample ntuple and on the project's own example, and
// what a user sees when an input is wrong.
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

/// A scratch directory per test, removed afterwards.
class ftag_cli : public scratch_test {
protected:
  /// The zoo model converted with the sample's spec.
  std::string network(const std::string& model) {
    const std::string out = path(model + ".json");
    if (!fs::exists(out)) {
      const auto r = hepnn_cli("convert " + (shared_dir() / "zoo" / model / "model.h5").string() + " --variables " +
                               (shared_dir() / "ftag" / "specs" / (model + ".variables.json")).string() + " -o " + out);
      EXPECT_EQ(r.status, 0) << r.err;
    }
    return out;
  }
  /// Nothing but `keep` in the scratch directory: no partial or temporary output.
  void expect_only(const std::vector<std::string>& keep) {
    for (const auto& e : fs::directory_iterator(dir_)) {
      const std::string n = e.path().filename().string();
      EXPECT_NE(std::find(keep.begin(), keep.end(), n), keep.end()) << "left behind: " << n;
    }
  }
};

std::string sample() { return (shared_dir() / "ftag" / "sample_ttbar.h5").string(); }

TEST_F(ftag_cli, eval_then_check_reproduces_the_r22default_reference) {
  const auto net = network("dips_like");
  auto r = hepnn_cli("eval " + net + " " + sample() + " -o " + path("scores.h5") + " --selection r22default --sort sd0sort --threads 2 --chunk 7");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("r22default selection, sd0sort order (chosen explicitly)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("scored 2000 jets"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("jets/s"), std::string::npos) << r.err;
  r = hepnn_cli("check " + sample() + " --scores " + path("scores.h5") + " --reference dips_r22default --ntracks-max 100");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Differences off 1.0e-06 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0 of 2000 jets above the tolerance 1e-05"), std::string::npos) << r.out;
}

TEST_F(ftag_cli, check_evaluates_every_reference_of_the_sample) {
  struct c {
    std::string model, reference, options;
  };
  for (const auto& k : {c{"dl1_like_functional", "DL1r", ""}, c{"dips_like", "dips", "--no-track-selection"},
                        c{"dips_like", "dips_ip3d", ""}, c{"umami_like", "umami", "--no-track-selection"},
                        c{"umami_like", "dips_umami", "--no-track-selection"}, c{"umami_like", "umami_r22default", "--selection r22default --sort sd0sort"},
                        c{"umami_like", "dips_umami_r22default", "--selection r22default --sort sd0sort"},
                        c{"umami_like", "umami_loose202102NoIpCuts", ""}, c{"umami_like", "dips_umami_loose202102NoIpCuts", ""}}) {
    const auto r = hepnn_cli("check " + network(k.model) + " " + sample() + " --reference " + k.reference + " " + k.options);
    EXPECT_EQ(r.status, 0) << k.reference << "\n" << r.out << r.err;
    EXPECT_NE(r.out.find("0 of 2000 jets above the tolerance 1e-05"), std::string::npos) << k.reference << "\n" << r.out;
  }
}

TEST_F(ftag_cli, check_fails_above_the_tolerance_and_writes_its_reports) {
  const auto r = hepnn_cli("check " + network("dips_like") + " " + sample() + " --reference dips --no-track-selection --tolerance 1e-9 --csv " +
                           path("worst.csv") + " --plot " + path("diff.svg"));
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("above the tolerance 1e-09"), std::string::npos) << r.out;
  std::ifstream csv(path("worst.csv"));
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header, "diff,eval_dense_6_pu,eval_dense_6_pc,eval_dense_6_pb,dips_pu,dips_pc,dips_pb,index,ntrks");
  EXPECT_TRUE(fs::exists(path("diff.svg")));
  // the reference with the wrong tracks is far off
  const auto wrong = hepnn_cli("check " + network("dips_like") + " " + sample() + " --reference dips_r22default --no-track-selection");
  EXPECT_EQ(wrong.status, 1) << wrong.out;
}

// --plot: one drawing, the format from the extension, written atomically.
TEST_F(ftag_cli, check_plots_png_svg_and_pdf_atomically) {
  const std::string check = "check " + network("dips_like") + " " + sample() + " --reference dips --no-track-selection --plot ";
  for (const char* ext : {"png", "svg", "pdf"}) {
    const std::string file = path(std::string("diff.") + ext);
    std::ofstream(file) << "the previous plot";
    // a failing run keeps the previous file
    auto r = hepnn_cli(check + file + " --output no_such_output");
    EXPECT_EQ(r.status, 2) << r.err;
    std::ifstream old(file);
    EXPECT_EQ(std::string((std::istreambuf_iterator<char>(old)), {}), "the previous plot");
    r = hepnn_cli(check + file);
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    ASSERT_GT(bytes.size(), 1000u) << ext;
    if (ext == std::string("png")) {
      EXPECT_EQ(bytes.substr(0, 16), std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16));
    } else if (ext == std::string("pdf")) {
      EXPECT_EQ(bytes.substr(0, 7), "%PDF-1.");
      EXPECT_EQ(bytes.substr(bytes.size() - 6), "%%EOF\n");
    }
    if (ext == std::string("svg")) { // well-formed XML, titled with what was compared
      r = run_program(HEPNN_PYTHON, "-c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); "
                                    "print(r.tag); print(r.find(\"{http://www.w3.org/2000/svg}title\").text)' " + file);
      ASSERT_EQ(r.status, 0) << r.err;
      EXPECT_EQ(r.out, "{http://www.w3.org/2000/svg}svg\nhepnn dense_6 vs dips in sample_ttbar.h5\n");
    }
  }
  expect_only({"dips_like.json", "diff.png", "diff.svg", "diff.pdf"});
  const auto r = hepnn_cli(check + path("diff.gif"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(": the file name must end in .png, .svg or .pdf"), std::string::npos) << r.err;
}

TEST_F(ftag_cli, the_projects_example_runs_the_whole_path) {
  auto r = run_program(HEPNN_MAKE_FTAG_EXAMPLE, (dir_ / "ex").string() + " 1000");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string ex = (dir_ / "ex").string() + "/";
  r = hepnn_cli("vardict -s " + ex + "scale_dict.json -v " + ex + "variables.yaml -t dips -n tracks_r22default_sd0sort --tracks_name tracks -o " +
                ex + "vars.json");
  ASSERT_EQ(r.status, 0) << r.err;
  r = hepnn_cli("convert " + ex + "dips_model.h5 --variables " + ex + "vars.json -o " + ex + "dips.json");
  ASSERT_EQ(r.status, 0) << r.err;
  r = hepnn_cli("eval " + ex + "dips.json " + ex + "ntuple.h5 -o " + ex + "scores.h5");
  ASSERT_EQ(r.status, 0) << r.err;
  // every stored track passes the selection the name asks for (the dumper applied it)
  EXPECT_NE(r.err.find("valid tracks, "), std::string::npos);
  r = hepnn_cli("check " + ex + "ntuple.h5 --scores " + ex + "scores.h5 --reference dips --plot " + ex + "check.png");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Differences off 1.0e-06 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0 of 1000 jets above the tolerance 1e-05"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(ex + "check.png"));
  // umami's own configuration: builds the network from the Keras model itself
  r = hepnn_cli("check -c " + ex + "check_config.yaml");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Comparing dips_pu with dips_pu"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("HadronConeExclTruthLabelID in ujets, cjets, bjets; fewer than 40 tracks"), std::string::npos) << r.out;
  // and from the example's own folder (its paths are relative to the config)
  r = run_program("cd " + ex + " && " + HEPNN_CLI, "check -c check_config.yaml");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Comparing dips_pu with dips_pu"), std::string::npos) << r.out;
}

// ---- bad input -------------------------------------------------------------------------

TEST_F(ftag_cli, a_missing_dataset_is_named) {
  const auto r = hepnn_cli("eval " + network("dips_like") + " " + sample() + " --jets nope -o " + path("s.h5"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("sample_ttbar.h5: /nope: no such dataset (the file has: jets, tracks)"), std::string::npos) << r.err;
  const auto t = hepnn_cli("eval " + network("dips_like") + " " + sample() + " --tracks tracks_loose -o " + path("s.h5"));
  EXPECT_EQ(t.status, 2);
  EXPECT_NE(t.err.find("/tracks_loose: no such dataset"), std::string::npos) << t.err;
  expect_only({"dips_like.json"});
}

TEST_F(ftag_cli, a_network_input_the_ntuple_lacks_is_named) {
  std::ifstream in(network("dips_like"));
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const auto at = text.find("\"numberOfPixelHits\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 19, "\"numberOfPixelHitz\"");
  std::ofstream(path("renamed.json")) << text;
  const auto r = hepnn_cli("eval " + path("renamed.json") + " " + sample() + " -o " + path("s.h5"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("network input 'numberOfPixelHitz' (node 'tracks_ip3d_sd0sort') maps to nothing in the track fields"),
            std::string::npos)
      << r.err;
  expect_only({"dips_like.json", "renamed.json"});
}

TEST_F(ftag_cli, a_field_of_the_wrong_type_is_named) {
  // jets whose pt is a string, tracks fine
  write_table(path("bad.h5"), "jets", 3, 1,
              {{"pt_btagJes", "str", {}}, {"absEta_btagJes", "f4", {1, 1, 1}}, {"eta_btagJes", "f4", {1, 1, 1}}}, true);
  std::ofstream(path("kinematics.json")) << R"({"inputs": [{"name": "b-tagging", "variables": [
      {"name": "pt_btagJes", "offset": 0, "scale": 1}, {"name": "absEta_btagJes", "offset": 0, "scale": 1}]}],
    "input_sequences": [], "nodes": [{"type": "input", "sources": [0], "size": 2}],
    "outputs": {"kin": {"node_index": 0, "labels": ["pt", "eta"]}}, "layers": []})";
  const auto r = hepnn_cli("eval " + path("kinematics.json") + " " + path("bad.h5") + " -o " + path("s.h5"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("bad.h5: /jets: field 'pt_btagJes' is of type string, not a number"), std::string::npos) << r.err;
  expect_only({"kinematics.json", "bad.h5"});
}

TEST_F(ftag_cli, tracks_without_a_valid_flag_or_of_another_length_are_refused) {
  const std::vector<column> jets = {{"pt_btagJes", "f4", {5e4, 6e4}}, {"absEta_btagJes", "f4", {1, 1}}};
  std::vector<column> tracks;
  for (const char* f : {"IP3D_signed_d0_significance", "IP3D_signed_z0_significance", "numberOfInnermostPixelLayerHits",
                        "numberOfNextToInnermostPixelLayerHits", "numberOfInnermostPixelLayerSharedHits",
                        "numberOfInnermostPixelLayerSplitHits", "numberOfPixelSharedHits", "numberOfPixelSplitHits",
                        "numberOfSCTSharedHits", "ptfrac", "dr", "numberOfPixelHits", "numberOfSCTHits", "d0", "z0SinTheta",
                        "numberOfPixelHoles", "numberOfSCTHoles", "qOverP", "deta", "dphi", "chiSquared_over_numberDoF"})
    tracks.push_back({f, "f4", std::vector<double>(8, 0.5)});
  write_table(path("novalid.h5"), "jets", 2, 1, jets, true);
  write_table(path("novalid.h5"), "tracks", 2, 4, tracks, false);
  auto r = hepnn_cli("eval " + network("dips_like") + " " + path("novalid.h5") + " -o " + path("s.h5") + " --no-track-selection");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("novalid.h5: /tracks: no field 'valid' (needed for telling real tracks from padding)"), std::string::npos)
      << r.err;
  tracks.push_back({"valid", "bool", std::vector<double>(9, 1)});
  write_table(path("short.h5"), "jets", 2, 1, jets, true);
  write_table(path("short.h5"), "tracks", 3, 3, tracks, false);
  r = hepnn_cli("eval " + network("dips_like") + " " + path("short.h5") + " -o " + path("s.h5") + " --no-track-selection");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("short.h5: /tracks: 3 rows for 2 jets in /jets"), std::string::npos) << r.err;
  expect_only({"dips_like.json", "novalid.h5", "short.h5"});
}

TEST_F(ftag_cli, a_truncated_file_fails_cleanly_and_keeps_the_old_output) {
  write_truncated_copy(sample(), path("truncated.h5"), 0.5);
  std::ofstream(path("scores.h5")) << "an earlier result";
  const auto r = hepnn_cli("eval " + network("dips_like") + " " + path("truncated.h5") + " -o " + path("scores.h5"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("truncated.h5"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
  std::ifstream kept(path("scores.h5"));
  std::string text;
  std::getline(kept, text);
  EXPECT_EQ(text, "an earlier result");
  expect_only({"dips_like.json", "truncated.h5", "scores.h5"});
}

TEST_F(ftag_cli, a_config_without_a_needed_option_is_named) {
  std::ofstream(path("config.yaml")) << "input_file: x.h5\nscale_dict: s.json\nvar_dict: v.yaml\ntagger: dips\n"
                                        "class_labels: [ujets]\n";
  const auto r = hepnn_cli("check -c " + path("config.yaml"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("needed option 'model_file' is not given or is None"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("config.yaml"), std::string::npos) << r.err;
}

TEST_F(ftag_cli, usage_mistakes_exit_2) {
  EXPECT_EQ(hepnn_cli("eval " + network("dips_like") + " " + sample()).status, 2); // no -o
  EXPECT_EQ(hepnn_cli("eval " + network("dips_like") + " " + sample() + " -o x.h5 --selection r99").status, 2);
  EXPECT_EQ(hepnn_cli("check " + network("dips_like") + " " + sample() + " --reference dips --plot x.gif").status, 2);
  EXPECT_EQ(hepnn_cli("check " + network("umami_like") + " " + sample() + " --reference DL1r").status, 2); // which output?
  const auto r = hepnn_cli("eval " + network("dips_like") + " " + sample() + " -o x.h5 --threads 0");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--threads"), std::string::npos) << r.err;
}


// Issue 9: scores were not the same in their last bits for different
// --chunk values (single-jet and batch arithmetic differed). One numeric
// path: one jet at a time, odd chunks and the default give the same bits.
TEST_F(ftag_cli, scores_do_not_depend_on_the_chunk_size) {
  const auto net = network("dips_like");
  std::vector<std::vector<double>> first;
  for (const std::string chunk : {"", "--chunk 1", "--chunk 7", "--chunk 1000"}) {
    const auto r = hepnn_cli("eval " + net + " " + sample() + " -o " + path("s.h5") + " --no-track-selection " + chunk);
    ASSERT_EQ(r.status, 0) << chunk << r.err;
    const auto s = ftag::read_score_file(path("s.h5"));
    ASSERT_EQ(s.columns.size(), 3u);
    ASSERT_EQ(s.columns[0].size(), 2000u);
    if (first.empty()) first = s.columns;
    else EXPECT_EQ(s.columns, first) << chunk; // bit for bit (float32 scores, compared as the doubles they convert to)
  }
}

} // namespace
} // namespace hepnn::test
