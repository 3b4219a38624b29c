// Evaluation through the three APIs, defaults and NaN handling, and the
// semantics hepnn fixes or adds relative to lwtnn (documented in
// docs/network-format.md), each against a hand computation.
#include "hepnn/errors.hpp"
#include "hepnn/io.hpp"
#include "hepnn/network.hpp"
#include "support/shared_data.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

namespace hepnn {
namespace {

const double nan = std::numeric_limits<double>::quiet_NaN();

// lwtnn-format.md §4: pt = 0, eta = 2.5 → signal 0.5156199157, background 0.4843800843
const char* sequential_example = R"({
  "inputs": [{"name": "pt", "offset": -50.0, "scale": 0.02}, {"name": "eta", "offset": 0.0, "scale": 0.4}],
  "layers": [
    {"architecture": "dense", "weights": [0.5, -1.0, 1.5, 0.25, -0.5, 0.75], "bias": [0.1, 0.0, -0.1], "activation": "rectified"},
    {"architecture": "normalization", "weights": [1.0, 2.0, 0.5], "bias": [0.0, -0.1, 0.2]},
    {"architecture": "dense", "weights": [1.0, -1.0, 0.5, -0.5, 1.0, 1.0], "bias": [0.0, 0.0],
     "activation": {"function": "leakyrelu", "alpha": 0.1}},
    {"architecture": "dense", "weights": [], "bias": [], "activation": "softmax"}],
  "outputs": ["signal", "background"],
  "defaults": {"eta": 0.0},
  "miscellaneous": {"trained_with": "keras-2.10"}})";

// lwtnn-format.md §5.4
const char* graph_example = R"({
  "inputs": [{"name": "jet", "variables": [{"name": "pt", "offset": 0.0, "scale": 0.01},
                                           {"name": "eta", "offset": 0.0, "scale": 1.0, "default": 0.0}]}],
  "input_sequences": [{"name": "tracks", "variables": [{"name": "d0", "offset": 0.0, "scale": 1.0},
                                                        {"name": "z0", "offset": 0.0, "scale": 0.5}]}],
  "nodes": [
    {"type": "input", "sources": [0], "size": 2},
    {"type": "input_sequence", "sources": [0], "size": 2},
    {"type": "time_distributed", "sources": [1], "layer_index": 0},
    {"type": "sum", "sources": [2]},
    {"type": "sequence", "sources": [1], "layer_index": 1},
    {"type": "concatenate", "sources": [0, 3, 4]},
    {"type": "feed_forward", "sources": [5], "layer_index": 2},
    {"type": "feed_forward", "sources": [6], "layer_index": 3}],
  "layers": [
    {"architecture": "dense", "weights": [1, 0, 0, 1, 1, 1], "bias": [0, 0, 0], "activation": "rectified"},
    {"architecture": "gru", "activation": "tanh", "inner_activation": "sigmoid", "components": {
       "z": {"weights": [0.1, 0.2], "U": [0.3], "bias": [0.0]},
       "r": {"weights": [0.2, 0.1], "U": [0.1], "bias": [0.0]},
       "h": {"weights": [0.5, -0.5], "U": [0.2], "bias": [0.1]}}},
    {"architecture": "dense", "weights": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, -0.1, -0.2, -0.3, -0.4, -0.5, -0.6],
     "bias": [0.0, 0.0], "activation": "linear"},
    {"architecture": "dense", "weights": [], "bias": [], "activation": "softmax"}],
  "outputs": {"flavour": {"node_index": 7, "labels": ["pb", "pu"]},
              "logits": {"node_index": 6, "labels": ["lb", "lu"]}}})";

template <typename T> class api : public ::testing::Test {};
using precisions = ::testing::Types<float, double>;
TYPED_TEST_SUITE(api, precisions);

template <typename T> double tolerance() { return std::is_same_v<T, float> ? 2e-6 : 1e-9; }

