// Issue 15: real Keras files (Keras 1.1 to 2.3, dl4j-test-resources) reproduce
// the predictions Keras itself computed. Each model converts with template
// variables (offset 0, scale 1); each event's arrays are fed in the
// network's native order; outputs are compared elementwise in row-major
// order with the case's tolerance (relative above 1), in float32 and float64.
#include "hepnn/keras.hpp"
#include "hepnn/network.hpp"
#include "support/shared_data.hpp"

#include "formats/json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

namespace hepnn::test {
namespace {

std::filesystem::path real_dir() { return shared_dir() / "keras-real" / "models"; }

void flatten(const detail::json::value& v, std::vector<double>& out) {
  if (v.is_array())
    for (const auto& x : v.items()) flatten(x, out);
  else
    out.push_back(v.number());
}

struct real_case {
  std::filesystem::path model, weights;
  std::vector<std::vector<double>> inputs, outputs; ///< per event, row-major
  std::vector<std::size_t> input_shape;
  double tolerance = 0;
};

real_case load(const std::string& name) {
  const auto dir = real_dir() / name;
  const auto text = detail::json::load_file((dir / "case.json").string());
  detail::json::context ctx((dir / "case.json").string());
  simdjson::dom::parser parser;
  const auto root = detail::json::parse(parser, text, ctx);
  real_case c;
  const auto files = root.at("files");
  if (auto m = files.find("model")) c.model = dir / m->string();
  else c.model = dir / files.at("config").string(), c.weights = dir / files.at("weights").string();
  c.tolerance = root.at("tolerance").number();
  const auto in = root.at("inputs").items();
  const auto out = root.at("outputs").items();
  if (in.size() != 1 || out.size() != 1) throw std::runtime_error(name + ": expected one input and one output");
  for (const auto& d : in[0].at("shape").items()) c.input_shape.push_back(d.index());
  for (const auto& e : in[0].at("values").items()) flatten(e, c.inputs.emplace_back());
  for (const auto& e : out[0].at("values").items()) flatten(e, c.outputs.emplace_back());
  return c;
}

/// Largest |got − want| / max(1, |want|) over every event and value, through
/// the name-keyed API: arrays mapped to the network's variables in order; a
/// sequence output (Keras (steps, features)) compared step by step.
template <typename T> double worst(const basic_network<T>& net, const real_case& c) {
  double w = 0;
  for (std::size_t e = 0; e < c.inputs.size(); ++e) {
    const auto& x = c.inputs[e];
    node_map inputs;
    seq_node_map sequences;
    if (!net.inputs().empty()) {
      const auto& node = net.inputs().front();
      if (node.variables.size() != x.size()) throw std::runtime_error("input size");
      for (std::size_t i = 0; i < x.size(); ++i) inputs[node.name][node.variables[i].name] = x[i];
    } else {
      const auto& node = net.input_sequences().front();
      const std::size_t n = node.variables.size();
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t t = 0; t * n < x.size(); ++t) sequences[node.name][node.variables[i].name].push_back(x[t * n + i]);
    }
    const std::string output = net.output_names().front();
    const auto labels = net.labels(output);
    std::vector<double> got;
    if (net.is_sequence_output(output)) {
      const auto steps = net.scan(inputs, sequences, output);
      const std::size_t count = steps.at(labels.front()).size();
      for (std::size_t t = 0; t < count; ++t)
        for (const auto& l : labels) got.push_back(steps.at(l)[t]);
    } else {
      const auto out = net.compute(inputs, sequences, output);
      for (const auto& l : labels) got.push_back(out.at(l));
    }
    if (got.size() != c.outputs[e].size()) throw std::runtime_error("output size " + std::to_string(got.size()));
    for (std::size_t i = 0; i < got.size(); ++i) {
      const double want = c.outputs[e][i];
      w = std::max(w, std::abs(got[i] - want) / std::max(1.0, std::abs(want)));
    }
  }
  return w;
}

class keras_real : public ::testing::TestWithParam<std::string> {};

TEST_P(keras_real, reproduces_the_predictions_keras_computed) {
  const real_case c = load(GetParam());
  const auto conv = convert_keras(c.model, c.weights);
  const double w32 = worst(network(conv.network), c), w64 = worst(network64(conv.network), c);
  std::cout << "[keras-real] " << GetParam() << ": float32 " << w32 << ", float64 " << w64 << " (tolerance " << c.tolerance << ")\n";
  EXPECT_LE(w32, c.tolerance);
  EXPECT_LE(w64, c.tolerance);
}

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(real_dir()))
    if (std::filesystem::exists(e.path() / "case.json")) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(real, keras_real, ::testing::ValuesIn(names()),
                         [](const ::testing::TestParamInfo<std::string>& p) { return test_name(p.param); });

TEST(keras_real_all, every_case_is_covered) { EXPECT_EQ(names().size(), 59u); }

} // namespace
} // namespace hepnn::test
