// A catalogue of bad inputs for every command (issue 9): each case makes its
// hostile files in a folder of its own, runs the tool, and asserts
//  * exit status 2,
//  * a message naming the user's file and what in it is wrong (the field,
//    JSON path, variable, layer or option),
//  * that the folder is unchanged: no output, no temporary file, every
//    input intact.
// A case whose output is an ordinary new file runs twice: once without the
// output, once with an existing output, which must stay byte for byte.
#include "cli/hostile_files.hpp"
#include "cli/run_cli.hpp"
#include "support/h5_tables.hpp"
#include "support/shared_data.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace hepnn::test {
namespace {

namespace fs = std::filesystem;

// ---- the files the cases start from ------------------------------------

void text(const fs::path& file, const std::string& content) { std::ofstream(file, std::ios::binary) << content; }

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  if (at == std::string::npos) throw std::runtime_error("test setup: '" + from + "' not found");
  return s.replace(at, from.size(), to);
}

fs::path zoo(const std::string& model, const std::string& file) { return shared_dir() / "zoo" / model / file; }
fs::path conv1d(const std::string& file) { return shared_dir() / "lwtnn-test-data" / "conv1d_functional" / file; }

/// Jet kinematics passed through: outputs kin_pt, kin_eta; no defaults.
const std::string kinematics = R"({"inputs": [{"name": "b-tagging", "variables": [
    {"name": "pt_btagJes", "offset": 0, "scale": 1}, {"name": "absEta_btagJes", "offset": 0, "scale": 1}]}],
  "input_sequences": [], "nodes": [{"type": "input", "sources": [0], "size": 2}],
  "outputs": {"kin": {"node_index": 0, "labels": ["pt", "eta"]}}, "layers": []})";

/// The same with a track sequence of one variable (pt), summed.
const std::string kinematics_and_tracks = R"({"inputs": [{"name": "b-tagging", "variables": [
    {"name": "pt_btagJes", "offset": 0, "scale": 1}, {"name": "absEta_btagJes", "offset": 0, "scale": 1}]}],
  "input_sequences": [{"name": "tracks", "variables": [{"name": "pt", "offset": 0, "scale": 1}]}],
  "nodes": [{"type": "input", "sources": [0], "size": 2}, {"type": "input_sequence", "sources": [0], "size": 1},
            {"type": "sum", "sources": [1]}, {"type": "concatenate", "sources": [0, 2]}],
  "outputs": {"kin": {"node_index": 3, "labels": ["pt", "eta", "tracks"]}}, "layers": []})";

/// A dense layer on (pt, eta): for the network-file cases to damage.
const std::string dense = R"({"inputs": [{"name": "jet", "variables": [
    {"name": "pt", "offset": 0, "scale": 1}, {"name": "eta", "offset": 0, "scale": 1}]}],
  "input_sequences": [], "nodes": [{"type": "input", "sources": [0], "size": 2}, {"type": "feed_forward", "sources": [0], "layer_index": 0}],
  "layers": [{"architecture": "dense", "weights": [1, 2, 3, 4], "bias": [0, 1], "activation": "linear"}],
  "outputs": {"out": {"node_index": 1, "labels": ["a", "b"]}}})";

/// TauJetRNNEvaluator's inputs: centFrac, tracks' pt_log and dEta, clusters' et_log.
const std::string tau_network = R"({"inputs": [{"name": "scalar", "variables": [{"name": "centFrac", "offset": 0, "scale": 1}]}],
  "input_sequences": [{"name": "tracks", "variables": [{"name": "pt_log", "offset": 0, "scale": 1}, {"name": "dEta", "offset": 0, "scale": 1}]},
                      {"name": "clusters", "variables": [{"name": "et_log", "offset": 0, "scale": 1}]}],
  "nodes": [{"type": "input", "sources": [0], "size": 1}, {"type": "input_sequence", "sources": [0], "size": 2},
            {"type": "input_sequence", "sources": [1], "size": 1}, {"type": "sum", "sources": [1]}, {"type": "sum", "sources": [2]},
            {"type": "concatenate", "sources": [0, 3, 4]}, {"type": "feed_forward", "sources": [5], "layer_index": 0}],
  "layers": [{"architecture": "dense", "weights": [1, 2, 3, 4], "bias": [1], "activation": "linear"}],
  "outputs": {"rnnid_output": {"node_index": 6, "labels": ["sig_prob"]}}})";

/// A dumper ntuple of two jets (kinematics) with a track table of 3 slots.
void ntuple(const fs::path& file, std::vector<double> pt = {5e4, 6e4}) {
  write_table(file.string(), "jets", 2, 1, {{"pt_btagJes", "f4", std::move(pt)}, {"absEta_btagJes", "f4", {1, 2}}}, true);
  write_table(file.string(), "tracks", 2, 3, {{"valid", "bool", {1, 1, 0, 1, 0, 0}}, {"pt", "f4", {1, 2, 3, 4, 5, 6}}}, false);
}

/// A candidate file of two taus; the slot counts of TauTracks/pt, TauTracks/dEta and TauClusters/et.
void candidates(const fs::path& file, std::size_t pt_slots = 3, std::size_t eta_slots = 3, std::size_t et_slots = 2) {
  const std::string f = file.string();
  write_dataset(f, "TauJets/nTracks", {2}, {1, 3}, true);
  write_dataset(f, "TauJets/centFrac", {2}, {0.5, 0.2}, false);
  write_dataset(f, "TauTracks/pt", {2, pt_slots}, std::vector<double>(2 * pt_slots, 1e3), false);
  write_dataset(f, "TauTracks/dEta", {2, eta_slots}, std::vector<double>(2 * eta_slots, 0.1), false);
  write_dataset(f, "TauClusters/et", {2, et_slots}, std::vector<double>(2 * et_slots, 1e3), false);
  write_dataset(f, "TauClusters/dEta", {2, 2}, {0.1, 0.1, 0.1, 0.1}, false);
  write_dataset(f, "TauClusters/dPhi", {2, 2}, {0.1, 0.1, 0.1, 0.1}, false);
}

/// umami's scale dict and variables YAML for a DL1 tagger of two jet variables.
const std::string scale_dict = R"({"jets": {"pt_btagJes": {"shift": 5.0, "scale": 2.0, "default": 1.0},
  "absEta_btagJes": {"shift": 0.5, "scale": 0.5, "default": 0.0}}})";
