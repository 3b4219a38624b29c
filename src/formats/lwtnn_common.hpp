#pragma once
// Pieces of lwtnn's JSON that network files and variables files share: the
// input nodes with their variables, and the "miscellaneous" block.

#include "formats/json.hpp"
#include "formats/json_writer.hpp"
#include "hepnn/model.hpp"

#include <map>
#include <string>
#include <vector>

namespace hepnn::detail::lwtnn {

/// {"name", "offset", "scale", "default"?}
variable parse_variable(const json::value& v);
/// [{"name", "variables": [...]}]; with `null_names`, "name": null reads as "".
std::vector<input_node> parse_input_nodes(const json::value& v, bool null_names = false);
/// Every value as text, as lwtnn keeps them.
void parse_misc(const json::value& v, std::map<std::string, std::string>& out);

void write_input_nodes(json_writer& w, const std::vector<input_node>& nodes);
/// Writes the "miscellaneous" key, unless `misc` is empty.
void write_misc(json_writer& w, const std::map<std::string, std::string>& misc);

} // namespace hepnn::detail::lwtnn
