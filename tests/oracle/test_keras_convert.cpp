// Issue 3 acceptance: every zoo model converts from each of its forms
// (model.h5; architecture.json + weights.h5; model.keras and Keras 3 config
// + weights where present) and reproduces outputs.json (outputs_k3.json for
// Keras 3 semantics): float64 within 1e-10, float32 within 1e-5 (lwtnn's
// rule: absolute up to magnitude 1, relative above). Every Keras model of
// lwtnn's test data converts and reproduces its expected values.
#include "hepnn/io.hpp"
#include "hepnn/keras.hpp"
#include "support/events.hpp"
#include "support/shared_data.hpp"

#include <cmath>
#include <limits>
#include <iostream>

namespace hepnn::test {
namespace {

struct form {
  std::string name;
  std::vector<std::string> files;
  bool keras3 = false;
};

std::vector<form> forms_of(const std::filesystem::path& dir) {
  std::vector<form> f = {{"h5", {"model.h5"}, false}, {"json", {"architecture.json", "weights.h5"}, false}};
  if (std::filesystem::exists(dir / "model.keras")) {
    f.push_back({"keras", {"model.keras"}, true});
    f.push_back({"k3json", {"model_k3.json", "model_k3.weights.h5"}, true});
  }
  return f;
}

/// Largest difference by lwtnn's rule, and how many values are within 1e-6 by it.
comparison rule_compare(const event_outputs& expected, const event_outputs& actual) {
  comparison c;
  for (std::size_t e = 0; e < expected.size() && e < actual.size(); ++e)
    for (const auto& [name, labels] : expected[e]) {
      auto out = actual[e].find(name);
      if (out == actual[e].end() && expected[e].size() == 1 && actual[e].size() == 1) out = actual[e].begin();
      for (const auto& [label, v] : labels) {
        double d = std::numeric_limits<double>::infinity();
        if (out != actual[e].end())
          if (auto it = out->second.find(label); it != out->second.end()) d = lwtnn_rule_difference(v, it->second);
        if (!(d <= c.max_abs)) c.max_abs = d, c.worst = "event " + std::to_string(e) + " " + name + "/" + label;
        ++c.values;
        c.within_1e6 += d <= 1e-6;
      }
    }
  if (expected.size() != actual.size()) c.max_abs = std::numeric_limits<double>::infinity();
  return c;
}

class zoo_convert : public ::testing::TestWithParam<std::string> {
protected:
  std::filesystem::path dir() const { return shared_dir() / "zoo" / GetParam(); }
};

TEST_P(zoo_convert, every_form_reproduces_the_reference) {
  const auto vars = read_variables(dir() / "variables.json");
  const auto events = detail::read_json_events((dir() / "inputs.json").string());
  for (const auto& f : forms_of(dir())) {
    SCOPED_TRACE(GetParam() + " from " + f.name);
    const auto c = convert_keras(dir() / f.files[0], f.files.size() > 1 ? dir() / f.files[1] : std::filesystem::path(),
                                 &vars);
    const bool k3_reference = f.keras3 && std::filesystem::exists(dir() / "outputs_k3.json");
    const auto expected = read_expected((dir() / (k3_reference ? "outputs_k3.json" : "outputs.json")).string());
    const auto c64 = rule_compare(expected, evaluate_named(network64(c.network), events));
    EXPECT_LE(c64.max_abs, 1e-10) << c64.worst;
    const auto c32 = rule_compare(expected, evaluate_named(network(c.network), events));
    EXPECT_LE(c32.max_abs, 1e-5) << c32.worst;
    std::cout << "[convert " << f.name << "] " << GetParam() << ": float64 " << c64.max_abs << ", float32 " << c32.max_abs
              << ", " << c32.within_1e6 << "/" << c32.values << " within 1e-6\n";
    // the written file reads back to the same network
    const std::string text = write_network(c.network);
    const model again = parse_network(text, "written.json");
    EXPECT_EQ(rule_compare(evaluate_named(network64(c.network), events), evaluate_named(network64(again), events)).max_abs, 0.0);
    // and writing is deterministic
    EXPECT_EQ(text, write_network(convert_keras(dir() / f.files[0],
                                                f.files.size() > 1 ? dir() / f.files[1] : std::filesystem::path(), &vars)
                                      .network));
  }
}

TEST_P(zoo_convert, a_filled_template_gives_the_same_network) {
  const auto vars = read_variables(dir() / "variables.json");
  const auto tmpl = convert_keras(dir() / "model.h5").template_variables;
  // fill the template as a user would: names, offsets, scales, defaults and labels, in order
  variables_spec filled = tmpl;
  auto fill = [](std::vector<input_node>& nodes, const std::vector<input_node>& from) {
    ASSERT_EQ(nodes.size(), from.size());
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      ASSERT_EQ(nodes[k].variables.size(), from[k].variables.size());
      if (!from[k].name.empty()) nodes[k].name = from[k].name;
      nodes[k].variables = from[k].variables;
    }
  };
  if (vars.sequential) {
    (filled.inputs.empty() ? filled.input_sequences : filled.inputs).front().variables = vars.inputs.front().variables;
    filled.outputs.front().labels = vars.outputs.front().labels;
  } else {
    fill(filled.inputs, vars.inputs);
    fill(filled.input_sequences, vars.input_sequences);
    ASSERT_EQ(filled.outputs.size(), vars.outputs.size());
    for (std::size_t k = 0; k < filled.outputs.size(); ++k) filled.outputs[k] = vars.outputs[k];
  }
  filled.miscellaneous = vars.miscellaneous;
  // the template survives writing and reading
  const auto reread = parse_variables(write_variables(filled), "filled.json");
  const auto from_template = convert_keras(dir() / "model.h5", {}, &reread).network;
  const auto direct = convert_keras(dir() / "model.h5", {}, &vars).network;
  if (!vars.sequential) {
    EXPECT_EQ(write_network(from_template), write_network(direct));
  } else { // the flat form names no nodes: everything but the names is identical
    model a = from_template, b = direct;
    a.inputs.front().name = b.inputs.front().name;
    a.outputs.front().name = b.outputs.front().name;
    EXPECT_EQ(write_network(a), write_network(b));
  }
}

INSTANTIATE_TEST_SUITE_P(zoo, zoo_convert,
                         ::testing::ValuesIn(cases_with(shared_dir() / "zoo", {"model.h5", "variables.json", "inputs.json"})),
                         [](const ::testing::TestParamInfo<std::string>& p) { return test_name(p.param); });

// Issue 8: the second zoo (fixed-shape tensors, images, convolutions,
// pooling, Bidirectional, LayerNormalization, attention, Embedding, pruning)
// through every API: name-keyed, one call per event and one batch.
class zoo2_convert : public ::testing::TestWithParam<std::string> {
protected:
  std::filesystem::path dir() const { return shared_dir() / "zoo2" / GetParam(); }
};

TEST_P(zoo2_convert, every_form_reproduces_the_reference) {
  const auto vars = read_variables(dir() / "variables.json");
  const auto events = detail::read_json_events((dir() / "inputs.json").string());
  const auto expected = read_expected((dir() / "outputs.json").string());
  for (const auto& f : forms_of(dir())) {
    SCOPED_TRACE(GetParam() + " from " + f.name);
    const auto c = convert_keras(dir() / f.files[0], f.files.size() > 1 ? dir() / f.files[1] : std::filesystem::path(), &vars);
    const network64 n64(c.network);
    const network n32(c.network);
    const auto c64 = rule_compare(expected, evaluate_named(n64, events));
    EXPECT_LE(c64.max_abs, 1e-10) << c64.worst;
    const auto c32 = rule_compare(expected, evaluate_named(n32, events));
    EXPECT_LE(c32.max_abs, 1e-5) << c32.worst;
    const auto fast = rule_compare(expected, evaluate_fast(n32, events));
    EXPECT_LE(fast.max_abs, 1e-5) << fast.worst;
    const auto batch = rule_compare(expected, evaluate_batched(n64, events, 7));
    EXPECT_LE(batch.max_abs, 1e-10) << batch.worst;
    // one numeric path: single events and batches agree bit for bit
    const auto fast32 = evaluate_fast(n32, events);
    EXPECT_EQ(rule_compare(fast32, evaluate_batched(n32, events, 7)).max_abs, 0.0);
    // 24 events in one batch: whole vector groups of the lane engine plus leftovers
    EXPECT_EQ(rule_compare(fast32, evaluate_batched(n32, events, 256)).max_abs, 0.0);
    EXPECT_EQ(rule_compare(evaluate_named(n64, events), evaluate_batched(n64, events, 256)).max_abs, 0.0);
    std::cout << "[zoo2 " << f.name << "] " << GetParam() << ": float64 " << c64.max_abs << ", float32 " << c32.max_abs
              << ", " << c32.within_1e6 << "/" << c32.values << " within 1e-6\n";
    const model again = parse_network(write_network(c.network), "written.json");
    EXPECT_EQ(rule_compare(evaluate_named(n64, events), evaluate_named(network64(again), events)).max_abs, 0.0);
  }
}

INSTANTIATE_TEST_SUITE_P(zoo2, zoo2_convert,
                         ::testing::ValuesIn(cases_with(shared_dir() / "zoo2", {"model.h5", "variables.json", "inputs.json"})),
                         [](const ::testing::TestParamInfo<std::string>& p) { return test_name(p.param); });

// A fixed-length input of a batch is prepared one step of every event at a
// time: a NaN must still be found at its own event and step, take its
// default there, and leave the other events as they were.
TEST(zoo2_fixed_input, a_nan_in_a_batch_is_found_at_its_event_and_step) {
  const auto dir = shared_dir() / "zoo2" / "conv1d_fixed";
  const auto vars = read_variables(dir / "variables.json");
  auto events = detail::read_json_events((dir / "inputs.json").string());
  ASSERT_GE(events.size(), 6u);
  auto c = convert_keras(dir / "model.h5", {}, &vars);
  ASSERT_EQ(c.network.input_sequences.size(), 1u);
  const network plain(c.network);
  const auto before = evaluate_fast(plain, events);
  ASSERT_EQ(events[5].sequences.size(), 1u);
  const std::string var = c.network.input_sequences[0].variables[2].name;
  auto& values = events[5].sequences.begin()->second.at(var);
  ASSERT_GT(values.size(), 3u);
  const double was = values[3];
  values[3] = std::numeric_limits<double>::quiet_NaN();
  try {
    evaluate_batched(plain, events, 256);
    ADD_FAILURE() << "no error for the NaN";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("variable '" + var + "' is NaN and has no default (event 5, step 3)"),
              std::string::npos)
        << e.what();
  }
  // with the value it had as the default, every event scores as before, bit for bit
  c.network.input_sequences[0].variables[2].default_value = was;
  const network with_default(c.network);
  EXPECT_EQ(compare(before, evaluate_batched(with_default, events, 256)).max_abs, 0.0);
  EXPECT_EQ(compare(before, evaluate_batched(with_default, events, 7)).max_abs, 0.0);
}