TYPED_TEST(api, sequential_example_from_the_format_reference) {
  const basic_network<TypeParam> net(parse_network(sequential_example, "sequential.json"));
  auto out = net.compute({{"input_node", {{"pt", 0.0}, {"eta", 2.5}}}});
  EXPECT_NEAR(out.at("signal"), 0.5156199157, tolerance<TypeParam>());
  EXPECT_NEAR(out.at("background"), 0.4843800843, tolerance<TypeParam>());
  // lwtnn's sequential format names neither its input nor its output node: any single node name is accepted
  out = net.compute({{"b-tagging", {{"pt", 0.0}, {"eta", 2.5}}}});
  EXPECT_NEAR(out.at("signal"), 0.5156199157, tolerance<TypeParam>());
  // the "defaults" map applies to a missing (NaN) eta
  const auto missing = net.compute({{"x", {{"pt", 0.0}, {"eta", nan}}}});
  const auto zero = net.compute({{"x", {{"pt", 0.0}, {"eta", 0.0}}}});
  EXPECT_EQ(missing.at("signal"), zero.at("signal"));
}

TYPED_TEST(api, only_dense_layers_fold_into_a_following_normalization) {
  // prelu and normalization layers also carry weights and a linear activation;
  // folding them as if they were dense would read past their weights
  const char* json = R"({"inputs": [{"name": "a", "offset": 0, "scale": 1}, {"name": "b", "offset": 0, "scale": 1}],
    "layers": [{"architecture": "prelu", "weights": [0.5, 0.25], "activation": "linear"},
               {"architecture": "normalization", "weights": [2.0, 3.0], "bias": [1.0, -1.0]},
               {"architecture": "normalization", "weights": [1.0, 0.5], "bias": [0.5, 0.0]}],
    "outputs": ["x", "y"]})";
  const basic_network<TypeParam> net(parse_network(json, "prelu_norm.json"));
  // prelu(−2, 3) = (−1, 3); (w ⊙ (x + b)) twice: (0, 6), then (0.5, 3)
  const auto out = net.compute({{"in", {{"a", -2.0}, {"b", 3.0}}}});
  EXPECT_NEAR(out.at("x"), 0.5, tolerance<TypeParam>());
  EXPECT_NEAR(out.at("y"), 3.0, tolerance<TypeParam>());
}

TYPED_TEST(api, graph_example_from_the_format_reference) {
  const basic_network<TypeParam> net(parse_network(graph_example, "graph.json"));
  const node_map jet{{"jet", {{"pt", 120.0}, {"eta", -0.5}}}};
  const seq_node_map tracks{{"tracks", {{"d0", {1, -2, 0.5}}, {"z0", {0.5, 0.25, -1}}}}};
  auto all = net.compute_all(jet, tracks);
  EXPECT_NEAR(all.at("flavour").at("pb"), 0.9344278568, tolerance<TypeParam>());
  EXPECT_NEAR(all.at("flavour").at("pu"), 0.0655721432, tolerance<TypeParam>());
  EXPECT_NEAR(all.at("logits").at("lb"), 1.328391733, tolerance<TypeParam>());
  EXPECT_NEAR(all.at("logits").at("lu"), -1.328391733, tolerance<TypeParam>());
  // zero tracks: the sum gives zeros and the GRU a zero vector
  all = net.compute_all(jet, {{"tracks", {{"d0", {}}, {"z0", {}}}}});
  EXPECT_NEAR(all.at("logits").at("lb"), 0.02, tolerance<TypeParam>());
  EXPECT_NEAR(all.at("logits").at("lu"), -0.02, tolerance<TypeParam>());
  EXPECT_NEAR(all.at("flavour").at("pb"), 0.5099986669, tolerance<TypeParam>());
  // several outputs: the name-keyed single-output call needs a name
  EXPECT_THROW(net.compute(jet, tracks), config_error);
  EXPECT_NEAR(net.compute(jet, tracks, "flavour").at("pb"), 0.9344278568, tolerance<TypeParam>());
}

