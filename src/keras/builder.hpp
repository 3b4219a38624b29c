#pragma once
// Builds hepnn's model from a Keras model definition and its weights, layer
// by layer (keras-format.md §4, §5). Each Keras tensor becomes an IR node;
// the Keras rank decides between feed_forward and time_distributed nodes.

#include "hepnn/model.hpp"
#include "keras/keras_config.hpp"
#include "keras/keras_weights.hpp"

#include <initializer_list>
#include <map>
#include <string_view>
#include <string>
#include <vector>

namespace hepnn::detail::keras {

/// What a Keras tensor is in the model being built.
struct tensor_state {
  std::size_t node = 0;
  bool sequence = false; ///< Keras rank 3 (batch, steps, features)
  std::size_t width = 0;
  bool masked = false;   ///< carries a Keras mask
  /// The per-event Keras shape (0: any number of steps); empty means
  /// (width,) or (?, width) by `sequence`.
  std::vector<std::size_t> dims;

  std::vector<std::size_t> shape() const {
    if (!dims.empty()) return dims;
    return sequence ? std::vector<std::size_t>{0, width} : std::vector<std::size_t>{width};
  }
  /// A tensor of the given per-event shape.
  static tensor_state of(std::size_t node, std::vector<std::size_t> dims, bool masked = false) {
    tensor_state t;
    t.node = node;
    t.sequence = dims.size() == 2;
    t.width = dims.back();
    t.masked = masked;
    t.dims = std::move(dims);
    return t;
  }
};

/// The Keras layer an IR node or layer comes from (for messages).
struct origin {
  std::string layer, class_name;
};

class builder {
public:
  builder(const weight_store& weights, int keras_major, std::string file, bool lwtnn);

  /// Converts the top-level model. Its inputs become IR inputs in Keras
  /// order (vectors to `inputs`, sequences to `input_sequences`).
  void build(const model_def& top);

  model& network() { return m_; }
  const std::vector<tensor_state>& outputs() const { return outputs_; }
  const std::vector<std::string>& output_layers() const { return output_names_; }
  const std::vector<origin>& node_origins() const { return node_origin_; }
  const std::vector<origin>& layer_origins() const { return layer_origin_; }
  const std::vector<std::string>& notes() const { return notes_; }

  struct call;

private:
  const weight_store& weights_;
  int keras_major_;
  std::string file_;
  bool lwtnn_;
  model m_;
  std::vector<tensor_state> inputs_, outputs_;
  std::vector<std::string> output_names_;
  std::vector<origin> node_origin_, layer_origin_;
  std::vector<std::string> notes_;
  std::map<std::string, std::size_t> shared_layers_; ///< scoped Keras layer name → IR layer

  std::vector<tensor_state> build_model(const model_def& md, const std::vector<std::string>& scope,
                                        const std::vector<tensor_state>* bound);
  std::vector<tensor_state> convert(const call& c);

  // helpers for the layer conversions (keras/layers_*.cpp)
public:
  [[noreturn]] void fail(const call& c, const std::string& message) const;
  std::size_t add_node(const call& c, node n);
  std::size_t add_layer(const call& c, layer l);
  /// The IR layer of this call's Keras layer: the one converted at an
  /// earlier call of a shared layer, else `l`, added now.
  std::size_t layer_index(const call& c, layer l);
  std::vector<tensor> fetch(const call& c) const;
  activation activation_of(const call& c, const char* key, const char* fallback) const;
  /// A feed-forward IR layer applied to a tensor of either rank.
  tensor_state apply(const call& c, const tensor_state& in, layer l, std::size_t width);
  void note(const std::string& text) { notes_.push_back(text); }
  int keras_major() const { return keras_major_; }
};

/// One call of a Keras layer: its class and configuration (the wrapped
/// layer's, inside TimeDistributed), its input tensors, where it sits.
struct builder::call {
  const layer_def* layer = nullptr;     ///< the Keras layer (the wrapper, for TimeDistributed)
  std::string class_name;               ///< the class being converted
  std::optional<json::value> config;    ///< its configuration
  std::vector<tensor_state> in;
  std::vector<std::string> scope;       ///< enclosing nested models
  const std::vector<layer_def>* siblings = nullptr;
  bool wrapped = false;                 ///< inside TimeDistributed
  bool pruned = false;                  ///< inside tfmot's PruneLowMagnitude: kernel × mask

  std::string where() const;
  bool has(const char* key) const;
  std::string text(const char* key, const std::string& fallback) const;
  double number(const char* key, double fallback) const;
  bool flag(const char* key, bool fallback) const;
  /// An integer given as a number or as a one-element list (kernel_size, strides, ...).
  std::size_t count(const char* key, std::size_t fallback) const;
};

// The layer conversions, by family.
std::vector<tensor_state> convert_core(builder& b, const builder::call& c, bool& handled);
std::vector<tensor_state> convert_recurrent(builder& b, const builder::call& c, bool& handled);
std::vector<tensor_state> convert_tensor(builder& b, const builder::call& c, bool& handled);
std::vector<tensor_state> convert_attention(builder& b, const builder::call& c, bool& handled);

/// A node without a layer (reshape, permute, ...).
node plain_node(node_kind kind, std::vector<std::size_t> sources, std::vector<std::size_t> shape = {});
/// Integers of a config entry given as a number or a list (`n` values; one number repeats).
std::vector<std::size_t> config_sizes(builder& b, const builder::call& c, const char* key, std::size_t n,
                                      std::size_t fallback);
/// channels_first (Keras 2 data_format, Keras 1 dim_ordering 'th').
bool channels_first(const builder::call& c);

/// The weight of that name (the first of `names` present), or null.
const tensor* find_weight(const std::vector<tensor>& ws, std::string_view name);
const tensor* find_weight(const std::vector<tensor>& ws, std::initializer_list<const char*> names);
/// "(3, 4)", or "(3,)" as Python prints a shape.
std::string shape_text(const tensor& t);

/// A Keras (in, out) kernel as an lwtnn (out × in) row-major matrix, for
/// the columns [first, first + out).
std::vector<double> transpose_block(const tensor& kernel, std::size_t first, std::size_t out);

} // namespace hepnn::detail::keras