const std::string var_yaml = "train_variables:\n  kinematic: [pt_btagJes, absEta_btagJes]\n";

void vardict_inputs(const fs::path& d, const std::string& scale = scale_dict, const std::string& yaml = var_yaml) {
  text(d / "scale.json", scale);
  text(d / "vars.yaml", yaml);
}

/// An umami check config naming the files of the folder.
void check_inputs(const fs::path& d, const std::string& config) {
  ntuple(d / "n.h5");
  text(d / "config.yaml", config);
}

/// A network whose nodes each join the previous one with itself, 40 times.
std::string self_concatenations() {
  std::string nodes = R"([{"type": "input", "sources": [0], "size": 2})";
  for (int k = 1; k <= 40; ++k)
    nodes += R"(, {"type": "concatenate", "sources": [)" + std::to_string(k - 1) + ", " + std::to_string(k - 1) + "]}";
  return replaced(replaced(dense, R"([{"type": "input", "sources": [0], "size": 2}, {"type": "feed_forward", "sources": [0], "layer_index": 0}])",
                           nodes + "]"),
                  R"("node_index": 1)", R"("node_index": 40)");
}

void fifo(const fs::path& p) { ASSERT_EQ(::mkfifo(p.c_str(), 0600), 0) << p; }

// ---- the catalogue -------------------------------------------------------

struct bad_input {
  std::string name;
  std::function<void(const fs::path&)> make; ///< writes the case's inputs into its folder
  std::string args;                          ///< "{d}" stands for the folder
  std::vector<std::string> messages;         ///< each must be in the standard error ("{d}" too)
  std::string output = {};                   ///< an ordinary output the command would write (run with and without it)
};

void PrintTo(const bad_input& c, std::ostream* os) { *os << c.name; }

std::string in_folder(std::string s, const fs::path& d) {
  for (std::size_t at; (at = s.find("{d}")) != std::string::npos;) s.replace(at, 3, d.string());
  return s;
}

auto with_net_and_ntuple() {
  return [](const fs::path& d) {
    text(d / "net.json", kinematics);
    ntuple(d / "n.h5");
  };
}
auto with_tau(std::function<void(const fs::path&)> more = {}) {
  return [more](const fs::path& d) {
    text(d / "net.json", tau_network);
    candidates(d / "c.h5");
    if (more) more(d);
  };
}
const std::string eval_ntuple = "eval {d}/net.json {d}/n.h5 -o {d}/s.h5";
const std::string tauid = "tauid --net-1p {d}/net.json --net-3p {d}/net.json {d}/c.h5 -o {d}/s.h5";
const std::string vardict = "vardict -s {d}/scale.json -v {d}/vars.yaml -t dl1 -o {d}/out.json";

std::vector<bad_input> convert_cases() {
  const std::string vars = zoo("dips_like", "variables.json").string(), model = zoo("dips_like", "model.h5").string();
  return {
      {"convert_truncated_architecture_json",
       [](const fs::path& d) { text(d / "arch.json", slurp(conv1d("model.json")).substr(0, 300)); },
       "convert {d}/arch.json " + conv1d("weights.h5").string() + " -o {d}/out.json",
       {"{d}/arch.json: not valid JSON at line"}, "out.json"},
      {"convert_garbage_model", [](const fs::path& d) { text(d / "m.h5", std::string("\x89HDF\r\n\x1a\n", 8) + std::string(600, '\x7f')); },
       "convert {d}/m.h5 --variables " + vars + " -o {d}/out.json", {"{d}/m.h5: cannot open the HDF5 file (damaged or truncated?)"},
       "out.json"},
      {"convert_truncated_model_h5", [model](const fs::path& d) { write_truncated_copy(model, d / "cut.h5", 0.5); },
       "convert {d}/cut.h5 --variables " + vars + " -o {d}/out.json", {"{d}/cut.h5: cannot open the HDF5 file"}, "out.json"},
      {"convert_truncated_variables", [vars](const fs::path& d) { text(d / "v.json", slurp(vars).substr(0, 100)); },
       "convert " + model + " --variables {d}/v.json -o {d}/out.json", {"{d}/v.json: not valid JSON at line"}, "out.json"},
      {"convert_variables_of_the_wrong_type", [](const fs::path& d) { text(d / "v.json", R"({"inputs": 5})"); },
       "convert " + model + " --variables {d}/v.json -o {d}/out.json", {"{d}/v.json: /inputs: expected an array, got a number"},
       "out.json"},
      {"convert_variables_with_an_infinite_offset",
       [vars](const fs::path& d) { text(d / "v.json", replaced(slurp(vars), "\"offset\": ", "\"offset\": 1e999, \"x\": ")); },
       "convert " + model + " --variables {d}/v.json -o {d}/out.json", {"{d}/v.json: not valid JSON at line 125, column", "Problem while parsing a number"}, "out.json"},
      {"convert_variables_of_another_model",
       [](const fs::path& d) { text(d / "v.json", slurp(zoo("tau_rnn", "variables.json"))); },
       "convert " + model + " --variables {d}/v.json -o {d}/out.json", {"the variables file {d}/v.json does not match the Keras model: 1 input nodes for 0 vector inputs"}, "out.json"},
      {"convert_input_of_2e12_variables",
       [](const fs::path& d) {
         text(d / "arch.json", replaced(slurp(conv1d("model.json")), "\"batch_input_shape\": [null, 20, 2]",
                                        "\"batch_input_shape\": [null, 20, 2000000000000]"));
       },
       "convert {d}/arch.json " + conv1d("weights.h5").string() + " -o {d}/out.json",
       {"{d}/arch.json: layer 'input_1' (InputLayer): the input shape asks for more than 16777216 values per event"}, "out.json"},
      {"convert_conv1d_dilation_2_to_the_40",
       [](const fs::path& d) {
         text(d / "arch.json", replaced(slurp(conv1d("model.json")), "\"dilation_rate\": [2]", "\"dilation_rate\": [1099511627776]"));
       },
       "convert {d}/arch.json " + conv1d("weights.h5").string() + " -o {d}/out.json",
       {"{d}/arch.json: layer 'conv1d_1' (Conv1D): dilation_rate values must be from 1 to 2^20"}, "out.json"},
      {"convert_architecture_class_name_of_the_wrong_type",
       [](const fs::path& d) { text(d / "arch.json", replaced(slurp(conv1d("model.json")), "\"class_name\": \"Conv1D\"", "\"class_name\": 5")); },
       "convert {d}/arch.json " + conv1d("weights.h5").string() + " -o {d}/out.json", {"{d}/arch.json: /config/layers/1/class_name: expected a string, got a number"}, "out.json"},
      {"convert_weights_of_another_model", {},
       "convert " + zoo("dips_like", "architecture.json").string() + " " + zoo("tau_rnn", "weights.h5").string() + " --variables " +
           vars + " -o {d}/out.json",
       {zoo("dips_like", "architecture.json").string() + ": layer 'time_distributed' (TimeDistributed(Dense)): kernel has shape (10, 32)"},
       "out.json"},
      {"convert_keras_zip_member_claiming_4_gb_stored",
       [](const fs::path& d) { text(d / "big.keras", zip_claiming("config.json", 0, std::string("\x03\x00", 2), 0xFFFFFFF0u)); },
       "convert {d}/big.keras -o {d}/out.json", {"{d}/big.keras: entry 'config.json' claims 4294967280 bytes"}, "out.json"},
      {"convert_keras_zip_member_claiming_4_gb_deflated",
       [](const fs::path& d) { text(d / "big.keras", zip_claiming("config.json", 8, std::string("\x03\x00", 2), 0xFFFFFFF0u)); },
       "convert {d}/big.keras -o {d}/out.json", {"{d}/big.keras: entry 'config.json' claims 4294967280 bytes"}, "out.json"},
      {"convert_keras_archive_that_is_no_zip", [](const fs::path& d) { text(d / "m.keras", "PK\x03\x04 but not a zip at all"); },
       "convert {d}/m.keras -o {d}/out.json", {"{d}/m.keras: not a readable zip archive"}, "out.json"},
      {"convert_output_is_the_model", [model](const fs::path& d) { fs::copy_file(model, d / "m.h5"); },
       "convert {d}/m.h5 --variables " + vars + " -o {d}/m.h5",
       {"{d}/m.h5: the output is the same file as the model {d}/m.h5; refusing to replace it"}},
      {"convert_output_is_the_variables", [vars](const fs::path& d) { fs::copy_file(vars, d / "v.json"); },
       "convert " + model + " --variables {d}/v.json -o {d}/v.json",
       {"{d}/v.json: the output is the same file as the variables {d}/v.json"}},
      {"convert_output_is_a_directory", [](const fs::path& d) { fs::create_directory(d / "out"); },
       "convert " + model + " --variables " + vars + " -o {d}/out", {"{d}/out: is a directory"}},
  };
}

