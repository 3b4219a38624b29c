// Issue 8, bad input for fixed-shape tensors: each is a clear error naming
// the file, the node or layer and the shapes involved; nothing crashes.
#include "hepnn/errors.hpp"
#include "hepnn/io.hpp"
#include "hepnn/network.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hepnn {
namespace {

/// A 2×2×1 image (4 variables) → reshape → `nodes` and `layers` after it.
std::string image_net(const std::string& rest_nodes, const std::string& layers, std::size_t out_node, std::size_t labels,
                      const std::string& shape = "[2, 2, 1]") {
  std::string lab;
  for (std::size_t i = 0; i < labels; ++i) {
    if (i) lab.append(", ");
    lab.append(1, '"').append(std::to_string(i)).append(1, '"');
  }
  return R"({"inputs": [{"name": "img", "variables": [{"name": "a", "offset": 0, "scale": 1}, {"name": "b", "offset": 0, "scale": 1},
            {"name": "c", "offset": 0, "scale": 1}, {"name": "d", "offset": 0, "scale": 1}]}], "input_sequences": [],
            "nodes": [{"type": "input", "sources": [0], "size": 4}, {"type": "reshape", "sources": [0], "shape": )" +
         shape + "}" + rest_nodes + R"(], "layers": )" + layers + R"(, "outputs": {"out": {"node_index": )" +
         std::to_string(out_node) + R"(, "labels": [)" + lab + "]}}}";
}

std::string error_of(const std::string& json) {
  try {
    parse_network(json, "net.json");
  } catch (const config_error& e) {
    return e.what();
  }
  return "no error";
}

TEST(tensor_errors, a_valid_image_network_parses_and_evaluates) {
  const std::string json = image_net(R"(, {"type": "feed_forward", "sources": [1], "layer_index": 0},
      {"type": "reshape", "sources": [2], "shape": [1]})",
                                     R"([{"architecture": "pooling", "function": "max", "pool_size": [2, 2], "padding": "valid"}])", 3, 1);
  ASSERT_EQ(error_of(json), "no error");
  const network64 net(parse_network(json, "net.json"));
  const auto out = net.compute({{"img", {{"a", 1}, {"b", 4}, {"c", -2}, {"d", 3}}}}, {}, "out");
  EXPECT_EQ(out.at("0"), 4.0);
}

TEST(tensor_errors, a_reshape_whose_sizes_disagree) {
  EXPECT_EQ(error_of(image_net("", "[]", 1, 1, "[3, 2]")),
            "net.json: /nodes/1 (reshape): cannot reshape source node 0 of shape (4,) (4 values) to (3, 2) (6 values)");
}

TEST(tensor_errors, a_pooling_window_larger_than_its_input) {
  EXPECT_EQ(error_of(image_net(R"(, {"type": "feed_forward", "sources": [1], "layer_index": 0})",
                               R"([{"architecture": "pooling", "function": "max", "pool_size": [3, 3], "padding": "valid"}])", 2, 1)),
            "net.json: /nodes/2 (feed_forward): the window 3 is larger than the input's axis 0 of length 2 (shape (2, 2, 1))");
}

TEST(tensor_errors, a_convolution_kernel_of_the_wrong_shape) {
  EXPECT_EQ(error_of(image_net(R"(, {"type": "feed_forward", "sources": [1], "layer_index": 0})",
                               R"([{"architecture": "conv2d", "weights": [1, 2, 3], "bias": [0], "kernel_size": [2, 2],
                                    "padding": "valid", "activation": "linear"}])", 2, 1)),
            "net.json: /layers/0 (conv2d): weights has 3 values, expected 4 (filters 1 × kernel 2×2 × inputs 1)");
}

TEST(tensor_errors, an_image_used_as_an_output) {
  EXPECT_NE(error_of(image_net("", "[]", 1, 1)).find("an output must be a vector or a sequence"), std::string::npos);
}

