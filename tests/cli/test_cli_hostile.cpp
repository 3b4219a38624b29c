// Hostile or inconsistent input files on the command line: each is refused
// with a message naming the file and what is wrong in it, and nothing is written.
#include "cli/hostile_files.hpp"
#include "cli/run_cli.hpp"
#include "support/h5_tables.hpp"
#include "support/shared_data.hpp"

#include "hepnn/ftag.hpp"

#include "formats/hdf5_table.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>

namespace hepnn::test {
namespace {

namespace fs = std::filesystem;

using hostile_cli = scratch_test;

/// The tool with at most `kib` of address space (ASan reserves terabytes of
/// shadow memory: there the limit is left out and only the messages checked).
std::string memory_limited(long kib) {
#ifdef HEPNN_SANITIZED
  (void)kib;
  return HEPNN_CLI;
#else
  return "ulimit -v " + std::to_string(kib) + "; " HEPNN_CLI;
#endif
}

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


TEST_F(hostile_cli, a_track_table_declaring_too_many_slots_is_refused_before_allocating) {
  // (2000, 1e8) tracks: 12 TB if read as declared; the file itself is tiny
  std::ofstream(path("net.json")) << no_track_variables;
  declare_table(path("n.h5"), "jets", 2000, 1, {{"pt_btagJes", "f4", {}}, {"absEta_btagJes", "f4", {}}}, true);
  declare_table(path("n.h5"), "tracks", 2000, 100'000'000, {{"valid", "bool", {}}, {"pt", "f8", {}}}, false);
  const auto r = hepnn_cli("eval " + path("net.json") + " " + path("n.h5") + " -o " + path("s.h5"));
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("n.h5: /tracks: 100000000 entries per row: more than the limit of 100000"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("s.h5")));
}

TEST_F(hostile_cli, wide_track_tables_within_the_limit_are_read_in_smaller_chunks) {
  // 3000 jets of 50000 slots of 1 + 8 bytes: 0.9 GB for a chunk of 2048 jets, under 256 MB read at a time
  std::string net = no_track_variables;
  net.replace(net.find("\"variables\": []"), 15, R"("variables": [{"name": "pt", "offset": 0, "scale": 1}])");
  std::ofstream(path("net.json")) << net;
  declare_table(path("n.h5"), "jets", 3000, 1, {{"pt_btagJes", "f4", {}}, {"absEta_btagJes", "f4", {}}}, true);
  declare_table(path("n.h5"), "tracks", 3000, 50'000, {{"valid", "bool", {}}, {"pt", "f8", {}}}, false);
  const auto r = run_program(memory_limited(600'000), "eval " + path("net.json") + " " + path("n.h5") + " -o " + path("s.h5"));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("scored 3000 jets"), std::string::npos) << r.err;
}

/// The kinematics network: outputs kin_pt, kin_eta from the jet's fields.
const char* const kinematics = R"({"inputs": [{"name": "b-tagging", "variables": [
    {"name": "pt_btagJes", "offset": 0, "scale": 1}, {"name": "absEta_btagJes", "offset": 0, "scale": 1}]}],
  "input_sequences": [], "nodes": [{"type": "input", "sources": [0], "size": 2}],
  "outputs": {"kin": {"node_index": 0, "labels": ["pt", "eta"]}}, "layers": []})";