std::vector<bad_input> split_cases() {
  const std::string model = zoo("dips_like", "model.h5").string();
  return {
      {"split_garbage_model", [](const fs::path& d) { text(d / "m.h5", "{\"not\": \"hdf5\"}"); }, "split {d}/m.h5 -a {d}/a.json -w {d}/w.h5",
       {"{d}/m.h5: not an HDF5 file"}, "a.json"},
      {"split_weights_only_file", {}, "split " + zoo("dips_like", "weights.h5").string() + " -a {d}/a.json -w {d}/w.h5",
       {zoo("dips_like", "weights.h5").string() + ": not a full Keras model (needs a model_config attribute"}, "w.h5"},
      {"split_truncated_model", [model](const fs::path& d) { write_truncated_copy(model, d / "cut.h5", 0.3); },
       "split {d}/cut.h5 -a {d}/a.json -w {d}/w.h5", {"{d}/cut.h5: cannot open the HDF5 file"}, "w.h5"},
      {"split_architecture_is_the_model", [model](const fs::path& d) { fs::copy_file(model, d / "m.h5"); },
       "split {d}/m.h5 -a {d}/m.h5 -w {d}/w.h5", {"{d}/m.h5: the output is the same file as the model {d}/m.h5"}},
      {"split_weights_is_the_model", [model](const fs::path& d) { fs::copy_file(model, d / "m.h5"); },
       "split {d}/m.h5 -a {d}/a.json -w {d}/m.h5", {"{d}/m.h5: the output is the same file as the model {d}/m.h5"}},
      {"split_both_outputs_one_file", {}, "split " + model + " -a {d}/x -w {d}/./x",
       {"the architecture and the weights would be written to the same file {d}/x"}, "x"},
      {"split_weights_to_a_fifo", [](const fs::path& d) { fifo(d / "w.h5"); }, "split " + model + " -a {d}/a.json -w {d}/w.h5",
       {"{d}/w.h5: not a regular file; this output (HDF5) needs one"}},
      {"split_architecture_to_a_directory", [](const fs::path& d) { fs::create_directory(d / "a.json"); },
       "split " + model + " -a {d}/a.json -w {d}/w.h5", {"{d}/a.json: is a directory"}},
  };
}