TEST(tensor_errors, a_fixed_input_given_the_wrong_number_of_steps) {
  const std::string json = R"({"inputs": [], "input_sequences": [{"name": "block", "steps": 3, "variables": [{"name": "x", "offset": 0, "scale": 1}]}],
    "nodes": [{"type": "input_sequence", "sources": [0], "size": 1}, {"type": "reshape", "sources": [0], "shape": [3]}],
    "layers": [], "outputs": {"out": {"node_index": 1, "labels": ["a", "b", "c"]}}})";
  const network net(parse_network(json, "net.json"));
  EXPECT_EQ(net.compute({}, {{"block", {{"x", {1, 2, 3}}}}}, "out").at("c"), 3.0);
  try {
    net.compute({}, {{"block", {{"x", {1, 2}}}}}, "out");
    FAIL() << "no error";
  } catch (const input_error& e) {
    EXPECT_EQ(std::string(e.what()), "net.json: input 'block' has a fixed shape of 3 steps, but event 0 gives 2");
  }
}

TEST(tensor_errors, an_embedding_index_out_of_range) {
  const std::string json = R"({"inputs": [], "input_sequences": [{"name": "cat", "variables": [{"name": "k", "offset": 0, "scale": 1}]}],
    "nodes": [{"type": "input_sequence", "sources": [0], "size": 1}, {"type": "sequence", "sources": [0], "layer_index": 0},
              {"type": "sum", "sources": [1]}],
    "layers": [{"architecture": "embedding", "sublayers": [{"index": 0, "n_out": 1, "weights": [0.5, 1.5]}]}],
    "outputs": {"out": {"node_index": 2, "labels": ["s"]}}})";
  const network net(parse_network(json, "net.json"));
  EXPECT_EQ(net.compute({}, {{"cat", {{"k", {1, 0}}}}}, "out").at("s"), 2.0f);
  EXPECT_THROW(net.compute({}, {{"cat", {{"k", {2}}}}}, "out"), input_error);
}

TEST(tensor_errors, sizes_beyond_the_limits_are_refused_before_allocating) {
  EXPECT_NE(error_of(image_net(R"(, {"type": "repeat", "sources": [0], "shape": [100000000]})", "[]", 2, 1)).find("more than the limit"),
            std::string::npos);
}

TEST(tensor_errors, nested_self_concatenations_stop_at_the_width_limit) {
  // each node joins the previous one with itself: the width doubles 40 times
  std::string nodes = R"([{"type": "input", "sources": [0], "size": 4})";
  for (int k = 1; k <= 40; ++k)
    nodes += R"(, {"type": "concatenate", "sources": [)" + std::to_string(k - 1) + ", " + std::to_string(k - 1) + "]}";
  nodes += "]";
  const std::string json = R"({"inputs": [{"name": "x", "variables": [{"name": "a", "offset": 0, "scale": 1},
      {"name": "b", "offset": 0, "scale": 1}, {"name": "c", "offset": 0, "scale": 1}, {"name": "d", "offset": 0, "scale": 1}]}],
      "input_sequences": [], "nodes": )" + nodes + R"(, "layers": [], "outputs": {"out": {"node_index": 40, "labels": ["a"]}}})";
  EXPECT_NE(error_of(json).find("/nodes/23 (concatenate): shape (33554432,) has 33554432 elements per event, more than the limit 16777216"),
            std::string::npos) << error_of(json);
}


// Issue 9: a masking node that nothing reads was compiled without a
// workspace slot, and the executor wrote its output through slot_ptr[-1]
// (found by fuzz_network; a heap overflow under ASan). It is not run; the
// sum beside it is computed as usual, alone and in a batch.
TEST(tensor_errors, a_masking_node_nothing_reads_is_not_run) {
  const std::string json = R"({"inputs": [], "input_sequences": [{"name": "trk", "variables": [
      {"name": "a", "offset": 0, "scale": 1}, {"name": "b", "offset": 0, "scale": 1}]}],
    "nodes": [{"type": "input_sequence", "sources": [0], "size": 2}, {"type": "masking", "sources": [0], "mask_value": 0},
              {"type": "sum", "sources": [0]}],
    "layers": [], "outputs": {"s": {"node_index": 2, "labels": ["a", "b"]}}})";
  const network net(parse_network(json, "unread_mask.json"));
  for (int repeat = 0; repeat < 3; ++repeat) {
    const auto out = net.compute({}, {{"trk", {{"a", {1.0, 0.0, 2.0}}, {"b", {3.0, 0.0, 4.0}}}}}, "s");
    EXPECT_EQ(out.at("a"), 3.0);
    EXPECT_EQ(out.at("b"), 7.0);
  }
}

} // namespace
} // namespace hepnn
