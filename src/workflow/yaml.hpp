#pragma once
// YAML configuration files (umami's variable dicts and check configs) as a
// plain tree, with anchors, aliases and `<<:` merge keys resolved. Map
// entries keep file order. Errors name the file and the key path.

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace hepnn::detail {

class yaml_node {
public:
  enum class kind { null, scalar, sequence, map };

  kind type = kind::null;
  std::string text;                                       ///< scalar
  std::vector<yaml_node> items;                           ///< sequence
  std::vector<std::pair<std::string, yaml_node>> entries; ///< map, in file order
  std::string path;                                       ///< e.g. "track_train_variables/tracks"
  std::string file;

  // Declared here and defaulted in yaml.cpp: implicit ones would need
  // std::pair<std::string, yaml_node> complete inside this class, which
  // clang with libstdc++ rejects (yaml_node is still incomplete there).
  yaml_node();
  yaml_node(const yaml_node&);
  yaml_node(yaml_node&&) noexcept;
  yaml_node& operator=(const yaml_node&);
  yaml_node& operator=(yaml_node&&) noexcept;
  ~yaml_node();

  bool is_map() const { return type == kind::map; }
  bool is_sequence() const { return type == kind::sequence; }
  bool is_null() const { return type == kind::null; }
  const yaml_node* find(const std::string& key) const;
  /// A required map entry; throws naming the file and path.
  const yaml_node& at(const std::string& key) const;
  /// Scalars of a sequence (a single scalar reads as a one-element list).
  std::vector<std::string> strings() const;
  double number() const;
  [[noreturn]] void fail(const std::string& message) const;
};

/// Limits on a document once its aliases are resolved: nesting depth, and
/// nodes visited in all (a self-referencing alias or nested aliases exceed them).
inline constexpr std::size_t yaml_max_depth = 64;
inline constexpr std::size_t yaml_max_nodes = 100'000;

/// Reads a YAML file; throws config_error naming the file (and line) on a
/// syntax error, and naming it when a limit above is exceeded.
yaml_node load_yaml(const std::string& path);

} // namespace hepnn::detail
