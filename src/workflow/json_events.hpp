#pragma once
// Events given as JSON, in the layout of the reference zoo's inputs.json:
//   {"events": [{"event": 0,
//                "inputs": {node: {variable: value or null}},
//                "input_sequences": {node: [{variable: value}, ... one per step]}}]}
// null (or a missing value in a step) means "missing": NaN, which the
// network replaces by the variable's default.

#include "hepnn/network.hpp"

#include <optional>
#include <string>
#include <vector>

namespace hepnn::detail {

struct json_event {
  std::optional<double> id; ///< the "event" field
  node_map inputs;
  seq_node_map sequences;
};

/// Reads a file of events; a single event object or a bare list is accepted too.
/// With a model's input nodes, a node may also be given as an array in the
/// node's variable order: a list of values (a vector node; an image as a
/// nested (H, W, C) list, read row-major), or a list of rows (a sequence).
std::vector<json_event> read_json_events(const std::string& path, const std::vector<input_node>* inputs = nullptr,
                                         const std::vector<input_node>* input_sequences = nullptr);

/// Evaluates every event and returns {"events": [{"event", "outputs": {output: {label: value}}}]}
/// with 17 significant digits. Sequence outputs give one value per step.
template <typename T> std::string evaluate_json_events(const basic_network<T>& net, const std::vector<json_event>& events);

} // namespace hepnn::detail
