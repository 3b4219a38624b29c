// A bad network file is an exception that says where the problem is; exact
// message text is part of the interface (one malformed file per check).
#include "hepnn/errors.hpp"
#include "hepnn/io.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hepnn {
namespace {

/// A valid graph: 2 inputs → dense(3, relu); `edit` replaces one piece.
std::string graph(const std::string& layers = R"([{"architecture": "dense", "weights": [1,2,3,4,5,6], "bias": [0,0,0], "activation": "rectified"}])",
                  const std::string& nodes = R"([{"type": "input", "sources": [0], "size": 2}, {"type": "feed_forward", "sources": [0], "layer_index": 0}])",
                  const std::string& outputs = R"({"out": {"node_index": 1, "labels": ["a", "b", "c"]}})") {
  return R"({"inputs": [{"name": "jet", "variables": [{"name": "pt", "offset": 0, "scale": 1}, {"name": "eta", "offset": 0, "scale": 1}]}],
            "input_sequences": [], "nodes": )" +
         nodes + R"(, "layers": )" + layers + R"(, "outputs": )" + outputs + "}";
}

std::string error_of(const std::string& json) {
  try {
    parse_network(json, "net.json");
  } catch (const config_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(network_errors, valid_file_parses) { EXPECT_EQ(error_of(graph()), "no error"); }

TEST(network_errors, malformed_json_names_line_and_column) {
  EXPECT_EQ(error_of("{\"inputs\": [\n  {\"name\": \"x\",, }\n]}"),
            "net.json: not valid JSON at line 2, column 16: The JSON document has an improper structure: missing or "
            "superfluous commas, braces, missing keys, etc.");
}

TEST(network_errors, nan_literal_is_rejected_as_lwtnn_does) {
  EXPECT_NE(error_of(graph(R"([{"architecture": "dense", "weights": [NaN,2,3,4,5,6], "bias": [0,0,0], "activation": "linear"}])"))
                .find("not valid JSON at line 2"),
            std::string::npos);
}

TEST(network_errors, missing_keys) {
  EXPECT_EQ(error_of(graph(R"([{"architecture": "dense", "weights": [1,2,3,4,5,6], "bias": [0,0,0]}])")),
            "net.json: /layers/0 (dense): missing key 'activation'");
  EXPECT_EQ(error_of(R"({"inputs": [], "input_sequences": [], "layers": [], "outputs": {}})"),
            "net.json: /: missing key 'nodes'");
  EXPECT_EQ(error_of(graph(R"([{"architecture": "lstm", "activation": "tanh", "inner_activation": "sigmoid",
                               "components": {"i": {"weights": [1,2], "bias": [0]}}}])")),
            "net.json: /layers/0 (lstm): components/i: missing key 'U'");
}

TEST(network_errors, wrong_weight_counts) {
  EXPECT_EQ(error_of(graph(R"([{"architecture": "dense", "weights": [1,2,3,4,5], "bias": [0,0,0], "activation": "linear"}])")),
            "net.json: /layers/0 (dense): weights has 5 values, not a multiple of the input width 2");
  EXPECT_EQ(error_of(graph(R"([{"architecture": "dense", "weights": [1,2,3,4,5,6], "bias": [0,0], "activation": "linear"}])")),
            "net.json: /layers/0 (dense): bias has 2 values, expected 3 (one per output)");
  const std::string lstm = R"({"inputs": [], "input_sequences": [{"name": "trk", "variables": [
      {"name": "d0", "offset": 0, "scale": 1}, {"name": "z0", "offset": 0, "scale": 1}]}],
    "nodes": [{"type": "input_sequence", "sources": [0], "size": 2}, {"type": "sequence", "sources": [0], "layer_index": 0}],
    "layers": [{"architecture": "lstm", "activation": "tanh", "inner_activation": "sigmoid", "components": {
      "i": {"weights": [1,2], "U": [1,2], "bias": [0]}, "f": {"weights": [1,2], "U": [1], "bias": [0]},
      "c": {"weights": [1,2], "U": [1], "bias": [0]}, "o": {"weights": [1,2], "U": [1], "bias": [0]}}}],
    "outputs": {"out": {"node_index": 1, "labels": ["a"]}}})";
  EXPECT_EQ(error_of(lstm), "net.json: /layers/0 (lstm): components/i/U has 2 values, expected 1 (units 1 × 1)");
}

