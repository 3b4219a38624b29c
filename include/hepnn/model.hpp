#pragma once
/// \file model.hpp
/// hepnn's internal model (IR): a graph of nodes over layers, with named,
/// preprocessed inputs and labelled outputs. The lwtnn JSON reader and the
/// Keras converter both produce it; `basic_network` compiles it into an
/// execution plan. It mirrors lwtnn's graph format (lwtnn-format.md §5) and
/// adds what lwtnn cannot express: masking, go_backwards, GRU reset_after,
/// more activations and merges.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hepnn {

/// Element-wise functions (softmax acts on a whole feature vector).
enum class activation_function : std::uint8_t {
  linear,
  relu,         ///< lwtnn "rectified"; with Keras ReLU options alpha/beta/cap
  sigmoid,      ///< 1/(1+e^-x), clamped to 0/1 outside ±30 as lwtnn does
  hard_sigmoid, ///< clamp(alpha·x + beta, 0, 1): alpha 0.2 (Keras 1/2) or 1/6 (Keras 3)
  tanh,
  softmax,
  elu,          ///< x ≥ 0 ? x : alpha·(e^x − 1)
  leaky_relu,   ///< x > 0 ? x : alpha·x
  swish,        ///< x·sigmoid(alpha·x)
  abs,
  selu,
  softplus,
  softsign,
  exponential,
  gelu,         ///< exact: 0.5x(1 + erf(x/√2))
  gelu_tanh,    ///< tanh approximation
};

/// An activation with its parameters.
struct activation {
  activation_function function = activation_function::linear;
  /// elu, leaky_relu: α; swish: β; hard_sigmoid: slope; relu: negative slope.
  double alpha = 0.0;
  /// hard_sigmoid: offset; relu: threshold.
  double beta = 0.0;
  /// relu: maximum value (Keras ReLU max_value); +inf when there is none.
  double cap = std::numeric_limits<double>::infinity();

  /// max(x, 0): relu without slope, threshold or cap (lwtnn's "rectified").
  bool is_plain_relu() const { return function == activation_function::relu && alpha == 0 && beta == 0 && !(cap < 1e308); }

  friend bool operator==(const activation&, const activation&) = default;
};

enum class layer_kind : std::uint8_t {
  dense,          ///< y = act(W x + b); W may be empty (identity)
  normalization,  ///< y = w ⊙ (x + b), lwtnn's folded BatchNormalization
  maxout,         ///< y = max_k (W_k x + b_k)
  highway,        ///< y = c ⊙ act(W_t x + b_t) + (1 − c) ⊙ x, c = sigmoid(W_c x + b_c)
  lstm,
  gru,
  simple_rnn,
  conv1d,
  embedding,      ///< lwtnn's legacy per-step embedding of integer features
  prelu,          ///< y = x > 0 ? x : α_j x (weights hold α)
  // tensors with a fixed shape (hepnn extensions)
  conv2d,         ///< cross-correlation over (H, W, C); weights [out][kh][kw][in]
  pooling,        ///< max or average pooling over 1 or 2 spatial axes (no weights)
  layer_norm,     ///< per step: (x − mean)/√(var + ε) · γ + β over the features
  attention,      ///< multi-head self-attention over the steps of a sequence
};

enum class padding : std::uint8_t { valid, same, causal };

/// lwtnn component names (recurrent gates and highway parts).
enum class gate : std::uint8_t { i, f, c, o, z, r, h, t, carry };

/// One weight block: W (n_out × n_in, row-major), bias (n_out, or empty for
/// none), and for recurrent gates U (n_out × n_out, row-major).
struct weight_block {
  std::vector<double> weights;
  std::vector<double> bias;
  std::vector<double> recurrent;      ///< lwtnn "U"
  std::vector<double> recurrent_bias; ///< GRU reset_after: the recurrent bias b¹ of this gate
};

/// lwtnn embedding sublayer: replaces feature `index` by an `n_out`-wide
/// column of `weights` (n_out × n_categories, row-major).
struct embedding_table {
  std::size_t index = 0;
  std::size_t n_out = 0;
  std::vector<double> weights;
};

struct layer {
  layer_kind kind = layer_kind::dense;
  std::vector<double> weights;          ///< dense, normalization, conv1d, prelu
  std::vector<double> bias;             ///< dense, normalization, conv1d
  activation act;                       ///< "activation"
  activation inner_act;                 ///< "inner_activation" (lstm, gru gates)
  std::map<gate, weight_block> components; ///< lstm (ifco), gru (zrh), simple_rnn (h), highway (t, carry)
  std::vector<weight_block> sublayers;  ///< maxout
  std::vector<embedding_table> embeddings;
  std::size_t dilation = 1;             ///< conv1d
  padding pad = padding::valid;         ///< conv1d
  bool go_backwards = false;            ///< recurrent: scan the sequence in reverse
  bool reset_after = false;             ///< gru: reset gate applied after the recurrent product
  /// recurrent, go_backwards with a sequence output: the output of input
  /// step t is stored at step t (Keras Bidirectional reverses it back).
  bool aligned_output = false;
  /// recurrent: masked steps output zeros (Bidirectional's zero_output_for_mask).
  bool zero_masked = false;
  std::vector<std::size_t> window;      ///< conv2d: (kh, kw); pooling: pool size per spatial axis
  std::vector<std::size_t> strides;     ///< conv1d, conv2d, pooling: per spatial axis (empty: 1; pooling: the window)
  std::vector<std::size_t> dilations;   ///< conv2d: per spatial axis (empty: 1); conv1d uses `dilation`
  bool pool_max = false;                ///< pooling: maximum (else mean over the window's real cells)
  double epsilon = 0.0;                 ///< layer_norm
  /// attention: heads and key size; sublayers are query, key, value and
  /// output projections (row-major n_out × n_in, with bias).
  std::size_t heads = 0, key_dim = 0;
};