TYPED_TEST(api, fast_and_batch_paths_in_the_callers_order) {
  const basic_network<TypeParam> net(parse_network(graph_example, "graph.json"));
  // the caller passes eta before pt, and z0 before d0; only "logits" is wanted
  input_order order{{{"jet", {"eta", "unused", "pt"}}}, {{"tracks", {"z0", "d0"}}}};
  const binding b = net.bind(order, {"logits"});
  ASSERT_EQ(b.output_size(), 2u);
  const TypeParam jet[] = {-0.5, 99, 120.0};
  const TypeParam trk[] = {0.5, 1, 0.25, -2, -1, 0.5};
  const TypeParam* scalars[] = {jet};
  sequence_input<TypeParam> seqs[] = {{trk, 3}};
  TypeParam out[2];
  workspace ws;
  net.evaluate(b, scalars, seqs, out, ws);
  EXPECT_NEAR(out[0], 1.328391733, tolerance<TypeParam>());
  // batch: event 0 as above, event 1 with no tracks, event 2 with the first track only
  const TypeParam jets[] = {-0.5, 0, 120.0, -0.5, 0, 120.0, -0.5, 0, 120.0};
  const TypeParam trk_batch[] = {0.5, 1, 0.25, -2, -1, 0.5, 0.5, 1};
  const std::size_t offsets[] = {0, 3, 3, 4};
  const TypeParam* batch_scalars[] = {jets};
  sequence_batch<TypeParam> batch_seqs[] = {{trk_batch, offsets}};
  TypeParam batch_out[6];
  net.evaluate_batch(b, 3, batch_scalars, batch_seqs, batch_out, ws);
  EXPECT_NEAR(batch_out[0], 1.328391733, tolerance<TypeParam>());
  EXPECT_NEAR(batch_out[2], 0.02, tolerance<TypeParam>());
  TypeParam single[2];
  sequence_input<TypeParam> one[] = {{trk, 1}};
  net.evaluate(b, scalars, one, single, ws);
  EXPECT_NEAR(batch_out[4], single[0], tolerance<TypeParam>());
}

// In the caller's order the batch gathers the columns and prepares them in
// place: a NaN still takes its default in its own event only, or fails
// naming that event.
TYPED_TEST(api, batch_in_the_callers_order_with_nan) {
  const basic_network<TypeParam> net(parse_network(graph_example, "graph.json"));
  const binding b = net.bind({{{"jet", {"eta", "unused", "pt"}}}, {{"tracks", {"z0", "d0"}}}}, {"logits"});
  const TypeParam q = std::numeric_limits<TypeParam>::quiet_NaN();
  const TypeParam jets[] = {-0.5, 1, 120.0, q, 2, 80.0, 0.0, 3, 80.0, 0.25, q, 60.0};
  const TypeParam trk[] = {0.5, 1, 0.25, -2};
  const std::size_t offsets[] = {0, 2, 2, 2, 2};
  const TypeParam* scalars[] = {jets};
  sequence_batch<TypeParam> seqs[] = {{trk, offsets}};
  TypeParam out[8];
  workspace ws;
  net.evaluate_batch(b, 4, scalars, seqs, out, ws);
  EXPECT_EQ(out[2], out[4]); // eta NaN takes its default 0: the same jet as event 2
  EXPECT_EQ(out[3], out[5]);
  EXPECT_NE(out[0], out[2]);
  EXPECT_FALSE(std::isnan(out[6])); // NaN in a column the network does not read
  TypeParam jets_bad[12];
  std::copy(jets, jets + 12, jets_bad);
  jets_bad[8] = q; // pt of event 2: no default
  const TypeParam* bad[] = {jets_bad};
  try {
    net.evaluate_batch(b, 4, bad, seqs, out, ws);
    ADD_FAILURE() << "no error";
  } catch (const input_error& e) {
    EXPECT_STREQ(e.what(), "graph.json: input 'jet' variable 'pt' is NaN and has no default (event 2)");
  }
}