TEST(zoo2_convert_all, every_zoo2_model_is_covered) {
  EXPECT_EQ(cases_with(shared_dir() / "zoo2", {"model.h5", "variables.json", "inputs.json"}).size(), 12u);
}

TEST(zoo_convert_all, every_zoo_model_is_covered) {
  EXPECT_EQ(cases_with(shared_dir() / "zoo", {"model.h5", "variables.json", "inputs.json"}).size(), 35u);
}

// ---- lwtnn's test data -----------------------------------------------------

class lwtnn_keras : public ::testing::TestWithParam<std::string> {};

TEST_P(lwtnn_keras, converts_and_reproduces_expected) {
  const auto dir = shared_dir() / "lwtnn-test-data" / GetParam();
  json_file c(dir / "case.json");
  const auto files = c.root().at("keras_files");
  std::filesystem::path model_file, weights_file;
  if (auto m = files.find("model")) model_file = dir / m->string();
  else model_file = dir / files.at("architecture").string(), weights_file = dir / files.at("weights").string();
  const auto vars = read_variables(dir / c.root().at("variables_file").string());
  const model m = convert_keras(model_file, weights_file, &vars).network;
  const double tolerance = c.root().at("tolerance").number();

  // inputs by variable name; sequential cases have one unnamed node
  node_map inputs;
  seq_node_map sequences;
  const bool flat = vars.sequential;
  if (auto in = c.root().at("inputs"); !in.is_null()) {
    if (flat)
      for (const auto& [name, v] : in.members()) inputs["input_node"][name] = v.number();
    else
      for (const auto& [node, vs] : in.members())
        for (const auto& [name, v] : vs.members()) inputs[node][name] = v.number();
  }
  auto steps = [](const detail::json::value& list) {
    vector_map out;
    const auto rows = list.items();
    for (std::size_t t = 0; t < rows.size(); ++t)
      for (const auto& [name, v] : rows[t].members()) {
        out[name].resize(rows.size());
        out[name][t] = v.number();
      }
    return out;
  };
  if (auto seq = c.root().at("input_sequences"); !seq.is_null()) {
    if (flat) sequences["input_node"] = steps(seq);
    else
      for (const auto& [node, list] : seq.members()) sequences[node] = steps(list);
  }
  for (int precision = 0; precision < 2; ++precision) {
    std::size_t compared = 0;
    auto run = [&](const auto& net) {
      auto check = [&](double e, double a, const std::string& what) {
        EXPECT_LE(lwtnn_rule_difference(e, a), tolerance) << (precision ? "float32 " : "float64 ") << what;
        ++compared;
      };
      const auto expected = c.root().at("expected");
      if (flat) {
        const auto out = net.compute(inputs, sequences);
        for (const auto& [label, v] : expected.members()) check(v.number(), out.at(label), label);
        return;
      }
      for (const auto& [output, labels] : expected.members()) {
        if (net.is_sequence_output(output)) {
          const auto out = net.scan(inputs, sequences, output);
          for (const auto& [label, vs] : labels.members()) {
            const auto values = vs.items();
            ASSERT_EQ(values.size(), out.at(label).size());
            for (std::size_t t = 0; t < values.size(); ++t) check(values[t].number(), out.at(label)[t], output + "/" + label);
          }
        } else {
          const auto out = net.compute(inputs, sequences, output);
          for (const auto& [label, v] : labels.members()) check(v.number(), out.at(label), output + "/" + label);
        }
      }
    };
    if (precision == 0) run(network64(m));
    else run(network(m));
    EXPECT_GT(compared, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(cases, lwtnn_keras,
                         ::testing::ValuesIn(cases_with(shared_dir() / "lwtnn-test-data", {"case.json"})),
                         [](const ::testing::TestParamInfo<std::string>& p) { return test_name(p.param); });

TEST(lwtnn_keras_template, matches_the_template_lwtnns_converter_printed) {
  // lwtnn's check-conversion.sh: the converter run without a variables file
  // prints lstm_functional/inputs.json
  const auto dir = shared_dir() / "lwtnn-test-data" / "lstm_functional";
  const auto tmpl = convert_keras(dir / "model.json", dir / "weights.h5").template_variables;
  const auto lwtnn = read_variables(dir / "inputs.json");
  ASSERT_EQ(tmpl.inputs.size(), lwtnn.inputs.size());
  ASSERT_EQ(tmpl.input_sequences.size(), lwtnn.input_sequences.size());
  for (std::size_t k = 0; k < tmpl.input_sequences.size(); ++k) {
    EXPECT_EQ(tmpl.input_sequences[k].name, lwtnn.input_sequences[k].name);
    ASSERT_EQ(tmpl.input_sequences[k].variables.size(), lwtnn.input_sequences[k].variables.size());
    for (std::size_t i = 0; i < tmpl.input_sequences[k].variables.size(); ++i) {
      EXPECT_EQ(tmpl.input_sequences[k].variables[i].name, lwtnn.input_sequences[k].variables[i].name);
      EXPECT_EQ(tmpl.input_sequences[k].variables[i].offset, 0.0);
      EXPECT_EQ(tmpl.input_sequences[k].variables[i].scale, 1.0);
    }
  }
  ASSERT_EQ(tmpl.outputs.size(), 1u);
  EXPECT_EQ(tmpl.outputs[0].name, lwtnn.outputs[0].name);
  EXPECT_EQ(tmpl.outputs[0].labels, lwtnn.outputs[0].labels);
}

} // namespace
} // namespace hepnn::test