TEST(network_errors, unknown_names) {
  EXPECT_EQ(error_of(graph(R"([{"architecture": "dense2", "weights": [], "bias": [], "activation": "linear"}])")),
            "net.json: /layers/0/architecture: architecture 'dense2' not recognized");
  EXPECT_EQ(error_of(graph(R"([{"architecture": "dense", "weights": [], "bias": [], "activation": "swoosh"}])")),
            "net.json: /layers/0 (dense): activation: unknown activation function 'swoosh'");
  EXPECT_EQ(error_of(graph(R"([{"architecture": "dense", "weights": [], "bias": [], "activation": "relu"}])")),
            "net.json: /layers/0 (dense): activation: activation 'relu' is spelled 'rectified' in network files");
  EXPECT_EQ(error_of(graph(R"([{"architecture": "dense", "weights": [1,2,3,4,5,6], "bias": [0,0,0], "activation": "rectified"}])",
                           R"([{"type": "input", "sources": [0], "size": 2}, {"type": "dense", "sources": [0], "layer_index": 0}])")),
            "net.json: /nodes/1/type: no node type 'dense'");
}

TEST(network_errors, bare_swish_and_leakyrelu_would_be_nan_in_lwtnn) {
  EXPECT_EQ(error_of(graph(R"([{"architecture": "dense", "weights": [], "bias": [], "activation": "swish"}])")),
            "net.json: /layers/0 (dense): activation: activation 'swish' needs a parameter: write {\"function\": "
            "\"swish\", \"alpha\": ...} (lwtnn would compute NaN here)");
  EXPECT_NE(error_of(graph(R"([{"architecture": "dense", "weights": [], "bias": [], "activation": "leakyrelu"}])"))
                .find("activation 'leakyrelu' needs a parameter"),
            std::string::npos);
}

TEST(network_errors, bad_indices_and_cycles) {
  const std::string layer = R"([{"architecture": "dense", "weights": [1,2,3,4,5,6], "bias": [0,0,0], "activation": "linear"}])";
  EXPECT_EQ(error_of(graph(layer, R"([{"type": "input", "sources": [0], "size": 2}, {"type": "feed_forward", "sources": [7], "layer_index": 0}])")),
            "net.json: /nodes/1 (feed_forward): source 7 is not a node index (2 nodes)");
  EXPECT_EQ(error_of(graph(layer, R"([{"type": "input", "sources": [0], "size": 2}, {"type": "feed_forward", "sources": [-1], "layer_index": 0}])")),
            "net.json: /nodes/1 (feed_forward): sources/0: negative value -1 where an index or count is expected");
  EXPECT_EQ(error_of(graph(layer, R"([{"type": "input", "sources": [0], "size": 2}, {"type": "feed_forward", "sources": [0], "layer_index": 3}])")),
            "net.json: /nodes/1 (feed_forward): layer_index 3 is not a layer index (1 layers)");
  EXPECT_EQ(error_of(graph(layer, R"([{"type": "input", "sources": [1], "size": 2}, {"type": "feed_forward", "sources": [0], "layer_index": 0}])")),
            "net.json: /nodes/0 (input): source 1 is not an index of inputs (1 entries)");
  EXPECT_EQ(error_of(graph(layer, R"([{"type": "input", "sources": [0], "size": 2}, {"type": "concatenate", "sources": [0, 2]},
                                      {"type": "feed_forward", "sources": [1], "layer_index": 0}])",
                           R"({"out": {"node_index": 2, "labels": ["a", "b", "c"]}})")),
            "net.json: /nodes/1 (concatenate): cycle in the graph: nodes 1 → 2 → 1");
  EXPECT_EQ(error_of(graph(layer, graph().substr(0, 0) + R"([{"type": "input", "sources": [0], "size": 2}, {"type": "feed_forward", "sources": [0], "layer_index": 0}])",
                           R"({"out": {"node_index": 9, "labels": ["a"]}})")),
            "net.json: /outputs/out: node_index 9 is not a node index (2 nodes)");
}

TEST(network_errors, labels_must_match_the_output_width) {
  EXPECT_EQ(error_of(graph(R"([{"architecture": "dense", "weights": [1,2,3,4,5,6], "bias": [0,0,0], "activation": "linear"}])",
                           R"([{"type": "input", "sources": [0], "size": 2}, {"type": "feed_forward", "sources": [0], "layer_index": 0}])",
                           R"({"out": {"node_index": 1, "labels": ["a", "b"]}})")),
            "net.json: /outputs/out: 2 labels for node 1 of width 3");
  EXPECT_EQ(error_of(graph(R"([{"architecture": "dense", "weights": [1,2,3,4,5,6], "bias": [0,0,0], "activation": "linear"}])",
                           R"([{"type": "input", "sources": [0], "size": 2}, {"type": "feed_forward", "sources": [0], "layer_index": 0}])",
                           R"({"out": {"node_index": 1, "labels": ["a", "b", "a"]}})")),
            "net.json: /outputs/out: label 'a' appears twice");
}

