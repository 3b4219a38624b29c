#include "workflow/json_events.hpp"

#include "formats/json.hpp"
#include "formats/json_writer.hpp"

#include <limits>

namespace hepnn::detail {
namespace {

double number_or_nan(const json::value& v) { return v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.number(); }

json_event read_event(const json::value& e) {
  json_event ev;
  if (auto id = e.find("event"); id && id->is_number()) ev.id = id->number();
  if (auto in = e.find("inputs"); in && !in->is_null())
    for (const auto& [node, vars] : in->members())
      for (const auto& [name, val] : vars.members()) ev.inputs[node][name] = number_or_nan(val);
  if (auto seq = e.find("input_sequences"); seq && !seq->is_null())
    for (const auto& [node, steps] : seq->members()) {
      auto& columns = ev.sequences[node];
      const auto rows = steps.items();
      for (std::size_t t = 0; t < rows.size(); ++t)
        for (const auto& [name, val] : rows[t].members()) {
          auto& col = columns[name];
          col.resize(rows.size(), std::numeric_limits<double>::quiet_NaN());
          col[t] = number_or_nan(val);
        }
      if (rows.empty()) columns.clear();
    }
  return ev;
}

} // namespace

std::vector<json_event> read_json_events(const std::string& path) {
  auto text = json::load_file(path);
  json::context ctx(path);
  simdjson::dom::parser parser;
  const json::value root = json::parse(parser, text, ctx);
  std::vector<json_event> events;
  if (root.is_array()) {
    for (const auto& e : root.items()) events.push_back(read_event(e));
  } else if (auto list = root.find("events")) {
    for (const auto& e : list->items()) events.push_back(read_event(e));
  } else {
    events.push_back(read_event(root));
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