// Sequences in the network's own order are prepared a run of rows at a time
// (ragged batch) or one step of every event at a time (every event with the
// same steps): a NaN found there is still named by its own event and step.
TYPED_TEST(api, batch_sequence_nan_names_its_event_and_step) {
  const basic_network<TypeParam> net(parse_network(graph_example, "graph.json"));
  const binding b = net.bind(net.native_order(), {"logits"});
  const TypeParam q = std::numeric_limits<TypeParam>::quiet_NaN();
  const TypeParam jets[] = {120.0, 0.5, 80.0, -1.0, 60.0, 0.25};
  const TypeParam* scalars[] = {jets};
  TypeParam out[6];
  workspace ws;
  const auto fails_with = [&](const std::size_t* offsets, TypeParam* trk, const char* expected) {
    sequence_batch<TypeParam> seqs[] = {{trk, offsets}};
    net.evaluate_batch(b, 3, scalars, seqs, out, ws); // fine without the NaN
    const std::size_t at = 2 * (offsets[1] + 1);       // d0 of event 1, step 1
    const TypeParam was = trk[at];
    trk[at] = q;
    try {
      net.evaluate_batch(b, 3, scalars, seqs, out, ws);
      ADD_FAILURE() << "no error for " << expected;
    } catch (const input_error& e) {
      EXPECT_STREQ(e.what(), expected);
    }
    trk[at] = was;
  };
  // d0, z0 per track; events with 1, 3 and 2 tracks
  TypeParam ragged[] = {0.5, 1, 0.25, -2, -1, 0.5, 0.5, 1, 2, 0, 1, 1};
  const std::size_t ragged_offsets[] = {0, 1, 4, 6};
  fails_with(ragged_offsets, ragged, "graph.json: input 'tracks' variable 'd0' is NaN and has no default (event 1, step 1)");
  // every event with 2 tracks
  TypeParam fixed[] = {0.5, 1, 0.25, -2, -1, 0.5, 0.5, 1, 2, 0, 1, 1};
  const std::size_t fixed_offsets[] = {0, 2, 4, 6};
  fails_with(fixed_offsets, fixed, "graph.json: input 'tracks' variable 'd0' is NaN and has no default (event 1, step 1)");
}

TYPED_TEST(api, binding_errors_name_the_node_and_variable) {
  const basic_network<TypeParam> net(parse_network(graph_example, "graph.json"));
  try {
    net.bind({{{"jet", {"pt"}}}, {{"tracks", {"d0", "z0"}}}});
    FAIL();
  } catch (const config_error& e) {
    EXPECT_STREQ(e.what(), "graph.json: the input order for scalar node 'jet' has no variable 'eta'");
  }
  try {
    net.bind({{{"jet", {"pt", "eta"}}}, {}});
    FAIL();
  } catch (const config_error& e) {
    EXPECT_STREQ(e.what(), "graph.json: the input order has no sequence node 'tracks'");
  }
  EXPECT_THROW(net.bind(net.native_order(), {"nope"}), config_error);
}

TYPED_TEST(api, name_keyed_input_errors) {
  const basic_network<TypeParam> net(parse_network(graph_example, "graph.json"));
  const seq_node_map tracks{{"tracks", {{"d0", {1, -2}}, {"z0", {0.5, 0.25}}}}};
  try {
    net.compute_all({{"jet", {{"pt", 1.0}}}}, tracks);
    FAIL();
  } catch (const input_error& e) {
    EXPECT_STREQ(e.what(), "graph.json: input 'jet' has no variable 'eta'");
  }
  try {
    net.compute_all({{"jet", {{"pt", 1.0}, {"eta", 0.0}}}}, {{"tracks", {{"d0", {1, -2}}, {"z0", {0.5}}}}});
    FAIL();
  } catch (const input_error& e) {
    EXPECT_STREQ(e.what(), "graph.json: sequence input 'tracks' variable 'z0' has 1 steps, 'd0' has 2");
  }
  // lwtnn takes the step count from the alphabetically first entry, even an unused one (Q19); hepnn uses the network's own
  auto with_extra = tracks;
  with_extra["tracks"]["aaa_unused"] = {1, 2, 3, 4, 5};
  EXPECT_EQ(net.compute_all({{"jet", {{"pt", 1.0}, {"eta", 0.0}}}}, with_extra).at("logits").at("lb"),
            net.compute_all({{"jet", {{"pt", 1.0}, {"eta", 0.0}}}}, tracks).at("logits").at("lb"));
}

