#pragma once
// Structural analysis of a model: evaluation order, the rank and width of
// every node, and the input/output widths of every layer. Used by
// validate(), cost(), the plan compiler and `hepnn inspect`.

#include "hepnn/model.hpp"

#include <string>
#include <vector>

namespace hepnn::detail {

struct node_shape {
  bool sequence = false;
  std::size_t width = 0;
  /// Input sequence this node's steps come from (sequences only).
  std::size_t origin = 0;
  bool reachable = false; ///< needed by some output
};

struct layer_shape {
  std::size_t n_in = 0;
  std::size_t n_out = 0;
  std::size_t kernel = 1; ///< conv1d kernel size
  bool used = false;
};

struct model_shapes {
  std::vector<std::size_t> order; ///< every node, sources before consumers
  std::vector<node_shape> nodes;
  std::vector<layer_shape> layers;
};

/// Throws config_error naming the node or layer on any inconsistency.
model_shapes analyse(const model& m);

/// "/nodes/3 (feed_forward)", "/layers/2 (lstm)": where-strings for messages.
std::string node_where(const model& m, std::size_t index);
std::string layer_where(const model& m, std::size_t index);

/// Throws config_error "<source>: <where>: <message>".
[[noreturn]] void fail(const model& m, const std::string& where, const std::string& message);

bool is_feed_forward(layer_kind k) noexcept;
bool is_sequence_layer(layer_kind k) noexcept;

} // namespace hepnn::detail