std::vector<bad_input> inspect_cases() {
  auto net = [](const std::string& json) { return [json](const fs::path& d) { text(d / "net.json", json); }; };
  const std::string inspect = "inspect {d}/net.json";
  return {
      {"inspect_truncated_network", net(dense.substr(0, 200)), inspect, {"{d}/net.json: not valid JSON at line"}},
      {"inspect_empty_file", net(""), inspect, {"{d}/net.json: not valid JSON"}},
      {"inspect_a_directory", [](const fs::path& d) { fs::create_directory(d / "net.json"); }, inspect, {"{d}/net.json: is a directory"}},
      {"inspect_an_hdf5_file", [](const fs::path& d) { ntuple(d / "net.json"); }, inspect, {"{d}/net.json: an HDF5 file"}},
      {"inspect_nested_self_concatenations", net(self_concatenations()), inspect,
       {"{d}/net.json: /nodes/24 (concatenate): shape (33554432,) has 33554432 elements per event, more than the limit 16777216"}},
      {"inspect_sources_of_the_wrong_type", net(replaced(dense, R"("sources": [0], "layer_index")", R"("sources": "zero", "layer_index")")),
       inspect, {"{d}/net.json: /nodes/1 (feed_forward): sources: expected an array, got a string"}},
      {"inspect_a_size_of_1e30", net(replaced(dense, R"("size": 2)", R"("size": 1e30)")), inspect, {"{d}/net.json: /nodes/0 (input): size: expected a non-negative integer, got 1e+30"}},
      {"inspect_wrong_weight_count", net(replaced(dense, "[1, 2, 3, 4]", "[1, 2, 3]")), inspect, {"{d}/net.json: /layers/0", "weights"}},
      {"inspect_unknown_activation", net(replaced(dense, R"("linear")", R"("mish")")), inspect, {"{d}/net.json: /layers/0", "mish"}},
      {"inspect_nan_literal", net(replaced(dense, "[0, 1]", "[NaN, 1]")), inspect, {"{d}/net.json: not valid JSON at line 4, column"}},
      {"inspect_infinite_weight", net(replaced(dense, "[0, 1]", "[1e999, 1]")), inspect,
       {"{d}/net.json: not valid JSON at line 5, column", "Problem while parsing a number"}},
      {"inspect_node_cycle", net(replaced(dense, R"("sources": [0], "layer_index")", R"("sources": [1], "layer_index")")), inspect,
       {"{d}/net.json: /nodes/1 (feed_forward): cycle in the graph: nodes 1 → 1"}},
      {"inspect_output_node_out_of_range", net(replaced(dense, R"("node_index": 1)", R"("node_index": 4294967297)")), inspect,
       {"{d}/net.json: /outputs/out: node_index 4294967297 is not a node index (2 nodes)"}},
  };
}

std::vector<bad_input> eval_json_cases() {
  auto events = [](const std::string& json) {
    return [json](const fs::path& d) {
      text(d / "net.json", kinematics);
      text(d / "events.json", json);
    };
  };
  const std::string eval = "eval {d}/net.json --inputs {d}/events.json -o {d}/out.json";
  const std::string one = R"({"events": [{"inputs": {"b-tagging": {"pt_btagJes": 1, "absEta_btagJes": 2}}}]})";
  return {
      {"eval_truncated_events", events(one.substr(0, 40)), eval, {"{d}/events.json: not valid JSON at line"}, "out.json"},
      {"eval_string_value", events(replaced(one, "2}", "\"two\"}")), eval, {"{d}/events.json: /events/0/inputs/b-tagging/absEta_btagJes: 'two' is not a finite number"}, "out.json"},
      {"eval_unknown_variable", events(replaced(one, "absEta_btagJes", "eta")), eval,
       {"{d}/net.json: input 'b-tagging' has no variable 'absEta_btagJes'"}, "out.json"},
      {"eval_missing_value_without_default", events(replaced(one, "2}", "null}")), eval,
       {"{d}/net.json: input 'b-tagging' variable 'absEta_btagJes' is NaN and has no default (event 0)"}, "out.json"},
      {"eval_number_beyond_double", events(replaced(one, "2}", "-1e999}")), eval,
       {"{d}/events.json: not valid JSON at line 1, column"}, "out.json"},
      {"eval_row_of_the_wrong_length", events(replaced(one, R"({"pt_btagJes": 1, "absEta_btagJes": 2})", "[1, 2, 3]")), eval,
       {"{d}/events.json: /events/0/inputs/b-tagging: input 'b-tagging' has 2 variables, the array gives 3 values"}, "out.json"},
      {"eval_events_of_the_wrong_type", events(R"({"events": 5})"), eval, {"{d}/events.json: /events: expected an array"}, "out.json"},
      {"eval_output_is_the_inputs", events(one), "eval {d}/net.json --inputs {d}/events.json -o {d}/events.json",
       {"{d}/events.json: the output is the same file as --inputs"}},
      {"eval_output_is_the_network", events(one), "eval {d}/net.json --inputs {d}/events.json -o {d}/net.json",
       {"{d}/net.json: the output is the same file as the network"}},
      {"eval_output_is_a_directory",
       [events, one](const fs::path& d) {
         events(one)(d);
         fs::create_directory(d / "out.json");
       },
       eval, {"{d}/out.json: is a directory"}},
  };
}

