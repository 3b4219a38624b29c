// Names of the IR enumerations, as they are spelled in network files.
#include "hepnn/model.hpp"

namespace hepnn {

std::string_view to_string(activation_function f) noexcept {
  switch (f) {
  case activation_function::linear: return "linear";
  case activation_function::relu: return "rectified";
  case activation_function::sigmoid: return "sigmoid";
  case activation_function::hard_sigmoid: return "hard_sigmoid";
  case activation_function::tanh: return "tanh";
  case activation_function::softmax: return "softmax";
  case activation_function::elu: return "elu";
  case activation_function::leaky_relu: return "leakyrelu";
  case activation_function::swish: return "swish";
  case activation_function::abs: return "abs";
  case activation_function::selu: return "selu";
  case activation_function::softplus: return "softplus";
  case activation_function::softsign: return "softsign";
  case activation_function::exponential: return "exponential";
  case activation_function::gelu: return "gelu";
  case activation_function::gelu_tanh: return "gelu_tanh";
  }
  return "?";
}

std::string_view to_string(layer_kind k) noexcept {
  switch (k) {
  case layer_kind::dense: return "dense";
  case layer_kind::normalization: return "normalization";
  case layer_kind::maxout: return "maxout";
  case layer_kind::highway: return "highway";
  case layer_kind::lstm: return "lstm";
  case layer_kind::gru: return "gru";
  case layer_kind::simple_rnn: return "simplernn";
  case layer_kind::conv1d: return "conv1d";
  case layer_kind::embedding: return "embedding";
  case layer_kind::prelu: return "prelu";
  case layer_kind::conv2d: return "conv2d";
  case layer_kind::pooling: return "pooling";
  case layer_kind::layer_norm: return "layer_norm";
  case layer_kind::attention: return "attention";
  }
  return "?";
}

std::string_view to_string(node_kind k) noexcept {
  switch (k) {
  case node_kind::input: return "input";
  case node_kind::input_sequence: return "input_sequence";
  case node_kind::feed_forward: return "feed_forward";
  case node_kind::sequence: return "sequence";
  case node_kind::time_distributed: return "time_distributed";
  case node_kind::concatenate: return "concatenate";
  case node_kind::add: return "add";
  case node_kind::sum: return "sum";
  case node_kind::subtract: return "subtract";
  case node_kind::multiply: return "multiply";
  case node_kind::average: return "average";
  case node_kind::maximum: return "maximum";
  case node_kind::minimum: return "minimum";
  case node_kind::masking: return "masking";
  case node_kind::mean: return "mean";
  case node_kind::max_pool: return "max_pool";
  case node_kind::reshape: return "reshape";
  case node_kind::permute: return "permute";
  case node_kind::repeat: return "repeat";
  case node_kind::zero_pad: return "zero_pad";
  case node_kind::crop: return "crop";
  }
  return "?";
}

std::string_view to_string(gate g) noexcept {
  switch (g) {
  case gate::i: return "i";
  case gate::f: return "f";
  case gate::c: return "c";
  case gate::o: return "o";
  case gate::z: return "z";
  case gate::r: return "r";
  case gate::h: return "h";
  case gate::t: return "t";
  case gate::carry: return "carry";
  }
  return "?";
}

std::string_view to_string(padding p) noexcept {
  switch (p) {
  case padding::valid: return "valid";
  case padding::same: return "same";
  case padding::causal: return "causal";
  }
  return "?";
}

activation keras2_hard_sigmoid() noexcept {
  return {activation_function::hard_sigmoid, 0.2, 0.5};
}

activation keras3_hard_sigmoid() noexcept {
  return {activation_function::hard_sigmoid, 1.0 / 6.0, 0.5};
}

} // namespace hepnn
