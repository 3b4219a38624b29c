#pragma once
/// \file io.hpp
/// Reading and writing network files: lwtnn's sequential and graph JSON
/// formats, and hepnn's extension of the graph format (docs/network-format.md).

#include "hepnn/model.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace hepnn {

/// Reads a network file in any supported format. Throws config_error naming
/// the file, the JSON path and the layer or node on any problem.
model read_network(const std::filesystem::path& path);

/// Parses network JSON held in memory; `source` names it in error messages.
model parse_network(std::string_view json, const std::string& source = "network");

} // namespace hepnn