std::vector<bad_input> eval_ntuple_cases() {
  auto table = [](std::function<void(const std::string&)> write, const std::string& net = kinematics) {
    return [write, net](const fs::path& d) {
      text(d / "net.json", net);
      write((d / "n.h5").string());
    };
  };
  return {
      {"eval_ntuple_without_jets", table([](const std::string& f) { write_dataset(f, "other", {2}, {1, 2}, true); }), eval_ntuple,
       {"{d}/n.h5: /jets: no such dataset (the file has: other)"}, "s.h5"},
      {"eval_ntuple_missing_a_network_input",
       table([](const std::string& f) { write_table(f, "jets", 2, 1, {{"pt_btagJes", "f4", {1, 2}}}, true); }), eval_ntuple,
       {"{d}/net.json on {d}/n.h5: network input 'absEta_btagJes' (node 'b-tagging') maps to nothing in the jet fields"}, "s.h5"},
      {"eval_ntuple_input_field_of_strings",
       table([](const std::string& f) { write_table(f, "jets", 2, 1, {{"pt_btagJes", "f4", {1, 2}}, {"absEta_btagJes", "str", {1, 2}}}, true); }),
       eval_ntuple, {"{d}/n.h5: /jets: field 'absEta_btagJes' is of type string, not a number"}, "s.h5"},
      {"eval_ntuple_jets_of_two_dimensions",
       table([](const std::string& f) { write_table(f, "jets", 2, 3, {{"pt_btagJes", "f4", {1, 2, 3, 4, 5, 6}}, {"absEta_btagJes", "f4", {1, 2, 3, 4, 5, 6}}}, true); }),
       eval_ntuple, {"{d}/n.h5: /jets: expected one row per jet (a 1-D dataset)"}, "s.h5"},
      {"eval_ntuple_tracks_of_one_dimension",
       table([](const std::string& f) {
         write_table(f, "jets", 2, 1, {{"pt_btagJes", "f4", {1, 2}}, {"absEta_btagJes", "f4", {1, 2}}}, true);
         write_table(f, "tracks", 2, 1, {{"valid", "bool", {1, 1}}, {"pt", "f4", {1, 2}}}, false);
       }, kinematics_and_tracks),
       eval_ntuple, {"{d}/n.h5: /: the network reads tracks, but the file has no 2-D track dataset"}, "s.h5"},
      {"eval_ntuple_tracks_without_valid",
       [](const fs::path& d) {
         text(d / "net.json", replaced(kinematics, R"("input_sequences": [])",
                                      R"("input_sequences": [{"name": "tracks", "variables": [{"name": "pt", "offset": 0, "scale": 1}]}])"));
         write_table((d / "n.h5").string(), "jets", 2, 1, {{"pt_btagJes", "f4", {1, 2}}, {"absEta_btagJes", "f4", {1, 2}}}, true);
         write_table((d / "n.h5").string(), "tracks", 2, 3, {{"pt", "f4", {1, 2, 3, 4, 5, 6}}}, false);
       },
       eval_ntuple + " --no-track-selection", {"{d}/n.h5: /tracks: no field 'valid'"}, "s.h5"},
      {"eval_ntuple_tracks_of_1e8_slots",
       table([](const std::string& f) {
         declare_table(f, "jets", 2000, 1, {{"pt_btagJes", "f4", {}}, {"absEta_btagJes", "f4", {}}}, true);
         declare_table(f, "tracks", 2000, 100'000'000, {{"valid", "bool", {}}, {"pt", "f8", {}}}, false);
       }, kinematics_and_tracks),
       eval_ntuple, {"{d}/n.h5: /tracks: 100000000 entries per row: more than the limit of 100000"}, "s.h5"},
      {"eval_ntuple_infinite_input_without_default",
       [](const fs::path& d) {
         text(d / "net.json", kinematics);
         ntuple(d / "n.h5", {5e4, std::numeric_limits<double>::infinity()});
       },
       eval_ntuple, {"{d}/n.h5: jets 0..1: {d}/net.json: input 'b-tagging' variable 'pt_btagJes' is +inf and has no default (event 1)"}, "s.h5"},
      {"eval_ntuple_copy_colliding_with_a_score",
       table([](const std::string& f) {
         write_table(f, "jets", 2, 1, {{"pt_btagJes", "f4", {1, 2}}, {"absEta_btagJes", "f4", {1, 2}}, {"kin_pt", "f4", {1, 2}}}, true);
       }),
       eval_ntuple + " --copy kin_pt", {"{d}/s.h5: /jets: column 'kin_pt' would be written twice, by a score of {d}/net.json and by --copy kin_pt"},
       "s.h5"},
      {"eval_ntuple_copy_twice", with_net_and_ntuple(), eval_ntuple + " --copy pt_btagJes --copy pt_btagJes",
       {"{d}/s.h5: /jets: column 'pt_btagJes' would be written twice, by --copy pt_btagJes"}, "s.h5"},
      {"eval_ntuple_copy_of_an_unknown_field", with_net_and_ntuple(), eval_ntuple + " --copy eventNumber",
       {"{d}/n.h5: /jets: no field 'eventNumber' (needed for --copy)"}, "s.h5"},
      {"eval_ntuple_outputs_whose_names_coincide",
       [](const fs::path& d) {
         std::string two = replaced(kinematics, R"("outputs": {)", R"("outputs": {"kin_p": {"node_index": 0, "labels": ["t", "x"]}, )");
         text(d / "net.json", replaced(two, R"(["pt", "eta"])", R"(["p_t", "eta"])"));
         ntuple(d / "n.h5");
       },
       eval_ntuple, {"{d}/net.json", "both make the score name 'kin_p_t'"}, "s.h5"},
      {"eval_ntuple_chunk_0", with_net_and_ntuple(), eval_ntuple + " --chunk 0",
       {"option --chunk: 0 is out of range (an integer from 1 to 1000000)"}, "s.h5"},
      {"eval_ntuple_chunk_beyond_2_to_the_64", with_net_and_ntuple(), eval_ntuple + " --chunk 18446744073709551617",
       {"option --chunk: 18446744073709551617 is out of range"}, "s.h5"},
      {"eval_ntuple_unknown_track_table",
       [](const fs::path& d) {
         text(d / "net.json", kinematics_and_tracks);
         ntuple(d / "n.h5");
       },
       eval_ntuple + " --tracks nosuch", {"{d}/n.h5: /nosuch: no such dataset"}, "s.h5"},
      {"eval_ntuple_unknown_selection", with_net_and_ntuple(), eval_ntuple + " --selection loosest --sort sd0sort",
       {"--selection: unknown track selection 'loosest'"}, "s.h5"},
      {"eval_ntuple_truncated",
       [](const fs::path& d) {
         text(d / "net.json", kinematics);
         write_truncated_copy(shared_dir() / "ftag" / "sample_ttbar.h5", d / "n.h5", 0.5);
       },
       eval_ntuple, {"{d}/n.h5: cannot open the HDF5 file (damaged or truncated?)"}, "s.h5"},
      {"eval_ntuple_network_is_an_hdf5_file", with_net_and_ntuple(), "eval {d}/n.h5 {d}/n.h5 -o {d}/s.h5", {"{d}/n.h5: an HDF5 file"}, "s.h5"},
      {"eval_ntuple_output_is_the_ntuple", with_net_and_ntuple(), "eval {d}/net.json {d}/n.h5 -o {d}/n.h5",
       {"{d}/n.h5: the output is the same file as the input ntuple {d}/n.h5"}},
      {"eval_ntuple_output_is_a_hard_link_to_the_ntuple",
       [](const fs::path& d) {
         with_net_and_ntuple()(d);
         fs::create_hard_link(d / "n.h5", d / "link.h5");
       },
       "eval {d}/net.json {d}/n.h5 -o {d}/link.h5", {"{d}/link.h5: the output is the same file as the input ntuple {d}/n.h5"}},
      {"eval_ntuple_output_is_a_fifo",
       [](const fs::path& d) {
         with_net_and_ntuple()(d);
         fifo(d / "s.h5");
       },
       eval_ntuple, {"{d}/s.h5: not a regular file; this output (HDF5) needs one"}},
      {"eval_ntuple_output_is_a_directory",
       [](const fs::path& d) {
         with_net_and_ntuple()(d);
         fs::create_directory(d / "s.h5");
       },
       eval_ntuple, {"{d}/s.h5: is a directory"}},
  };
}