enum class node_kind : std::uint8_t {
  input,            ///< vector from inputs[sources[0]]
  input_sequence,   ///< sequence from input_sequences[sources[0]]
  feed_forward,     ///< feed-forward layer on a vector (a sequence source gives its last step)
  sequence,         ///< recurrent / conv1d / embedding layer on a sequence
  time_distributed, ///< feed-forward layer on every step of a sequence
  concatenate,      ///< vectors joined
  add,              ///< element-wise sum of equal-width vectors
  sum,              ///< sum over the (unmasked) steps of a sequence
  // hepnn extensions
  subtract,         ///< sources[0] − sources[1]
  multiply,
  average,
  maximum,
  minimum,
  masking,          ///< Keras Masking: a step is masked when all its features equal mask_value
  mean,             ///< GlobalAveragePooling1D: mean over unmasked steps
  max_pool,         ///< GlobalMaxPooling1D: maximum over unmasked steps
  // fixed-shape tensors
  reshape,          ///< the same values in another fixed shape (`shape`), row-major: Flatten, Reshape
  permute,          ///< axes reordered: `shape` lists the source axis of each output axis (0-based)
  repeat,           ///< vector (F) → (shape[0], F)
  zero_pad,         ///< zeros before/after each leading axis: `shape` = b0, a0, b1, a1, ...
  crop,             ///< steps removed before/after each leading axis, as zero_pad
};

struct node {
  node_kind kind = node_kind::input;
  std::vector<std::size_t> sources; ///< node indices; for input nodes the input index
  std::size_t layer = 0;            ///< feed_forward, sequence, time_distributed
  std::size_t size = 0;             ///< input nodes: the variable count (0 = not given)
  double mask_value = 0.0;          ///< masking
  std::vector<std::size_t> shape;   ///< reshape, permute, repeat, zero_pad, crop
  /// concatenate and merges of sequences: step by step (masks combined with
  /// AND) instead of lwtnn's last step of each source.
  bool per_step = false;
};

/// A network input variable: the raw value x is fed as (x + offset) · scale.
/// A NaN or ±inf value is replaced by `default_value` first, when there is one.
struct variable {
  std::string name;
  double offset = 0.0;
  double scale = 1.0;
  std::optional<double> default_value;
};

struct input_node {
  std::string name;
  std::vector<variable> variables;
  /// input_sequences: every event gives exactly this many steps (a Keras
  /// input of fixed shape (T, F)); 0: any number.
  std::size_t steps = 0;
};

struct output_node {
  std::string name;
  std::size_t node = 0;
  std::vector<std::string> labels;
};

/// The whole network. Indices refer into the vectors of the same model.
struct model {
  std::vector<input_node> inputs;
  std::vector<input_node> input_sequences;
  std::vector<node> nodes;
  std::vector<layer> layers;
  std::vector<output_node> outputs; ///< in file order
  std::map<std::string, std::string> miscellaneous;
  /// Where the model came from (a file name); prefixes error messages.
  std::string source;
  /// Read from lwtnn's sequential format (one unnamed input and output).
  bool sequential = false;
};

/// Limits on what a network file may ask for (checked at load).
inline constexpr std::size_t max_tensor_elements = std::size_t(1) << 24; ///< per event, any node
inline constexpr std::size_t max_parameters = std::size_t(1) << 28;      ///< stored numbers in all layers
inline constexpr std::size_t max_fixed_steps = std::size_t(1) << 20;     ///< steps of a fixed-shape input

/// Size figures of a model, for `hepnn inspect` and the benchmarks.
struct model_cost {
  std::size_t parameters = 0; ///< stored weights and biases
  std::size_t macs_fixed = 0; ///< multiply-adds that do not depend on sequence lengths
  /// Multiply-adds per step of each sequence input (indexed like input_sequences).
  std::vector<std::size_t> macs_per_step;
  /// Total for the given step count of every sequence input.
  std::size_t macs(const std::vector<std::size_t>& steps) const;
};

std::string_view to_string(activation_function f) noexcept;
std::string_view to_string(layer_kind k) noexcept;
std::string_view to_string(node_kind k) noexcept;
std::string_view to_string(gate g) noexcept;
std::string_view to_string(padding p) noexcept;

/// The hard_sigmoid of Keras 1 and 2: clamp(0.2x + 0.5, 0, 1).
activation keras2_hard_sigmoid() noexcept;
/// The hard_sigmoid of Keras 3: clamp(x/6 + 0.5, 0, 1).
activation keras3_hard_sigmoid() noexcept;

/// Checks the model's structure (indices, widths, ranks, cycles, label
/// counts) and returns the nodes in evaluation order. Throws config_error
/// naming the node or layer.
std::vector<std::size_t> validate(const model& m);

/// Parameter count and multiply-adds (needs a valid model).
model_cost cost(const model& m);

} // namespace hepnn
