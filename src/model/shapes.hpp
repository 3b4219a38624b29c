#pragma once
// Structural analysis of a model: evaluation order, the rank and width of
// every node, and the input/output widths of every layer. Used by
// validate(), cost(), the plan compiler and `hepnn inspect`.

#include "hepnn/model.hpp"

#include <string>
#include <vector>

namespace hepnn::detail {

/// What a node gives per event. A sequence (lwtnn's kind: consumed as a
/// vector it gives its last step) has `steps` steps, 0 meaning any number;
/// other values are tensors of the fixed shape `dims` (a vector has rank 1).
struct node_shape {
  bool sequence = false;
  std::size_t steps = 0;
  std::size_t width = 0;         ///< last axis (features, channels)
  std::vector<std::size_t> dims; ///< fixed tensors: the shape; sequences: {steps, width}
  /// Input sequence this node's steps come from (variable-length sequences).
  std::size_t origin = 0;
  bool reachable = false; ///< needed by some output
  /// A fixed shape (a tensor, or a sequence with a fixed step count).
  bool fixed() const { return !sequence || steps > 0; }
  std::size_t elements() const;
};

/// "(3, 4)", "(?, 6)" for messages.
std::string dims_text(const std::vector<std::size_t>& dims);

struct layer_shape {
  std::size_t n_in = 0;
  std::size_t n_out = 0;
  std::size_t kernel = 1; ///< conv1d kernel size; conv2d kh·kw
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
/// Layers that act on fixed spatial axes (conv2d, pooling).
bool is_spatial_layer(layer_kind k) noexcept;

/// Output size of a convolution or pooling axis: TensorFlow's rule.
struct axis_plan {
  std::size_t out = 0, before = 0; ///< output length, zeros padded before
};
axis_plan plan_axis(std::size_t length, std::size_t window, std::size_t stride, std::size_t dilation, padding pad);

} // namespace hepnn::detail
