#pragma once
// A Keras model's architecture, read from any of its JSON dialects
// (keras-format.md §3, §6.3): Keras 1 Sequential lists, Keras 2 legacy and
// new-style layer dictionaries, Keras 3 `__keras_tensor__` inbound nodes,
// Sequential and Functional models, nested models as layers. Sequential
// models are turned into the Functional form with an explicit input layer.

#include "formats/json.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hepnn::detail::keras {

/// One tensor: output `tensor` of call `node` of layer `layer`.
struct tensor_ref {
  std::string layer;
  std::size_t node = 0;
  std::size_t tensor = 0;
  bool operator<(const tensor_ref& o) const {
    return layer != o.layer ? layer < o.layer : node != o.node ? node < o.node : tensor < o.tensor;
  }
};

struct layer_def {
  std::string name;
  std::string class_name;
  std::optional<json::value> config;        ///< the layer's "config" object
  std::optional<json::value> entry;         ///< the whole layer dictionary (nested models)
  std::vector<std::vector<tensor_ref>> calls; ///< inbound tensors of each call
  std::string module;                       ///< for custom layers
  /// Input layers: the shape without the batch dimension (0 = unknown).
  std::vector<std::size_t> input_shape;
};

struct model_def {
  std::string class_name; ///< Functional, Model or Sequential
  std::string name;
  std::vector<layer_def> layers; ///< as listed (Functional: topological; Sequential: a chain)
  std::vector<tensor_ref> inputs, outputs;

  const layer_def* find(const std::string& layer) const;
};

/// A parsed JSON document that keeps its buffer alive for the values.
struct json_document {
  json::text text;
  simdjson::dom::parser parser;
  std::unique_ptr<json::context> ctx;
  std::optional<json::value> root;
};
std::unique_ptr<json_document> parse_padded_json(json::text text, const std::string& source);
inline std::unique_ptr<json_document> parse_json(std::string_view text, const std::string& source) {
  return parse_padded_json(json::text(text), source);
}

/// Reads a model from a `{"class_name", "config", ...}` object.
model_def read_model(const json::value& model);

/// "Dense" → "dense", "GlobalAveragePooling1D" → "global_average_pooling1d"
/// (Keras' own snake case, used for Keras 3 weight paths).
std::string snake_case(const std::string& class_name);

/// The Keras major version of a version string ("2.2.4" → 2), or 0.
int major_version(const std::string& version);

} // namespace hepnn::detail::keras