TEST(network_errors, absurd_sizes_are_rejected_without_allocating) {
  EXPECT_EQ(error_of(graph(R"([{"architecture": "dense", "weights": [1,2,3,4,5,6], "bias": [0,0,0], "activation": "linear"}])",
                           R"([{"type": "input", "sources": [0], "size": 1000000000000}, {"type": "feed_forward", "sources": [0], "layer_index": 0}])")),
            "net.json: /nodes/0 (input): size 1000000000000 differs from the 2 variables of input 'jet'");
  EXPECT_EQ(error_of(graph(R"([{"architecture": "dense", "weights": [1,2,3,4,5,6], "bias": [0,0,0], "activation": "linear"}])",
                           R"([{"type": "input", "sources": [0], "size": 1e300}, {"type": "feed_forward", "sources": [0], "layer_index": 0}])")),
            "net.json: /nodes/0 (input): size: expected a non-negative integer, got 1e+300");
}

TEST(network_errors, inconsistent_layers) {
  EXPECT_EQ(error_of(graph(R"([{"architecture": "normalization", "weights": [1,2,3], "bias": [0,0,0]}])",
                           R"([{"type": "input", "sources": [0], "size": 2}, {"type": "feed_forward", "sources": [0], "layer_index": 0}])",
                           R"({"out": {"node_index": 1, "labels": ["a", "b"]}})")),
            "net.json: /layers/0 (normalization): weights has 3 values, expected 2 (one per input feature)");
  // one layer used by nodes of different input widths (lwtnn: undefined behaviour at evaluation)
  EXPECT_EQ(error_of(graph(R"([{"architecture": "dense", "weights": [1,2,3,4], "bias": [0,0], "activation": "linear"}])",
                           R"([{"type": "input", "sources": [0], "size": 2}, {"type": "feed_forward", "sources": [0], "layer_index": 0},
                               {"type": "concatenate", "sources": [0, 1]}, {"type": "feed_forward", "sources": [2], "layer_index": 0}])",
                           R"({"out": {"node_index": 3, "labels": ["a"]}})")),
            "net.json: /nodes/3 (feed_forward): shares layer 0 with a node of input width 2, but its own input has width 4");
  EXPECT_EQ(error_of(graph(R"([{"architecture": "lstm", "activation": "tanh", "inner_activation": "sigmoid", "components": {
      "i": {"weights": [1,2], "U": [1], "bias": [0]}, "f": {"weights": [1,2], "U": [1], "bias": [0]},
      "c": {"weights": [1,2], "U": [1], "bias": [0]}, "o": {"weights": [1,2], "U": [1], "bias": [0]}}}])")),
            "net.json: /nodes/1 (feed_forward): layer 0 is a lstm layer, which needs a 'sequence' node");
}

TEST(network_errors, quoted_numbers_are_accepted_as_in_lwtnn) {
  const model m = parse_network(graph(R"([{"architecture": "dense", "weights": ["1", "2.5", 3, 4, 5, 6], "bias": [0, "0", 0], "activation": "linear"}])"));
  EXPECT_EQ(m.layers[0].weights[1], 2.5);
  EXPECT_EQ(error_of(graph(R"([{"architecture": "dense", "weights": [1,2,3,4,5,"x"], "bias": [0,0,0], "activation": "linear"}])")),
            "net.json: /layers/0 (dense): weights/5: 'x' is not a finite number");
}

TEST(network_errors, missing_file_names_it) {
  try {
    read_network("/nonexistent/net.json");
    FAIL() << "no exception";
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/net.json: cannot read the file: No such file or directory");
  }
}

TEST(network_errors, errors_derive_from_the_hepnn_root) {
  EXPECT_THROW(parse_network("[]"), hepnn::error);
  EXPECT_THROW(parse_network("[]"), std::runtime_error);
  EXPECT_EQ(error_of("[]"), "net.json: /: a network file is a JSON object, got an array");
}

} // namespace
} // namespace hepnn