std::vector<bad_input> check_cases() {
  const std::string with_scores = "check {d}/n.h5 --scores {d}/s.h5 --reference kin";
  auto scored = [](const fs::path& d) { // an ntuple with reference scores, and hepnn's score file of it
    text(d / "net.json", kinematics);
    write_table((d / "n.h5").string(), "jets", 2, 1,
                {{"pt_btagJes", "f4", {1, 2}}, {"absEta_btagJes", "f4", {1, 2}}, {"kin_pt", "f4", {1, 2}}, {"kin_eta", "f4", {1, 2}}}, true);
    const auto r = hepnn_cli("eval " + (d / "net.json").string() + " " + (d / "n.h5").string() + " -o " + (d / "s.h5").string());
    ASSERT_EQ(r.status, 0) << r.err;
  };
  return {
      {"check_config_self_referencing_alias", [](const fs::path& d) { check_inputs(d, "input_file: &x [*x]\n"); }, "check -c {d}/config.yaml",
       {"{d}/config.yaml: 'input_file/0/0/", "nested more than 64 levels deep"}},
      {"check_config_billion_laughs", [](const fs::path& d) { check_inputs(d, billion_laughs("class_labels")); }, "check -c {d}/config.yaml",
       {"{d}/config.yaml: the document expands to more than 100000 nodes"}},
      {"check_config_garbage_yaml", [](const fs::path& d) { check_inputs(d, "input_file: [unclosed\n  - :\n"); }, "check -c {d}/config.yaml",
       {"{d}/config.yaml: not valid YAML at line 2, column 5"}},
      {"check_config_missing_keys", [](const fs::path& d) { check_inputs(d, "tagger: dips\n"); }, "check -c {d}/config.yaml",
       {"{d}/config.yaml: the top level: needed option 'input_file' is not given"}},
      {"check_reference_not_in_the_scores", scored, "check {d}/n.h5 --scores {d}/s.h5 --reference nosuch", {"{d}/n.h5: no reference field nosuch_pt, nosuch_eta for --reference nosuch"}},
      {"check_scores_that_are_no_score_file", scored, "check {d}/n.h5 --scores {d}/n.h5 --reference kin",
       {"{d}/n.h5: /: no 'scores' attribute: not a score file written by 'hepnn eval'"}},
      {"check_scores_of_another_length",
       [scored](const fs::path& d) {
         scored(d);
         write_table((d / "n3.h5").string(), "jets", 3, 1,
                     {{"pt_btagJes", "f4", {1, 2, 3}}, {"absEta_btagJes", "f4", {1, 2, 3}}, {"kin_pt", "f4", {1, 2, 3}}, {"kin_eta", "f4", {1, 2, 3}}},
                     true);
       },
       "check {d}/n3.h5 --scores {d}/s.h5 --reference kin", {"{d}/s.h5: 2 jets, but the ntuple {d}/n3.h5 has 3"}},
      {"check_tolerance_negative", scored, with_scores + " --tolerance -1", {"option --tolerance: -1 is not positive"}},
      {"check_tolerance_nan", scored, with_scores + " --tolerance nan", {"option --tolerance: 'nan' is not a number"}},
      {"check_worst_negative", scored, with_scores + " --worst -1", {"option --worst: -1 is out of range"}},
      {"check_plot_of_an_unknown_format", scored, with_scores + " --plot {d}/diff.gif", {"option --plot: {d}/diff.gif: the file name must end in .png, .svg or .pdf"}, "diff.gif"},
      {"check_csv_is_the_ntuple", scored, with_scores + " --csv {d}/n.h5", {"{d}/n.h5: the output is the same file as"}},
      {"check_csv_is_a_directory",
       [scored](const fs::path& d) {
         scored(d);
         fs::create_directory(d / "worst.csv");
       },
       with_scores + " --csv {d}/worst.csv", {"{d}/worst.csv: is a directory"}},
  };
}

std::vector<bad_input> vardict_cases() {
  return {
      {"vardict_truncated_scale_dict", [](const fs::path& d) { vardict_inputs(d, scale_dict.substr(0, 50)); }, vardict,
       {"{d}/scale.json: not valid JSON at line"}, "out.json"},
      {"vardict_scale_dict_of_the_wrong_type", [](const fs::path& d) { vardict_inputs(d, R"({"jets": 5})"); }, vardict,
       {"{d}/scale.json: /jets: expected an object"}, "out.json"},
      {"vardict_scale_of_zero", [](const fs::path& d) { vardict_inputs(d, replaced(scale_dict, "\"scale\": 0.5", "\"scale\": 0")); }, vardict,
       {"{d}/scale.json: /jets/absEta_btagJes: the scale is 0"}, "out.json"},
      {"vardict_scale_of_the_wrong_type",
       [](const fs::path& d) { vardict_inputs(d, replaced(scale_dict, "\"scale\": 0.5", "\"scale\": \"half\"")); }, vardict,
       {"{d}/scale.json: /jets/absEta_btagJes/scale"}, "out.json"},
      {"vardict_variable_missing_from_the_scale_dict",
       [](const fs::path& d) { vardict_inputs(d, scale_dict, "train_variables:\n  kinematic: [pt_btagJes, absEta_btagJes, mass]\n"); },
       vardict, {"{d}/scale.json: /jets: no entry for the jet variable 'mass'"}, "out.json"},
      {"vardict_garbage_yaml", [](const fs::path& d) { vardict_inputs(d, scale_dict, "train_variables: [unclosed\n  - :\n"); }, vardict,
       {"{d}/vars.yaml: not valid YAML at line 2, column 5"}, "out.json"},
      {"vardict_yaml_of_the_wrong_shape", [](const fs::path& d) { vardict_inputs(d, scale_dict, "train_variables: 5\n"); }, vardict,
       {"{d}/vars.yaml: 'train_variables': expected groups of variable lists"}, "out.json"},
      {"vardict_self_referencing_alias", [](const fs::path& d) { vardict_inputs(d, scale_dict, "train_variables: &a\n  jets: *a\n"); },
       vardict, {"{d}/vars.yaml: 'train_variables/jets/jets/", "nested more than 64 levels deep"}, "out.json"},
      {"vardict_billion_laughs", [](const fs::path& d) { vardict_inputs(d, scale_dict, billion_laughs("train_variables")); }, vardict,
       {"{d}/vars.yaml: the document expands to more than 100000 nodes"}, "out.json"},
      {"vardict_merge_key_inside_its_anchor",
       [](const fs::path& d) {
         vardict_inputs(d, scale_dict, "train_variables: &tv\n  kinematic: [pt_btagJes]\n  more:\n    <<: *tv\n");
       },
       vardict, {"{d}/vars.yaml: 'train_variables/more/<</more/<</", "nested more than 64 levels deep"}, "out.json"},
      {"vardict_output_is_the_scale_dict", [](const fs::path& d) { vardict_inputs(d); },
       "vardict -s {d}/scale.json -v {d}/vars.yaml -t dl1 -o {d}/scale.json",
       {"{d}/scale.json: the output is the same file as the scale dict {d}/scale.json"}},
      {"vardict_output_is_the_yaml", [](const fs::path& d) { vardict_inputs(d); },
       "vardict -s {d}/scale.json -v {d}/vars.yaml -t dl1 -o {d}/vars.yaml",
       {"{d}/vars.yaml: the output is the same file as the variables YAML {d}/vars.yaml"}},
      {"vardict_output_is_a_directory",
       [](const fs::path& d) {
         vardict_inputs(d);
         fs::create_directory(d / "out.json");
       },
       vardict, {"{d}/out.json: is a directory"}},
  };
}

