#include "hepnn/variables.hpp"

#include "formats/json.hpp"
#include "formats/json_writer.hpp"

namespace hepnn {
namespace {

using detail::json::value;

variable read_variable(const value& v) {
  variable var;
  var.name = v.at("name").string();
  var.offset = v.at("offset").number();
  var.scale = v.at("scale").number();
  if (auto d = v.find("default"); d && !d->is_null()) var.default_value = d->number();
  return var;
}

std::vector<input_node> read_nodes(const value& list) {
  std::vector<input_node> out;
  for (const auto& item : list.items()) {
    input_node n;
    n.name = item.at("name").is_null() ? std::string() : item.at("name").string();
    for (const auto& v : item.at("variables").items()) n.variables.push_back(read_variable(v));
    out.push_back(std::move(n));
  }
  return out;
}

variables_spec read(const value& root) {
  variables_spec s;
  if (!root.is_object()) root.fail("a variables file is a JSON object, got " + root.type_name());
  const value inputs = root.at("inputs");
  const auto items = inputs.items();
  const bool graph = !root.find("class_labels") && (root.find("input_sequences") || root.find("outputs") ||
                                                    (!items.empty() && items.front().find("variables")));
  if (graph) {
    s.inputs = read_nodes(inputs);
    if (auto seq = root.find("input_sequences")) s.input_sequences = read_nodes(*seq);
    for (const auto& o : root.at("outputs").items()) {
      output_spec out;
      out.name = o.at("name").is_null() ? std::string() : o.at("name").string();
      for (const auto& l : o.at("labels").items()) out.labels.push_back(l.string());
      s.outputs.push_back(std::move(out));
    }
  } else {
    s.sequential = true;
    input_node n;
    for (const auto& v : items) n.variables.push_back(read_variable(v));
    s.inputs.push_back(std::move(n));
    output_spec out;
    for (const auto& l : root.at("class_labels").items()) out.labels.push_back(l.string());
    s.outputs.push_back(std::move(out));
  }
  if (auto misc = root.find("miscellaneous"))
    for (const auto& [k, v] : misc->members()) s.miscellaneous[k] = v.scalar_text();
  return s;
}

void write_nodes(detail::json_writer& w, const std::vector<input_node>& nodes) {
  w.begin_array();
  for (const auto& n : nodes) {
    w.begin_object().key("name").value(n.name).key("variables").begin_array();
    for (const auto& v : n.variables) {
      w.begin_object().key("name").value(v.name).key("offset").value(v.offset).key("scale").value(v.scale);
      if (v.default_value) w.key("default").value(*v.default_value);
      w.end_object();
    }
    w.end_array().end_object();
  }
  w.end_array();
}

} // namespace

variables_spec read_variables(const std::filesystem::path& path) {
  auto text = detail::json::load_file(path.string());
  detail::json::context ctx(path.string());
  simdjson::dom::parser parser;
  return read(detail::json::parse(parser, text, ctx));
}

variables_spec parse_variables(std::string_view json, const std::string& source) {
  simdjson::padded_string text(json);
  detail::json::context ctx(source);
  simdjson::dom::parser parser;
  return read(detail::json::parse(parser, text, ctx));
}

std::string write_variables(const variables_spec& spec) {
  detail::json_writer w(2);
  w.begin_object();
  w.key("inputs");
  write_nodes(w, spec.inputs);
  w.key("input_sequences");
  write_nodes(w, spec.input_sequences);
  w.key("outputs").begin_array();
  for (const auto& o : spec.outputs) {
    w.begin_object().key("name").value(o.name).key("labels").begin_array();
    for (const auto& l : o.labels) w.value(l);
    w.end_array().end_object();
  }
  w.end_array();
  if (!spec.miscellaneous.empty()) {
    w.key("miscellaneous").begin_object();
    for (const auto& [k, v] : spec.miscellaneous) w.key(k).value(v);
    w.end_object();
  }
  w.end_object();
  return w.take() + "\n";
}

} // namespace hepnn