TYPED_TEST(api, nan_and_infinity_take_the_default_or_fail) {
  const basic_network<TypeParam> net(parse_network(graph_example, "graph.json"));
  const seq_node_map tracks{{"tracks", {{"d0", {1}}, {"z0", {0.5}}}}};
  const auto with = [&](double eta) { return net.compute_all({{"jet", {{"pt", 120.0}, {"eta", eta}}}}, tracks); };
  const auto reference = with(0.0).at("logits").at("lb");
  EXPECT_EQ(with(nan).at("logits").at("lb"), reference); // eta has default 0
  EXPECT_EQ(with(std::numeric_limits<double>::infinity()).at("logits").at("lb"), reference);
  EXPECT_EQ(with(-std::numeric_limits<double>::infinity()).at("logits").at("lb"), reference);
  try {
    net.compute_all({{"jet", {{"pt", nan}, {"eta", 0.0}}}}, tracks);
    FAIL();
  } catch (const input_error& e) {
    EXPECT_STREQ(e.what(), "graph.json: input 'jet' variable 'pt' is NaN and has no default (event 0)");
  }
  try {
    net.compute_all({{"jet", {{"pt", 1.0}, {"eta", 0.0}}}}, {{"tracks", {{"d0", {1, nan}}, {"z0", {0.5, 0.5}}}}});
    FAIL();
  } catch (const input_error& e) {
    EXPECT_STREQ(e.what(), "graph.json: input 'tracks' variable 'd0' is NaN and has no default (event 0, step 1)");
  }
  // ±inf without a default follows the same rule as NaN (it would give NaN scores silently)
  try {
    net.compute_all({{"jet", {{"pt", -std::numeric_limits<double>::infinity()}, {"eta", 0.0}}}}, tracks);
    FAIL();
  } catch (const input_error& e) {
    EXPECT_STREQ(e.what(), "graph.json: input 'jet' variable 'pt' is -inf and has no default (event 0)");
  }
  network_options pass;
  pass.nan = nan_policy::pass;
  const basic_network<TypeParam> lenient(parse_network(graph_example, "graph.json"), pass);
  EXPECT_TRUE(std::isnan(lenient.compute_all({{"jet", {{"pt", nan}, {"eta", 0.0}}}}, tracks).at("logits").at("lb")));
}

TYPED_TEST(api, instruction_sets_agree) {
  for (const auto& isa : available_isas()) {
    network_options opt;
    opt.isa = isa;
    const basic_network<TypeParam> net(parse_network(graph_example, "graph.json"), opt);
    EXPECT_EQ(net.isa(), isa);
    const auto all = net.compute_all({{"jet", {{"pt", 120.0}, {"eta", -0.5}}}},
                                     {{"tracks", {{"d0", {1, -2, 0.5}}, {"z0", {0.5, 0.25, -1}}}}});
    EXPECT_NEAR(all.at("flavour").at("pb"), 0.9344278568, tolerance<TypeParam>()) << isa;
  }
  network_options bad;
  bad.isa = "avx1024";
  EXPECT_THROW(basic_network<TypeParam>(parse_network(graph_example, "graph.json"), bad), config_error);
}

TYPED_TEST(api, concurrent_evaluation_from_many_threads) {
  const basic_network<TypeParam> net(parse_network(graph_example, "graph.json"));
  const binding b = net.bind(net.native_order());
  const TypeParam jet[] = {120.0, -0.5};
  const TypeParam trk[] = {1, 0.5, -2, 0.25, 0.5, -1};
  TypeParam expected[4];
  {
    workspace ws;
    const TypeParam* s[] = {jet};
    sequence_input<TypeParam> q[] = {{trk, 3}};
    net.evaluate(b, s, q, expected, ws);
  }
  std::vector<std::thread> threads;
  std::vector<int> mismatches(8, 0);
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      workspace ws;
      for (int i = 0; i < 2000; ++i) {
        const TypeParam* s[] = {jet};
        sequence_input<TypeParam> q[] = {{trk, std::size_t(1 + (i + t) % 3)}};
        TypeParam out[4];
        net.evaluate(b, s, q, out, ws);
        if (q[0].steps == 3)
          for (int k = 0; k < 4; ++k) mismatches[t] += out[k] != expected[k];
      }
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

// ---- semantics where hepnn deliberately differs from lwtnn --------------

/// One input sequence "x" of `vars` variables (offset 0, scale 1) feeding
/// the given layer as a 'sequence' node; the output is the sequence.
std::string sequence_net(const std::string& layer, std::size_t vars, std::size_t width) {
  std::string v, labels;
  for (std::size_t i = 0; i < vars; ++i) {
    if (i) v += ',';
    v += R"({"name": "v)";
    v += std::to_string(i);
    v += R"(", "offset": 0, "scale": 1})";
  }
  for (std::size_t i = 0; i < width; ++i) {
    if (i) labels += ',';
    labels += "\"o";
    labels += std::to_string(i);
    labels += '"';
  }
  return R"({"inputs": [], "input_sequences": [{"name": "x", "variables": [)" + v +
         R"(]}], "nodes": [{"type": "input_sequence", "sources": [0], "size": )" + std::to_string(vars) +
         R"(}, {"type": "sequence", "sources": [0], "layer_index": 0}], "layers": [)" + layer +
         R"(], "outputs": {"y": {"node_index": 1, "labels": [)" + labels + "]}}}";
}