TEST_F(hostile_cli, score_file_columns_with_the_same_name_are_refused_naming_both) {
  std::ofstream(path("net.json")) << kinematics;
  write_table(path("n.h5"), "jets", 2, 1, {{"pt_btagJes", "f4", {5e4, 6e4}}, {"absEta_btagJes", "f4", {1, 2}}, {"kin_pt", "f4", {7, 8}}},
              true);
  const std::string eval = "eval " + path("net.json") + " " + path("n.h5") + " -o " + path("s.h5");
  auto r = hepnn_cli(eval + " --copy kin_pt");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("s.h5: /jets: column 'kin_pt' would be written twice, by a score of " + path("net.json") + " and by --copy kin_pt"),
            std::string::npos) << r.err;
  r = hepnn_cli(eval + " --copy pt_btagJes,absEta_btagJes,pt_btagJes");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("column 'pt_btagJes' would be written twice, by --copy pt_btagJes"), std::string::npos) << r.err;
  // two outputs whose <output>_<label> coincide
  std::string two = kinematics;
  two.replace(two.find(R"("outputs": {)"), 12, R"("outputs": {"kin_p": {"node_index": 0, "labels": ["t", "x"]}, )");
  two.replace(two.find(R"(["pt", "eta"])"), 13, R"(["p_t", "eta"])");
  std::ofstream(path("two.json")) << two;
  r = hepnn_cli("eval " + path("two.json") + " " + path("n.h5") + " -o " + path("s.h5"));
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("two.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("both make the score name 'kin_p_t'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("output 'kin_p' label 't'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("output 'kin' label 'p_t'"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("s.h5")));
}

TEST_F(hostile_cli, copied_fields_keep_their_type_and_every_bit) {
  std::ofstream(path("net.json")) << kinematics;
  const std::int64_t big = (std::int64_t{1} << 53) + 1, huge = std::numeric_limits<std::int64_t>::max() - 2;
  write_table(path("n.h5"), "jets", 3, 1,
              {{"pt_btagJes", "f4", {5e4, 6e4, 7e4}},
               {"absEta_btagJes", "f4", {1, 2, 3}},
               {"eventNumber", "i8", {}, {big, -big, huge}},
               {"mcEventNumber", "u8", {}, {-1, big, std::numeric_limits<std::int64_t>::min() + 1}},
               {"runNumber", "u4", {}, {4294967295, 1, 2}},
               {"nTrk", "i2", {}, {-32768, 7, 32767}},
               {"flag", "u1", {}, {255, 0, 1}},
               {"weight", "f8", {0.1, -1e300, 3}}},
              true);
  const std::string copy = "eventNumber,mcEventNumber,runNumber,nTrk,flag,weight";
  const auto r = hepnn_cli("eval " + path("net.json") + " " + path("n.h5") + " -o " + path("s.h5") + " --copy " + copy);
  ASSERT_EQ(r.status, 0) << r.err;
  for (const std::string f : {"eventNumber", "mcEventNumber", "runNumber", "nTrk", "flag"})
    EXPECT_EQ(read_integers(path("s.h5"), "jets", f), read_integers(path("n.h5"), "jets", f)) << f;
  EXPECT_EQ(read_integers(path("s.h5"), "jets", "eventNumber"), (std::vector<std::int64_t>{big, -big, huge}));
  const auto f = detail::h5::file::open(path("s.h5"));
  const detail::h5::table jets(f, "jets");
  for (const auto& [name, type] : std::vector<std::pair<std::string, std::string>>{
           {"eventNumber", "i8"}, {"mcEventNumber", "u8"}, {"runNumber", "u4"}, {"nTrk", "i2"}, {"flag", "u1"}, {"weight", "f8"}})
    EXPECT_EQ(jets.find(name)->type, type) << name;
  EXPECT_EQ(ftag::read_jet_columns(path("s.h5"), "jets", {"weight"})[0], (std::vector<double>{0.1, -1e300, 3}));
}

std::string contents(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(hostile_cli, an_output_that_is_an_input_is_refused_and_the_input_kept) {
  std::ofstream(path("net.json")) << kinematics;
  write_table(path("n.h5"), "jets", 2, 1, {{"pt_btagJes", "f4", {5e4, 6e4}}, {"absEta_btagJes", "f4", {1, 2}}, {"kin_pt", "f4", {5e4, 6e4}},
                                           {"kin_eta", "f4", {1, 2}}}, true);
  fs::create_hard_link(path("n.h5"), path("link.h5"));
  const std::string ntuple = contents(path("n.h5")), net = contents(path("net.json"));
  // the same file by its name, through another directory spelling, and through a hard link
  for (const std::string& out : {path("n.h5"), (dir_ / "." / "n.h5").string(), path("link.h5")}) {
    const auto r = hepnn_cli("eval " + path("net.json") + " " + path("n.h5") + " -o " + out);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find(out + ": the output is the same file as the input ntuple " + path("n.h5")), std::string::npos) << r.err;
  }
  auto r = hepnn_cli("eval " + path("net.json") + " " + path("n.h5") + " -o " + path("net.json"));
  EXPECT_NE(r.err.find("the output is the same file as the network"), std::string::npos) << r.err;
  std::ofstream(path("events.json")) << R"([{"inputs": {"b-tagging": {"pt_btagJes": 1, "absEta_btagJes": 2}}}])";
  r = hepnn_cli("eval " + path("net.json") + " --inputs " + path("events.json") + " -o " + path("events.json"));
  EXPECT_NE(r.err.find("the output is the same file as --inputs"), std::string::npos) << r.err;
  // check's reports
  ASSERT_EQ(hepnn_cli("eval " + path("net.json") + " " + path("n.h5") + " -o " + path("s.h5")).status, 0);
  fs::create_hard_link(path("s.h5"), path("s.svg"));
  for (const std::string report : {"--csv", "--plot"}) {
    const std::string target = report == "--csv" ? path("n.h5") : path("s.svg");
    r = hepnn_cli("check " + path("n.h5") + " --scores " + path("s.h5") + " --reference kin " + report + " " + target);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find(target + ": the output is the same file as"), std::string::npos) << r.err;
  }
  EXPECT_EQ(contents(path("n.h5")), ntuple);
  EXPECT_EQ(contents(path("net.json")), net);
}

