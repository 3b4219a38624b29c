#include "hepnn/variables.hpp"

#include "formats/json.hpp"
#include "formats/json_writer.hpp"
#include "formats/lwtnn_common.hpp"

namespace hepnn {
namespace {

using detail::json::value;

variables_spec read(const value& root) {
  variables_spec s;
  if (!root.is_object()) root.fail("a variables file is a JSON object, got " + root.type_name());
  const value inputs = root.at("inputs");
  const auto items = inputs.items();
  const bool graph = !root.find("class_labels") && (root.find("input_sequences") || root.find("outputs") ||
                                                    (!items.empty() && items.front().find("variables")));
  if (graph) {
    s.inputs = detail::lwtnn::parse_input_nodes(inputs, true);
    if (auto seq = root.find("input_sequences")) s.input_sequences = detail::lwtnn::parse_input_nodes(*seq, true);
    for (const auto& o : root.at("outputs").items()) {
      output_spec out;
      out.name = o.at("name").is_null() ? std::string() : o.at("name").string();
      for (const auto& l : o.at("labels").items()) out.labels.push_back(l.string());
      s.outputs.push_back(std::move(out));
    }
  } else {
    s.sequential = true;
    input_node n;
    for (const auto& v : items) n.variables.push_back(detail::lwtnn::parse_variable(v));
    s.inputs.push_back(std::move(n));
    output_spec out;
    for (const auto& l : root.at("class_labels").items()) out.labels.push_back(l.string());
    s.outputs.push_back(std::move(out));
  }
  if (auto misc = root.find("miscellaneous")) detail::lwtnn::parse_misc(*misc, s.miscellaneous);
  return s;
}

} // namespace

variables_spec read_variables(const std::filesystem::path& path) {
  auto text = detail::json::load_file(path.string());
  detail::json::context ctx(path == "-" ? std::string("standard input") : path.string());
  simdjson::dom::parser parser;
  variables_spec spec = read(detail::json::parse(parser, text, ctx));
  spec.source = path == "-" ? std::string("standard input") : path.string();
  return spec;
}

variables_spec parse_variables(std::string_view json, const std::string& source) {
  detail::json::text text(json);
  detail::json::context ctx(source);
  simdjson::dom::parser parser;
  return read(detail::json::parse(parser, text, ctx));
}

std::string write_variables(const variables_spec& spec) {
  detail::json_writer w(2);
  w.begin_object();
  w.key("inputs");
  detail::lwtnn::write_input_nodes(w, spec.inputs);
  w.key("input_sequences");
  detail::lwtnn::write_input_nodes(w, spec.input_sequences);
  w.key("outputs").begin_array();
  for (const auto& o : spec.outputs) {
    w.begin_object().key("name").value(o.name).key("labels").begin_array();
    for (const auto& l : o.labels) w.value(l);
    w.end_array().end_object();
  }
  w.end_array();
  detail::lwtnn::write_misc(w, spec.miscellaneous);
  w.end_object();
  return w.take() + "\n";
}

} // namespace hepnn
