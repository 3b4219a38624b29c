// Issue 2 acceptance: every case of lwtnn's own test data (real Keras
// models, Keras or tfjs targets) reproduces its `expected` values within its
// tolerance (lwtnn's rule), in both precisions.
#include "hepnn/io.hpp"
#include "hepnn/network.hpp"
#include "support/shared_data.hpp"

namespace hepnn::test {
namespace {

struct case_inputs {
  node_map inputs;
  seq_node_map sequences;
};

vector_map steps_of(const detail::json::value& list) {
  vector_map out;
  const auto rows = list.items();
  for (std::size_t t = 0; t < rows.size(); ++t)
    for (const auto& [name, v] : rows[t].members()) {
      auto& col = out[name];
      col.resize(rows.size());
      col[t] = v.number();
    }
  return out;
}

case_inputs read_case_inputs(const detail::json::value& c, bool sequential) {
  case_inputs in;
  const auto inputs = c.at("inputs");
  const auto sequences = c.at("input_sequences");
  if (sequential) {
    // flat {variable: value} or a list of steps, for the one unnamed node
    if (!inputs.is_null())
      for (const auto& [name, v] : inputs.members()) in.inputs["input_node"][name] = v.number();
    if (!sequences.is_null()) in.sequences["input_node"] = steps_of(sequences);
    return in;
  }
  for (const auto& [node, vars] : inputs.members())
    for (const auto& [name, v] : vars.members()) in.inputs[node][name] = v.number();
  for (const auto& [node, list] : sequences.members()) in.sequences[node] = steps_of(list);
  return in;
}

template <typename T> void check_case(const std::string& name, const char* precision, const std::string& file = "lwtnn.json") {
  const auto dir = shared_dir() / "lwtnn-test-data" / name;
  json_file c(dir / "case.json");
  const model m = read_network(dir / file);
  const basic_network<T> net(m);
  const auto in = read_case_inputs(c.root(), m.sequential);
  const double tolerance = c.root().at("tolerance").number();
  const auto expected = c.root().at("expected");
  std::size_t compared = 0;
  auto check = [&](const std::string& what, double e, double a) {
    EXPECT_LE(lwtnn_rule_difference(e, a), tolerance) << precision << " " << what << ": expected " << e << ", got " << a;
    ++compared;
  };
  if (m.sequential) {
    const auto out = net.compute(in.inputs, in.sequences);
    for (const auto& [label, v] : expected.members()) check(label, v.number(), out.at(label));
  } else {
    for (const auto& [output, labels] : expected.members()) {
      if (net.is_sequence_output(output)) {
        const auto out = net.scan(in.inputs, in.sequences, output);
        for (const auto& [label, steps] : labels.members()) {
          const auto values = steps.items();
          ASSERT_EQ(values.size(), out.at(label).size()) << output << " " << label << ": step count";
          for (std::size_t t = 0; t < values.size(); ++t)
            check(output + "/" + label + "[" + std::to_string(t) + "]", values[t].number(), out.at(label)[t]);
        }
      } else {
        const auto out = net.compute(in.inputs, in.sequences, output);
        for (const auto& [label, v] : labels.members()) check(output + "/" + label, v.number(), out.at(label));
      }
    }
  }
  EXPECT_GT(compared, 0u);
}

class lwtnn_test_data : public ::testing::TestWithParam<std::string> {};

TEST_P(lwtnn_test_data, float64_reproduces_expected) { check_case<double>(GetParam(), "float64"); }
TEST_P(lwtnn_test_data, float32_reproduces_expected) { check_case<float>(GetParam(), "float32"); }

INSTANTIATE_TEST_SUITE_P(cases, lwtnn_test_data,
                         ::testing::ValuesIn(cases_with(shared_dir() / "lwtnn-test-data", {"lwtnn.json", "case.json"})),
                         [](const ::testing::TestParamInfo<std::string>& p) { return test_name(p.param); });

// elu/model.json is an older lwtnn file with bare-string activations ("elu"
// meaning α = 1); it must give the same results.
TEST(lwtnn_test_data_legacy, elu_model_json_with_bare_string_activations) {
  check_case<double>("elu", "float64", "model.json");
  check_case<float>("elu", "float32", "model.json");
}

} // namespace
} // namespace hepnn::test
