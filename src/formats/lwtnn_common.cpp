#include "formats/lwtnn_common.hpp"

namespace hepnn::detail::lwtnn {

variable parse_variable(const json::value& v) {
  variable var;
  var.name = v.at("name").string();
  var.offset = v.at("offset").number();
  var.scale = v.at("scale").number();
  if (auto d = v.find("default"); d && !d->is_null()) var.default_value = d->number();
  return var;
}

std::vector<input_node> parse_input_nodes(const json::value& v, bool null_names) {
  std::vector<input_node> nodes;
  for (const auto& item : v.items()) {
    input_node in;
    const auto name = item.at("name");
    in.name = null_names && name.is_null() ? std::string() : name.string();
    for (const auto& var : item.at("variables").items()) in.variables.push_back(parse_variable(var));
    if (auto steps = item.find("steps")) in.steps = steps->index(); // hepnn: a fixed-shape input sequence
    nodes.push_back(std::move(in));
  }
  return nodes;
}

void parse_misc(const json::value& v, std::map<std::string, std::string>& out) {
  for (const auto& [key, val] : v.members()) out[key] = val.scalar_text();
}

void write_input_nodes(json_writer& w, const std::vector<input_node>& nodes) {
  w.begin_array();
  for (const auto& n : nodes) {
    w.begin_object().key("name").value(n.name).key("variables").begin_array();
    for (const auto& v : n.variables) {
      w.begin_object().key("name").value(v.name).key("offset").value(v.offset).key("scale").value(v.scale);
      if (v.default_value) w.key("default").value(*v.default_value);
      w.end_object();
    }
    w.end_array();
    if (n.steps) w.key("steps").value(n.steps);
    w.end_object();
  }
  w.end_array();
}

void write_misc(json_writer& w, const std::map<std::string, std::string>& misc) {
  if (misc.empty()) return;
  w.key("miscellaneous").begin_object();
  for (const auto& [k, v] : misc) w.key(k).value(v);
  w.end_object();
}

} // namespace hepnn::detail::lwtnn