TEST_F(hostile_cli, a_keras_member_claiming_gigabytes_is_refused_before_allocating) {
  // stored: 2 bytes in the archive cannot extract to 4 GB; deflated: nor can 2 bytes of deflate data
  for (const std::uint16_t method : {0, 8}) {
    std::ofstream(path("big.keras"), std::ios::binary) << zip_claiming("config.json", method, std::string("\x03\x00", 2), 0xFFFFFFF0u);
    const auto r = run_program(memory_limited(1'000'000), "convert " + path("big.keras") + " -o " + path("net.json"));
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find("big.keras: entry 'config.json' claims 4294967280 bytes"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(path("net.json")));
  }
}

TEST_F(hostile_cli, a_zero_scale_in_the_scale_dict_is_refused_naming_the_variable) {
  std::ofstream(path("scale.json")) << R"({"jets": {"pt_btagJes": {"shift": 5.0, "scale": 2.0, "default": 1.0},
    "eta_btagJes": {"shift": 0.5, "scale": 0.0, "default": 0.0}},
    "tracks": {"d0": {"shift": 0.0, "scale": 0.0}}})";
  std::ofstream(path("vars.yaml")) << "train_variables:\n  kinematic: [pt_btagJes, eta_btagJes]\n"
                                      "track_train_variables:\n  tracks:\n    noNormVars: []\n    logNormVars: []\n"
                                      "    jointNormVars: [d0]\n";
  const std::string common = "vardict -s " + path("scale.json") + " -v " + path("vars.yaml") + " -o " + path("out.json");
  auto r = hepnn_cli(common + " -t dl1");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("scale.json: /jets/eta_btagJes: the scale is 0"), std::string::npos) << r.err;
  r = hepnn_cli(common + " -t dips --tracks_name tracks");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("scale.json: /tracks/d0: the scale is 0"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("out.json")));
}

TEST_F(hostile_cli, integer_options_are_range_checked) {
  const std::string net = path("net.json");
  std::ofstream(net) << kinematics;
  write_table(path("n.h5"), "jets", 2, 1, {{"pt_btagJes", "f4", {5e4, 6e4}}, {"absEta_btagJes", "f4", {1, 2}}}, true);
  struct c {
    std::string args, message;
  };
  const std::string eval = "eval " + net + " " + path("n.h5") + " -o " + path("s.h5");
  const std::string tauid = "tauid --net-1p " + net + " --net-3p " + net + " " + path("n.h5") + " -o " + path("s.h5");
  for (const auto& k : {c{eval + " --chunk 0", "option --chunk: 0 is out of range (an integer from 1 to 1000000)"},
                        c{eval + " --chunk -3", "option --chunk: -3 is out of range"},
                        c{eval + " --chunk 99999999999999999999", "option --chunk: 99999999999999999999 is out of range"},
                        c{eval + " --chunk 2.5", "option --chunk: '2.5' is not an integer from 1 to 1000000"},
                        c{tauid + " --min-charged-tracks 2147483648",
                          "option --min-charged-tracks: 2147483648 is out of range (an integer from 0 to 2147483647)"},
                        c{tauid + " --max-tracks 18446744073709551616", "option --max-tracks: 18446744073709551616 is out of range"},
                        c{"check " + path("n.h5") + " --scores " + path("n.h5") + " --reference kin --worst -1",
                          "option --worst: -1 is out of range"}}) {
    const auto r = hepnn_cli(k.args);
    EXPECT_EQ(r.status, 2) << k.args << "\n" << r.err;
    EXPECT_NE(r.err.find(k.message), std::string::npos) << k.args << "\n" << r.err;
  }
  EXPECT_FALSE(fs::exists(path("s.h5")));
}