std::vector<bad_input> varspec_cases() {
  const std::string preproc = (shared_dir() / "tau" / "tau_1p" / "preproc.h5").string();
  const std::string model = (shared_dir() / "tau" / "tau_1p" / "model.h5").string();
  return {
      {"varspec_garbage_preproc", [](const fs::path& d) { text(d / "p.h5", "garbage"); }, "varspec --preproc {d}/p.h5 --model " + model + " -o {d}/v.json",
       {"{d}/p.h5: not an HDF5 file"}, "v.json"},
      {"varspec_preproc_of_another_kind", [](const fs::path& d) { candidates(d / "p.h5"); },
       "varspec --preproc {d}/p.h5 --model " + model + " -o {d}/v.json", {"{d}/p.h5: the network has 2 sequence inputs, but the file has"},
       "v.json"},
      {"varspec_jet_preproc_is_a_dataset",
       [preproc](const fs::path& d) {
         fs::copy_file(preproc, d / "p.h5");
         write_dataset((d / "p.h5").string(), "jet_preproc", {3}, {1, 2, 3}, false);
       },
       "varspec --preproc {d}/p.h5 --model " + model + " -o {d}/v.json", {"{d}/p.h5: /jet_preproc: no such group"}, "v.json"},
      {"varspec_preproc_of_the_wrong_shape",
       [preproc](const fs::path& d) {
         fs::copy_file(preproc, d / "p.h5");
         write_dataset((d / "p.h5").string(), "jet_preproc/TauJets/SumPtTrkFrac/offset", {3, 3}, std::vector<double>(9, 1.0), false);
       },
       "varspec --preproc {d}/p.h5 --model " + model + " -o {d}/v.json", {"{d}/p.h5: /jet_preproc/TauJets/SumPtTrkFrac: offset and scale must be scalars or one value per step, not 2-D and 0-D datasets"},
       "v.json"},
      {"varspec_offsets_that_differ_between_steps",
       [preproc](const fs::path& d) {
         fs::copy_file(preproc, d / "p.h5");
         write_dataset((d / "p.h5").string(), "trk_preproc/TauTracks/pt_log/offset", {10}, {1, 1, 1, 2, 1, 1, 1, 1, 1, 1}, false);
       },
       "varspec --preproc {d}/p.h5 --model " + model + " -o {d}/v.json",
       {"{d}/p.h5: /trk_preproc/TauTracks/pt_log: the offset or scale differs between steps"}, "v.json"},
      {"varspec_truncated_template", [](const fs::path& d) { text(d / "t.json", "{\"inputs\": [{\"name\": \"scal"); },
       "varspec --preproc " + preproc + " {d}/t.json -o {d}/v.json", {"{d}/t.json: not valid JSON at line"}, "v.json"},
      {"varspec_output_is_the_preproc", [preproc](const fs::path& d) { fs::copy_file(preproc, d / "p.h5"); },
       "varspec --preproc {d}/p.h5 --model " + model + " -o {d}/p.h5",
       {"{d}/p.h5: the output is the same file as the preprocessing file {d}/p.h5"}},
      {"varspec_output_is_a_directory", [](const fs::path& d) { fs::create_directory(d / "v.json"); },
       "varspec --preproc " + preproc + " --model " + model + " -o {d}/v.json", {"{d}/v.json: is a directory"}},
  };
}