TYPED_TEST(api, conv1d_same_padding_puts_the_odd_zero_on_the_right) {
  // kernel 2, dilation 1: P = 1. TensorFlow pads 0 left, 1 right (lwtnn: 1 left; Q10).
  // weights[o·n_in·k + i·k + κ] with one in/out channel: taps w0 = 1, w1 = 10
  const basic_network<TypeParam> net(parse_network(
      sequence_net(R"({"architecture": "conv1d", "weights": [1, 10], "bias": [0], "dilation_rate": 1, "padding": "same", "activation": "linear"})",
                   1, 1)));
  const auto y = net.scan({}, {{"x", {{"v0", {1, 2, 3}}}}});
  // y[t] = x[t]·1 + x[t+1]·10, x[3] = 0
  EXPECT_NEAR(y.at("o0")[0], 21, 1e-6);
  EXPECT_NEAR(y.at("o0")[1], 32, 1e-6);
  EXPECT_NEAR(y.at("o0")[2], 3, 1e-6);
}

TYPED_TEST(api, conv1d_softmax_is_over_channels_per_step) {
  // two output channels, kernel 1: softmax per step over the channels (lwtnn normalises over time: Q9)
  const basic_network<TypeParam> net(parse_network(
      sequence_net(R"({"architecture": "conv1d", "weights": [1, -1], "bias": [0, 0], "dilation_rate": 1, "padding": "valid", "activation": "softmax"})",
                   1, 2)));
  const auto y = net.scan({}, {{"x", {{"v0", {0.5, 2.0}}}}});
  for (int t = 0; t < 2; ++t) EXPECT_NEAR(y.at("o0")[t] + y.at("o1")[t], 1.0, 1e-6);
  EXPECT_NEAR(y.at("o0")[0], 1 / (1 + std::exp(-1.0)), 1e-6);
}

TYPED_TEST(api, conv1d_valid_with_too_few_steps_is_an_input_error) {
  const basic_network<TypeParam> net(parse_network(
      sequence_net(R"({"architecture": "conv1d", "weights": [1, 1, 1], "bias": [0], "dilation_rate": 2, "padding": "valid", "activation": "linear"})",
                   1, 1)));
  EXPECT_EQ(net.scan({}, {{"x", {{"v0", {1, 2, 3, 4, 5}}}}}).at("o0").size(), 1u);
  EXPECT_THROW(net.scan({}, {{"x", {{"v0", {1, 2, 3}}}}}), input_error);
}

TYPED_TEST(api, embedding_replaces_its_feature_whatever_the_step_count) {
  // feature 1 (a category 0..2) becomes 2 values (column of a 2 × 3 table); lwtnn copies the wrong rows (Q12)
  const basic_network<TypeParam> net(parse_network(
      sequence_net(R"({"architecture": "embedding", "sublayers": [{"weights": [10, 11, 12, 20, 21, 22], "index": 1, "n_out": 2}]})",
                   3, 4)));
  const auto y = net.scan({}, {{"x", {{"v0", {0.5, 1.5, 2.5, 3.5}}, {"v1", {2, 0, 1, 2}}, {"v2", {7, 8, 9, 6}}}}});
  const double expect[4][4] = {{0.5, 12, 22, 7}, {1.5, 10, 20, 8}, {2.5, 11, 21, 9}, {3.5, 12, 22, 6}};
  const char* names[] = {"o0", "o1", "o2", "o3"};
  for (int t = 0; t < 4; ++t)
    for (int f = 0; f < 4; ++f) EXPECT_EQ(y.at(names[f])[t], expect[t][f]) << t << " " << f;
  EXPECT_THROW(net.scan({}, {{"x", {{"v0", {0.5}}, {"v1", {3}}, {"v2", {1}}}}}), input_error);
  EXPECT_THROW(net.scan({}, {{"x", {{"v0", {0.5}}, {"v1", {1.5}}, {"v2", {1}}}}}), input_error);
}