TEST_F(hostile_cli, outputs_are_synced_to_the_disk_before_the_rename) {
#ifndef HEPNN_SYSCALL_PROBE
  GTEST_SKIP() << "no syscall probe in a sanitizer build";
#else
  std::ofstream(path("net.json")) << kinematics;
  write_table(path("n.h5"), "jets", 2, 1, {{"pt_btagJes", "f4", {5e4, 6e4}}, {"absEta_btagJes", "f4", {1, 2}}}, true);
  std::ofstream(path("events.json")) << R"([{"inputs": {"b-tagging": {"pt_btagJes": 1, "absEta_btagJes": 2}}}])";
  const std::string probe = "HEPNN_PROBE_LOG=" + path("log") + " LD_PRELOAD=" HEPNN_SYSCALL_PROBE " " HEPNN_CLI;
  for (const auto& [args, output] : std::vector<std::pair<std::string, std::string>>{
           {"eval " + path("net.json") + " " + path("n.h5") + " -o " + path("s.h5"), path("s.h5")},        // HDF5
           {"eval " + path("net.json") + " --inputs " + path("events.json") + " -o " + path("o.json"), path("o.json")}}) { // text
    fs::remove(path("log"));
    const auto r = run_program(probe, args);
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string log = contents(path("log"));
    const auto renamed = log.find("rename " + output + "\n");
    ASSERT_NE(renamed, std::string::npos) << log;
    EXPECT_LT(log.find("fsync"), renamed) << "no fsync before the rename:\n" << log;
  }
#endif
}

TEST_F(hostile_cli, an_interrupted_run_removes_its_temporary_file) {
  // slow enough to be interrupted: 3000 wide rows read one at a time
  std::string net = no_track_variables;
  net.replace(net.find("\"variables\": []"), 15, R"("variables": [{"name": "pt", "offset": 0, "scale": 1}])");
  std::ofstream(path("net.json")) << net;
  declare_table(path("n.h5"), "jets", 3000, 1, {{"pt_btagJes", "f4", {}}, {"absEta_btagJes", "f4", {}}}, true);
  declare_table(path("n.h5"), "tracks", 3000, 50'000, {{"valid", "bool", {}}, {"pt", "f8", {}}}, false);
  const std::string script = std::string(HEPNN_CLI) + " eval " + path("net.json") + " " + path("n.h5") + " -o " + path("s.h5") +
                             " --chunk 1 & pid=$!; for i in $(seq 200); do ls " + path("s.h5") +
                             ".tmp-* >/dev/null 2>&1 && break; sleep 0.05; done; kill -TERM $pid; wait $pid; echo status $?";
  const auto r = run_program("sh -c", "'" + script + "'");
  EXPECT_NE(r.out.find("status 143"), std::string::npos) << "not ended by SIGTERM while running:\n" << r.out << r.err;
  for (const auto& e : fs::directory_iterator(dir_)) EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  EXPECT_FALSE(fs::exists(path("s.h5")));
}

TEST_F(hostile_cli, self_referencing_yaml_aliases_are_refused_naming_the_file) {
  std::ofstream(path("scale.json")) << "{}";
  std::ofstream(path("vars.yaml")) << "train_variables: &a\n  jets: *a\n";
  auto r = hepnn_cli("vardict -s " + path("scale.json") + " -v " + path("vars.yaml") + " -t dl1 -o " + path("out.json"));
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("vars.yaml: 'train_variables/jets/jets/"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nested more than 64 levels deep"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("out.json")));
  std::ofstream(path("config.yaml")) << "input_file: &x [*x]\n";
  r = hepnn_cli("check -c " + path("config.yaml"));
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("config.yaml: 'input_file/0/0/"), std::string::npos) << r.err;
}

TEST_F(hostile_cli, nested_yaml_aliases_stop_at_the_expansion_limit) {
  std::ofstream(path("scale.json")) << "{}";
  std::ofstream(path("vars.yaml")) << billion_laughs("train_variables");
  auto r = hepnn_cli("vardict -s " + path("scale.json") + " -v " + path("vars.yaml") + " -t dl1 -o " + path("out.json"));
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("vars.yaml: the document expands to more than 100000 nodes"), std::string::npos) << r.err;
  std::ofstream(path("config.yaml")) << billion_laughs("class_labels");
  r = hepnn_cli("check -c " + path("config.yaml"));
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("config.yaml: the document expands to more than 100000 nodes"), std::string::npos) << r.err;
}

} // namespace
} // namespace hepnn::test