std::vector<bad_input> tauid_cases() {
  return {
      {"tauid_track_datasets_of_different_slot_counts", [](const fs::path& d) { text(d / "net.json", tau_network); candidates(d / "c.h5", 3, 1); },
       tauid, {"{d}/c.h5: /TauTracks/dEta: 1 track slots per candidate, but /TauTracks/pt has 3"}, "s.h5"},
      {"tauid_cluster_datasets_of_different_slot_counts",
       [](const fs::path& d) { text(d / "net.json", tau_network); candidates(d / "c.h5", 3, 3, 5); }, tauid,
       {"{d}/c.h5: /TauClusters/dEta: 2 cluster slots per candidate, but /TauClusters/et has 5"}, "s.h5"},
      {"tauid_absurd_slot_count",
       with_tau([](const fs::path& d) {
         write_dataset((d / "c.h5").string(), "TauJets/nTracks", {2}, {1, 3}, true);
         write_dataset((d / "c.h5").string(), "TauJets/centFrac", {2}, {0.5, 0.2}, false);
         write_unallocated_dataset((d / "c.h5").string(), "TauTracks/pt", {2, std::size_t(1) << 54}, false);
         write_unallocated_dataset((d / "c.h5").string(), "TauTracks/dEta", {2, std::size_t(1) << 54}, false);
       }),
       tauid, {"{d}/c.h5: /TauTracks/pt: 18014398509481984 track slots per candidate: more than the limit"}, "s.h5"},
      {"tauid_missing_centfrac",
       with_tau([](const fs::path& d) { write_dataset((d / "c.h5").string(), "TauJets/nTracks", {2}, {1, 3}, true); }), tauid,
       {"{d}/c.h5: /TauJets/centFrac: no such dataset"}, "s.h5"},
      {"tauid_candidate_counts_differ",
       with_tau([](const fs::path& d) { write_dataset((d / "c.h5").string(), "TauJets/centFrac", {3}, {1, 2, 3}, false); }), tauid,
       {"{d}/c.h5: /TauJets/centFrac"}, "s.h5"},
      {"tauid_truncated_candidates",
       [](const fs::path& d) {
         text(d / "net.json", tau_network);
         write_truncated_copy(shared_dir() / "tau" / "tau_candidates.h5", d / "c.h5", 0.5);
       },
       tauid, {"{d}/c.h5: cannot open the HDF5 file (damaged or truncated?)"}, "s.h5"},
      {"tauid_min_charged_tracks_beyond_int", with_tau(), tauid + " --min-charged-tracks 2147483648",
       {"option --min-charged-tracks: 2147483648 is out of range (an integer from 0 to 2147483647)"}, "s.h5"},
      {"tauid_max_cluster_dr_nan", with_tau(), tauid + " --max-cluster-dr nan", {"option --max-cluster-dr: 'nan' is not a number"}, "s.h5"},
      {"tauid_output_varname_network", with_tau(), tauid + " --output-varname network",
       {"{d}/s.h5: /TauJets: column 'network' would be written twice, by the score (--output-varname) and by the network choice"}, "s.h5"},
      {"tauid_network_is_an_hdf5_file", with_tau(), "tauid --net-1p {d}/c.h5 --net-3p {d}/net.json {d}/c.h5 -o {d}/s.h5",
       {"{d}/c.h5: an HDF5 file (a Keras model?), not a network file"}, "s.h5"},
      {"tauid_network_without_the_scalar_input", with_tau([](const fs::path& d) { text(d / "net3.json", replaced(tau_network, "\"scalar\"", "\"jets\"")); }),
       "tauid --net-1p {d}/net.json --net-3p {d}/net3.json {d}/c.h5 -o {d}/s.h5", {"{d}/net3.json: input 'jets' is not the scalar input the evaluator feeds ('scalar')"}, "s.h5"},
      {"tauid_output_is_the_candidates", with_tau(), "tauid --net-1p {d}/net.json --net-3p {d}/net.json {d}/c.h5 -o {d}/c.h5",
       {"{d}/c.h5: the output is the same file as the candidate file {d}/c.h5"}},
      {"tauid_output_is_a_fifo", with_tau([](const fs::path& d) { fifo(d / "s.h5"); }), tauid,
       {"{d}/s.h5: not a regular file; this output (HDF5) needs one"}},
      {"tauid_output_is_a_directory", with_tau([](const fs::path& d) { fs::create_directory(d / "s.h5"); }), tauid,
       {"{d}/s.h5: is a directory"}},
  };
}

std::vector<bad_input> catalogue() {
  std::vector<bad_input> all;
  for (auto part : {convert_cases(), split_cases(), inspect_cases(), eval_json_cases(), eval_ntuple_cases(), check_cases(), vardict_cases(),
                    varspec_cases(), tauid_cases()})
    for (auto& c : part) all.push_back(std::move(c));
  return all;
}

// ---- running one case ----------------------------------------------------

/// Every entry of the folder: its kind, and the bytes of regular files.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> s;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const auto rel = fs::relative(e.path(), dir).string();
    const auto st = e.symlink_status();
    if (fs::is_regular_file(st)) s[rel] = "file:" + slurp(e.path());
    else if (fs::is_directory(st)) s[rel] = "directory";
    else if (fs::is_fifo(st)) s[rel] = "fifo";
    else s[rel] = "other";
  }
  return s;
}

std::vector<std::string> differences(const std::map<std::string, std::string>& before, const std::map<std::string, std::string>& after) {
  std::vector<std::string> d;
  for (const auto& [name, what] : after) {
    const auto it = before.find(name);
    if (it == before.end()) d.push_back("left behind: " + name);
    else if (it->second != what) d.push_back("changed: " + name);
  }
  for (const auto& [name, what] : before)
    if (!after.count(name)) d.push_back("removed: " + name);
  return d;
}

class bad_inputs : public testing::TestWithParam<bad_input> {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hepnn-catalogue-" + std::to_string(::getpid()) + "-" + GetParam().name);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// Runs the case in the folder as it is; the folder must not change.
  void run_and_expect_refusal(const std::string& when) {
    const bad_input& c = GetParam();
    const auto before = snapshot(dir_);
    const auto r = hepnn_cli(in_folder(c.args, dir_));
    EXPECT_EQ(r.status, 2) << when << ": hepnn " << in_folder(c.args, dir_) << "\n" << r.err;
    for (const auto& m : c.messages)
      EXPECT_NE(r.err.find(in_folder(m, dir_)), std::string::npos) << when << ": no '" << in_folder(m, dir_) << "' in:\n" << r.err;
    EXPECT_EQ(r.err.find("unexpected error"), std::string::npos) << r.err;
    for (const auto& d : differences(before, snapshot(dir_))) ADD_FAILURE() << when << ": " << d;
  }
  fs::path dir_;
};

TEST_P(bad_inputs, exit_2_naming_the_file_and_nothing_written) {
  const bad_input& c = GetParam();
  if (c.make) c.make(dir_);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_FALSE(c.messages.empty());
  run_and_expect_refusal(c.output.empty() ? "output made by the case" : "no output yet");
  if (c.output.empty()) return;
  ASSERT_FALSE(fs::exists(dir_ / c.output)) << "the case's inputs already hold the output";
  text(dir_ / c.output, "an earlier output, to keep\n");
  run_and_expect_refusal("an existing output");
}

INSTANTIATE_TEST_SUITE_P(catalogue, bad_inputs, testing::ValuesIn(catalogue()),
                         [](const testing::TestParamInfo<bad_input>& p) { return p.param.name; });

TEST(bad_inputs_catalogue, covers_every_command_with_at_least_60_cases) {
  const auto all = catalogue();
  EXPECT_GE(all.size(), 60u);
  for (const std::string command : {"convert", "split", "inspect", "eval", "check", "vardict", "varspec", "tauid"}) {
    std::size_t n = 0;
    for (const auto& c : all) n += c.args.rfind(command + " ", 0) == 0;
    EXPECT_GE(n, 4u) << command;
  }
}

} // namespace
} // namespace hepnn::test
