#include "workflow/yaml.hpp"

#include "hepnn/errors.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <filesystem>

namespace hepnn::detail {
namespace {

/// Limits of one file's tree. An alias inside the node it names (`&a {<<: *a}`)
/// makes yaml-cpp's graph cyclic, and nested aliases can expand a small file
/// exponentially; real configs are a few levels deep and a few hundred nodes.
constexpr std::size_t max_depth = 100;
constexpr std::size_t max_nodes = 100000;

struct budget {
  std::size_t depth = 0, nodes = 0;
};

yaml_node convert(const YAML::Node& n, const std::string& path, const std::string& file, budget& b);

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

yaml_node convert(const YAML::Node& n, const std::string& path, const std::string& file, budget& b) {
  auto where = [&] { return file + ": " + (path.empty() ? std::string("the top level") : "'" + path + "'"); };
  if (b.depth >= max_depth)
    throw config_error(where() + ": nested more than " + std::to_string(max_depth) + " levels deep (an alias inside its own anchor?)");
  if (++b.nodes > max_nodes)
    throw config_error(where() + ": more than " + std::to_string(max_nodes) + " nodes once aliases are expanded");
  ++b.depth;
  struct leave {
    budget& b;
    ~leave() { --b.depth; }
  } guard{b};
  yaml_node out;
  out.path = path;
  out.file = file;
  switch (n.Type()) {
  case YAML::NodeType::Null:
  case YAML::NodeType::Undefined: out.type = yaml_node::kind::null; break;
  case YAML::NodeType::Scalar:
    out.type = yaml_node::kind::scalar;
    out.text = n.Scalar();
    break;
  case YAML::NodeType::Sequence:
    out.type = yaml_node::kind::sequence;
    for (std::size_t i = 0; i < n.size(); ++i) out.items.push_back(convert(n[i], path + "/" + std::to_string(i), file, b));
    break;
  case YAML::NodeType::Map: {
    out.type = yaml_node::kind::map;
    std::vector<yaml_node> merges;
    for (const auto& kv : n) {
      const std::string key = kv.first.Scalar();
      const std::string child = path.empty() ? key : path + "/" + key;
      if (key == "<<") {
        merges.push_back(convert(kv.second, child, file, b));
        continue;
      }
      out.entries.emplace_back(key, convert(kv.second, child, file, b));
    }
    for (const auto& m : merges) merge_into(out, m);
    break;
  }
  }
  return out;
}

} // namespace

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
  if (!std::filesystem::exists(path, ec)) throw config_error(path + ": cannot read the file: No such file or directory");
  try {
    budget b;
    return convert(YAML::LoadFile(path), "", path, b);
  } catch (const YAML::Exception& e) {
    throw config_error(path + ": not valid YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                       std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

} // namespace hepnn::detail
