#pragma once
/// \file io.hpp
/// Reading and writing network files: lwtnn's sequential and graph JSON
/// formats, and hepnn's extension of the graph format (docs/network-format.md).

#include "hepnn/model.hpp"

#include <filesystem>
#include <map>
#include <vector>
#include <string>
#include <string_view>

namespace hepnn {

/// Reads a network file in any supported format. Throws config_error naming
/// the file, the JSON path and the layer or node on any problem.
model read_network(const std::filesystem::path& path);

/// Parses network JSON held in memory; `source` names it in error messages.
model parse_network(std::string_view json, const std::string& source = "network");

struct write_options {
  /// A file lwtnn itself reads: no hepnn keys, absent biases written as
  /// zeros. The model must not need hepnn's extensions (see
  /// lwtnn_incompatibilities()).
  bool lwtnn = false;
  /// Extra provenance for the file's "hepnn" block (ignored with `lwtnn`).
  std::map<std::string, std::string> provenance;
};

/// The graph-format JSON of a model; the same model always gives the same text.
std::string write_network(const model& m, const write_options& options = {});
/// Writes through a temporary file renamed into place on success.
void save_network(const model& m, const std::filesystem::path& path, const write_options& options = {});

/// Something in a model that lwtnn 2.14 would evaluate differently or not at all.
struct incompatibility {
  int node = -1;  ///< node index, or -1
  int layer = -1; ///< layer index, or -1
  std::string what;
};
std::vector<incompatibility> lwtnn_incompatibilities(const model& m);

/// The version written in hepnn's network files ("hepnn": {"format_version": N}).
inline constexpr int network_format_version = 2;

} // namespace hepnn