/// Reference GRU step (one unit, one input) in double.
double gru_step(double h, double x, bool reset_after) {
  auto sig = [](double v) { return 1 / (1 + std::exp(-v)); };
  const double z = sig(0.3 * x + 0.1 + 0.4 * h + (reset_after ? 0.05 : 0.0));
  const double r = sig(-0.2 * x + 0.6 * h - 0.1 + (reset_after ? 0.02 : 0.0));
  const double cand = reset_after ? std::tanh(0.5 * x + 0.2 + r * (0.7 * h + 0.3)) : std::tanh(0.5 * x + 0.2 + 0.7 * (r * h));
  return z * h + (1 - z) * cand;
}

std::string gru_layer(bool reset_after, bool backwards) {
  std::string rb = reset_after ? R"(, "recurrent_bias": [0.05])" : "";
  std::string rr = reset_after ? R"(, "recurrent_bias": [0.02])" : "";
  std::string rh = reset_after ? R"(, "recurrent_bias": [0.3])" : "";
  return R"({"architecture": "gru", "activation": "tanh", "inner_activation": "sigmoid", "reset_after": )" +
         std::string(reset_after ? "true" : "false") + R"(, "go_backwards": )" + (backwards ? "true" : "false") +
         R"(, "components": {"z": {"weights": [0.3], "U": [0.4], "bias": [0.1])" + rb +
         R"(}, "r": {"weights": [-0.2], "U": [0.6], "bias": [-0.1])" + rr +
         R"(}, "h": {"weights": [0.5], "U": [0.7], "bias": [0.2])" + rh + "}}}";
}

TYPED_TEST(api, gru_reset_after_and_go_backwards) {
  const std::vector<double> xs = {0.5, -1.0, 2.0};
  for (bool reset_after : {false, true})
    for (bool backwards : {false, true}) {
      const basic_network<TypeParam> net(parse_network(sequence_net(gru_layer(reset_after, backwards), 1, 1)));
      const auto y = net.scan({}, {{"x", {{"v0", xs}}}}).at("o0");
      double h = 0;
      for (std::size_t t = 0; t < xs.size(); ++t) {
        h = gru_step(h, xs[backwards ? xs.size() - 1 - t : t], reset_after);
        EXPECT_NEAR(y[t], h, tolerance<TypeParam>()) << "reset_after " << reset_after << " backwards " << backwards;
      }
    }
}

