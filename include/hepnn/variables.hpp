#pragma once
/// \file variables.hpp
/// lwtnn "variables" files: the names, offsets, scales and defaults of a
/// network's inputs and the names and labels of its outputs, which the
/// converter merges with a Keras model. Both of lwtnn's forms are read:
///  * graph:      {"inputs": [{"name", "variables": [...]}], "input_sequences": [...],
///                 "outputs": [{"name", "labels"}]}
///  * sequential: {"inputs": [{"name", "offset", "scale", "default"?}], "class_labels": [...],
///                 "miscellaneous"?: {...}}

#include "hepnn/model.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hepnn {

struct output_spec {
  std::string name;
  std::vector<std::string> labels;
};

struct variables_spec {
  std::vector<input_node> inputs;          ///< vector inputs, in Keras input order
  std::vector<input_node> input_sequences; ///< sequence inputs, in Keras input order
  std::vector<output_spec> outputs;        ///< in Keras output order
  std::map<std::string, std::string> miscellaneous;
  /// Read from lwtnn's sequential form: one unnamed input and one unnamed output.
  bool sequential = false;
  /// Where it was read from (the file name), for messages.
  std::string source = {};
};

/// Reads either form; throws config_error naming the file and JSON path.
variables_spec read_variables(const std::filesystem::path& path);
variables_spec parse_variables(std::string_view json, const std::string& source = "variables");

/// The graph form, with keys in the order name, offset, scale, default.
std::string write_variables(const variables_spec& spec);

} // namespace hepnn
