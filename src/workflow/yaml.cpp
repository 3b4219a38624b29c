#include "workflow/yaml.hpp"

#include "formats/json.hpp"
#include "hepnn/errors.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <filesystem>

namespace hepnn::detail {
namespace {

/// Aliases make the file a graph: a self-reference is a cycle, and nested
/// aliases ("billion laughs") expand exponentially. Both limits are far
/// above what umami's configs need (a few levels, a few hundred nodes).
struct budget {
  std::string file;
  std::size_t nodes = 0;
  void enter(std::size_t depth, const std::string& path) {
    if (depth > yaml_max_depth)
      throw config_error(file + ": '" + path.substr(0, 200) + "': nested more than " + std::to_string(yaml_max_depth) +
                         " levels deep (an alias that refers to itself?)");
    if (++nodes > yaml_max_nodes)
      throw config_error(file + ": the document expands to more than " + std::to_string(yaml_max_nodes) +
                         " nodes once its aliases are resolved (nested aliases?)");
  }
};

yaml_node convert(const YAML::Node& n, const std::string& path, budget& b, std::size_t depth);

/// Applies `<<: *anchor` (a map or a list of maps): merged keys never
/// replace the map's own, and earlier maps in a list win over later ones.
void merge_into(yaml_node& target, const yaml_node& source) {
  if (source.is_sequence()) {
    for (const auto& item : source.items) merge_into(target, item);
    return;
  }
  if (!source.is_map()) source.fail("a merge key '<<' needs a map or a list of maps");
  for (const auto& [k, v] : source.entries)
    if (!target.find(k)) target.entries.emplace_back(k, v);
}

yaml_node convert(const YAML::Node& n, const std::string& path, budget& b, std::size_t depth) {
  b.enter(depth, path);
  yaml_node out;
  out.path = path;
  out.file = b.file;
  switch (n.Type()) {
  case YAML::NodeType::Null:
  case YAML::NodeType::Undefined: out.type = yaml_node::kind::null; break;
  case YAML::NodeType::Scalar:
    out.type = yaml_node::kind::scalar;
    out.text = n.Scalar();
    break;
  case YAML::NodeType::Sequence:
    out.type = yaml_node::kind::sequence;
    for (std::size_t i = 0; i < n.size(); ++i) out.items.push_back(convert(n[i], path + "/" + std::to_string(i), b, depth + 1));
    break;
  case YAML::NodeType::Map: {
    out.type = yaml_node::kind::map;
    std::vector<yaml_node> merges;
    for (const auto& kv : n) {
      const std::string key = kv.first.Scalar();
      const std::string child = path.empty() ? key : path + "/" + key;
      if (key == "<<") {
        merges.push_back(convert(kv.second, child, b, depth + 1));
        continue;
      }
      out.entries.emplace_back(key, convert(kv.second, child, b, depth + 1));
    }
    for (const auto& m : merges) merge_into(out, m);
    break;
  }
  }
  return out;
}

} // namespace

// out of line: the members hold yaml_node, incomplete inside its own class
yaml_node::yaml_node() = default;
yaml_node::yaml_node(const yaml_node&) = default;
yaml_node::yaml_node(yaml_node&&) noexcept = default;
yaml_node& yaml_node::operator=(const yaml_node&) = default;
yaml_node& yaml_node::operator=(yaml_node&&) noexcept = default;
yaml_node::~yaml_node() = default;

const yaml_node* yaml_node::find(const std::string& key) const {
  if (!is_map()) return nullptr;
  for (const auto& [k, v] : entries)
    if (k == key) return &v;
  return nullptr;
}

const yaml_node& yaml_node::at(const std::string& key) const {
  if (!is_map()) fail("expected a map with the key '" + key + "'");
  if (const yaml_node* v = find(key)) return *v;
  throw config_error(file + ": " + (path.empty() ? std::string("the top level") : "'" + path + "'") + " has no '" + key + "'");
}

std::vector<std::string> yaml_node::strings() const {
  if (type == kind::scalar) return {text};
  if (!is_sequence()) fail("expected a list");
  std::vector<std::string> out;
  for (const auto& i : items) {
    if (i.type != kind::scalar) i.fail("expected a name");
    out.push_back(i.text);
  }
  return out;
}

double yaml_node::number() const {
  if (type != kind::scalar) fail("expected a number");
  double v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) fail("'" + text + "' is not a number");
  return v;
}

void yaml_node::fail(const std::string& message) const {
  throw config_error(file + ": " + (path.empty() ? std::string("the top level") : "'" + path + "'") + ": " + message);
}

yaml_node load_yaml(const std::string& path) {
  std::error_code ec;
  if (path != "-" && !std::filesystem::exists(path, ec))
    throw config_error(path + ": cannot read the file: No such file or directory");
  try {
    budget b{path};
    if (path == "-" || !std::filesystem::is_regular_file(path, ec)) { // standard input, a pipe
      const auto text = detail::json::load_file(path);
      return convert(YAML::Load(std::string(text.data(), text.size())), "", b, 0);
    }
    return convert(YAML::LoadFile(path), "", b, 0);
  } catch (const YAML::Exception& e) {
    throw config_error(path + ": not valid YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                       std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

} // namespace hepnn::detail