TYPED_TEST(api, masking_skips_steps_in_recurrent_layers_and_sums) {
  // masking(0) → sum, and masking(0) → simple RNN: a step whose features are
  // all 0 is skipped, also in the middle of the sequence (Keras semantics)
  const char* json = R"({"inputs": [], "input_sequences": [{"name": "x", "variables": [
      {"name": "a", "offset": 0, "scale": 1}, {"name": "b", "offset": 0, "scale": 1}]}],
    "nodes": [{"type": "input_sequence", "sources": [0], "size": 2}, {"type": "masking", "sources": [0], "mask_value": 0},
              {"type": "time_distributed", "sources": [1], "layer_index": 0}, {"type": "sum", "sources": [2]},
              {"type": "sequence", "sources": [1], "layer_index": 1}, {"type": "mean", "sources": [2]}],
    "layers": [{"architecture": "dense", "weights": [1, 1], "bias": [1], "activation": "linear"},
               {"architecture": "simplernn", "activation": "tanh", "components": {"h": {"weights": [0.5, -0.25], "U": [0.8], "bias": [0.1]}}}],
    "outputs": {"sum": {"node_index": 3, "labels": ["s"]}, "rnn": {"node_index": 4, "labels": ["h"]},
                "mean": {"node_index": 5, "labels": ["m"]}}})";
  const basic_network<TypeParam> net(parse_network(json));
  const auto out = net.compute_all({}, {{"x", {{"a", {1, 0, 2}}, {"b", {0.5, 0, -1}}}}});
  // step 1 is masked: TD dense still computes 1 there, but the sum ignores it
  EXPECT_NEAR(out.at("sum").at("s"), (1 + 0.5 + 1) + (2 - 1 + 1), tolerance<TypeParam>());
  EXPECT_NEAR(out.at("mean").at("m"), ((1 + 0.5 + 1) + (2 - 1 + 1)) / 2, tolerance<TypeParam>());
  double h = std::tanh(0.5 * 1 - 0.25 * 0.5 + 0.1);
  h = std::tanh(0.5 * 2 - 0.25 * -1 + 0.1 + 0.8 * h); // the masked step keeps h
  EXPECT_NEAR(out.at("rnn").at("h"), h, tolerance<TypeParam>());
  // every step masked: the state stays 0, the mean is 0
  const auto none = net.compute_all({}, {{"x", {{"a", {0, 0}}, {"b", {0, 0}}}}});
  EXPECT_EQ(none.at("rnn").at("h"), 0.0);
  EXPECT_EQ(none.at("mean").at("m"), 0.0);
}

TYPED_TEST(api, miscellaneous_and_defaults_survive_parsing) {
  const model m = parse_network(sequential_example, "sequential.json");
  EXPECT_TRUE(m.sequential);
  EXPECT_EQ(m.miscellaneous.at("trained_with"), "keras-2.10");
  EXPECT_EQ(*m.inputs[0].variables[1].default_value, 0.0);
  EXPECT_FALSE(m.inputs[0].variables[0].default_value);
}

// One workspace serving a float and a double network (the Python module keeps
// one per thread): each must get its own layout. Plan ids once came from one
// counter per precision, so the n-th float and the n-th double network shared
// an id, and the second, evaluated on as many events (one tile), reused the
// first one's float-sized layout and wrote past it. Networks of one precision
// are compiled against one of the other until the counters have met,
// whatever this process compiled before.
TEST(network_api, one_workspace_serves_float_and_double_networks) {
  const model m = read_network(test::shared_dir() / "zoo" / "dips_like" / "lwtnn.json");
  const std::size_t n = 24, width = m.input_sequences.at(0).variables.size();
  std::vector<float> tracks32(n * 3 * width);
  std::vector<double> tracks64(tracks32.size());
  for (std::size_t i = 0; i < tracks32.size(); ++i) tracks64[i] = tracks32[i] = static_cast<float>(i % 5) * 0.5f - 1.f;
  std::vector<std::size_t> offsets(n + 1);
  for (std::size_t e = 0; e <= n; ++e) offsets[e] = 3 * e;
  const sequence_batch<float> q32[] = {{tracks32.data(), offsets.data()}};
  const sequence_batch<double> q64[] = {{tracks64.data(), offsets.data()}};
  auto check = [&](const network& n32, const network64& n64) {
    const binding b32 = n32.bind(n32.native_order()), b64 = n64.bind(n64.native_order());
    std::vector<float> shared32(n * b32.output_size()), own32(shared32.size());
    std::vector<double> shared64(n * b64.output_size()), own64(shared64.size());
    workspace shared, a, b;
    n32.evaluate_batch(b32, n, {}, q32, shared32, shared);
    n64.evaluate_batch(b64, n, {}, q64, shared64, shared);
    n32.evaluate_batch(b32, n, {}, q32, own32, a);
    n64.evaluate_batch(b64, n, {}, q64, own64, b);
    ASSERT_GE(shared.bytes(), b.bytes()); // the double network got a layout of its own size
    ASSERT_EQ(shared32, own32);
    ASSERT_EQ(shared64, own64);
  };
  const network64 one64(m);
  for (int k = 0; k < 64; ++k) check(network(m), one64);
  const network one32(m);
  for (int k = 0; k < 64; ++k) check(one32, network64(m));
}

} // namespace
} // namespace hepnn
