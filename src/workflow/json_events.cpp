#include "workflow/json_events.hpp"

#include "formats/json.hpp"
#include "hepnn/errors.hpp"
#include "formats/json_writer.hpp"

#include <limits>

namespace hepnn::detail {
namespace {

double number_or_nan(const json::value& v) { return v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.number(); }

/// Nested lists in row-major order.
void flatten(const json::value& v, std::vector<double>& out) {
  if (v.is_array())
    for (const auto& x : v.items()) flatten(x, out);
  else
    out.push_back(number_or_nan(v));
}

/// The variables of the node named `name`, for arrays given in their order.
const input_node& node_for(const json::value& at, const std::vector<input_node>* nodes, const std::string& name) {
  if (!nodes) at.fail("an array of values needs the network's variable order (only name-keyed objects are read here)");
  for (const auto& n : *nodes)
    if (n.name == name) return n;
  at.fail("the network has no input node '" + name + "'");
}

struct event_layout {
  const std::vector<input_node>* inputs = nullptr;
  const std::vector<input_node>* sequences = nullptr;
};

json_event read_event(const json::value& e, const event_layout& layout) {
  json_event ev;
  if (auto id = e.find("event"); id && id->is_number()) ev.id = id->number();
  if (auto in = e.find("inputs"); in && !in->is_null())
    for (const auto& [node, vars] : in->members()) {
      if (vars.is_array()) {
        const input_node& n = node_for(vars, layout.inputs, node);
        std::vector<double> values;
        flatten(vars, values);
        if (values.size() != n.variables.size())
          vars.fail("input '" + node + "' has " + std::to_string(n.variables.size()) + " variables, the array gives " +
                    std::to_string(values.size()) + " values");
        for (std::size_t i = 0; i < values.size(); ++i) ev.inputs[node][n.variables[i].name] = values[i];
        continue;
      }
      for (const auto& [name, val] : vars.members()) ev.inputs[node][name] = number_or_nan(val);
    }
  if (auto seq = e.find("input_sequences"); seq && !seq->is_null())
    for (const auto& [node, steps] : seq->members()) {
      auto& columns = ev.sequences[node];
      const auto rows = steps.items();
      for (std::size_t t = 0; t < rows.size(); ++t) {
        if (rows[t].is_array()) { // a row of values in the node's variable order
          const input_node& n = node_for(rows[t], layout.sequences, node);
          std::vector<double> values;
          flatten(rows[t], values);
          if (values.size() != n.variables.size())
            rows[t].fail("sequence '" + node + "' has " + std::to_string(n.variables.size()) + " variables per step, step " +
                         std::to_string(t) + " gives " + std::to_string(values.size()) + " values");
          for (std::size_t i = 0; i < values.size(); ++i) {
            auto& col = columns[n.variables[i].name];
            col.resize(rows.size(), std::numeric_limits<double>::quiet_NaN());
            col[t] = values[i];
          }
          continue;
        }
        for (const auto& [name, val] : rows[t].members()) {
          auto& col = columns[name];
          col.resize(rows.size(), std::numeric_limits<double>::quiet_NaN());
          col[t] = number_or_nan(val);
        }
      }
      if (rows.empty()) columns.clear();
    }
  return ev;
}

} // namespace

std::vector<json_event> read_json_events(const std::string& path, const std::vector<input_node>* inputs,
                                         const std::vector<input_node>* input_sequences) {
  const event_layout layout{inputs, input_sequences};
  auto text = json::load_file(path);
  json::context ctx(path == "-" ? std::string("standard input") : path);
  simdjson::dom::parser parser;
  const json::value root = [&] {
    try {
      return json::parse(parser, text, ctx);
    } catch (const config_error& e) { // Python's json.dump writes NaN, which JSON has not
      const std::string_view t(text.data(), text.size());
      for (const char* word : {"NaN", "Infinity"})
        if (t.find(word) != std::string_view::npos)
          throw config_error(std::string(e.what()) + " (a bare " + word + " is not JSON: write null for a missing value)");
      throw;
    }
  }();
  std::vector<json_event> events;
  if (root.is_array()) {
    for (const auto& e : root.items()) events.push_back(read_event(e, layout));
  } else if (auto list = root.find("events")) {
    for (const auto& e : list->items()) events.push_back(read_event(e, layout));
  } else {
    events.push_back(read_event(root, layout));
  }
  return events;
}

template <typename T> std::string evaluate_json_events(const basic_network<T>& net, const std::vector<json_event>& events) {
  json_writer w(2, json_writer::numbers::digits17);
  w.begin_object().key("events").begin_array();
  const auto names = net.output_names();
  for (const auto& ev : events) {
    w.begin_object();
    if (ev.id) w.key("event").value(*ev.id);
    w.key("outputs").begin_object();
    const auto all = net.compute_all(ev.inputs, ev.sequences);
    for (const auto& name : names) {
      w.key(name).begin_object();
      if (net.is_sequence_output(name)) {
        const auto steps = net.scan(ev.inputs, ev.sequences, name);
        for (const auto& label : net.labels(name)) w.key(label).numbers_inline(steps.at(label));
      } else {
        const auto& values = all.at(name);
        for (const auto& label : net.labels(name)) w.key(label).value(values.at(label));
      }
      w.end_object();
    }
    w.end_object().end_object();
  }
  w.end_array().end_object();
  return w.take() + "\n";
}

template std::string evaluate_json_events<float>(const basic_network<float>&, const std::vector<json_event>&);
template std::string evaluate_json_events<double>(const basic_network<double>&, const std::vector<json_event>&);

} // namespace hepnn::detail
