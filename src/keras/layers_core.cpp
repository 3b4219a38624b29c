// Keras feed-forward and convolution layers → hepnn layers.
#include "keras/builder.hpp"

#include <cmath>
#include <limits>

namespace hepnn::detail::keras {
namespace {

using call = builder::call;

const tensor& need(builder& b, const call& c, const std::vector<tensor>& ws, std::initializer_list<const char*> names) {
  if (const tensor* t = find_weight(ws, names)) return *t;
  std::string have;
  for (const auto& t : ws) have += (have.empty() ? "" : ", ") + t.name;
  b.fail(c, "weights '" + std::string(*names.begin()) + "' not found in " + (have.empty() ? "an empty weight list" : "[" + have + "]"));
}

void expect_shape(builder& b, const call& c, const tensor& t, std::vector<std::size_t> want) {
  if (t.shape != want) {
    tensor w;
    w.shape = std::move(want);
    b.fail(c, "weights '" + t.name + "' have shape " + shape_text(t) + ", expected " + shape_text(w));
  }
}

/// The input width of the layer's (first) input.
std::size_t width_of(const call& c) { return c.in.front().width; }

std::vector<tensor_state> dense(builder& b, const call& c) {
  const auto ws = b.fetch(c);
  const tensor& kernel = need(b, c, ws, {"kernel", "W"});
  if (kernel.shape.size() != 2 || kernel.shape[0] != width_of(c))
    b.fail(c, "kernel has shape " + shape_text(kernel) + " but the layer's input has width " + std::to_string(width_of(c)));
  const std::size_t units = kernel.shape[1];
  if (c.has("units") && c.count("units", units) != units)
    b.fail(c, "kernel has " + std::to_string(units) + " columns, the configuration says " + std::to_string(c.count("units", 0)) + " units");
  layer l;
  l.kind = layer_kind::dense;
  l.weights = transpose_block(kernel, 0, units);
  if (const tensor* bias = find_weight(ws, {"bias", "b"})) {
    expect_shape(b, c, *bias, {units});
    l.bias = bias->data;
  }
  l.act = b.activation_of(c, "activation", "linear");
  return {b.apply(c, c.in.front(), std::move(l), units)};
}

std::vector<tensor_state> activation_layer(builder& b, const call& c, activation a) {
  layer l;
  l.kind = layer_kind::dense;
  l.act = a;
  return {b.apply(c, c.in.front(), std::move(l), width_of(c))};
}

std::vector<tensor_state> batch_norm(builder& b, const call& c) {
  const std::size_t n = width_of(c);
  if (c.has("mode") && c.number("mode", 0) != 0) b.fail(c, "only the feature-wise BatchNormalization (mode 0) is supported");
  if (c.has("axis")) {
    auto axis = *c.config->find("axis");
    const auto items = axis.is_array() ? axis.items() : std::vector<json::value>{axis};
    const double last = c.wrapped ? 1 : static_cast<double>(c.in.front().shape().size());
    if (items.size() != 1 || (items[0].number() != -1 && items[0].number() != last))
      b.fail(c, "normalisation along an axis other than the features is not supported");
  }
  const double eps = c.number("epsilon", 1e-3);
  const auto ws = b.fetch(c);
  const tensor& mean = need(b, c, ws, {"moving_mean", "running_mean"});
  // Keras 1 called the variance "running_std" (it is used as a variance)
  const tensor& var = need(b, c, ws, {"moving_variance", "running_std"});
  const tensor* gamma = find_weight(ws, {"gamma"});
  const tensor* beta = find_weight(ws, {"beta"});
  for (const tensor* t : {&mean, &var, gamma, beta})
    if (t) expect_shape(b, c, *t, {n});
  // y = γ (x − μ)/√(σ² + ε) + β = w x + shift, folded in double
  std::vector<double> w(n), shift(n);
  bool zero = false;
  for (std::size_t i = 0; i < n; ++i) {
    const double g = gamma ? gamma->data[i] : 1.0;
    w[i] = g / std::sqrt(var.data[i] + eps);
    shift[i] = (beta ? beta->data[i] : 0.0) - w[i] * mean.data[i];
    zero = zero || w[i] == 0;
  }
  layer l;
  if (zero) { // γ = 0 somewhere: lwtnn's form w ⊙ (x + b) would divide by 0; a diagonal dense layer is exact
    l.kind = layer_kind::dense;
    l.weights.assign(n * n, 0.0);
    for (std::size_t i = 0; i < n; ++i) l.weights[i * n + i] = w[i];
    l.bias = shift;
  } else {
    l.kind = layer_kind::normalization;
    l.weights = w;
    l.bias.resize(n);
    for (std::size_t i = 0; i < n; ++i) l.bias[i] = shift[i] / w[i];
  }
  return {b.apply(c, c.in.front(), std::move(l), n)};
}

std::vector<tensor_state> prelu(builder& b, const call& c) {
  const auto ws = b.fetch(c);
  const tensor& alpha = need(b, c, ws, {"alpha"});
  if (alpha.shape.empty() || alpha.data.size() != width_of(c) || alpha.shape.back() != width_of(c))
    b.fail(c, "alpha has shape " + shape_text(alpha) + ": only one slope per feature is supported");
  layer l;
  l.kind = layer_kind::prelu;
  l.weights = alpha.data;
  return {b.apply(c, c.in.front(), std::move(l), width_of(c))};
}

std::vector<tensor_state> maxout(builder& b, const call& c) {
  const auto ws = b.fetch(c);
  const tensor& w = need(b, c, ws, {"W", "kernel"});
  if (w.shape.size() != 3 || w.shape[1] != width_of(c))
    b.fail(c, "W has shape " + shape_text(w) + " for an input of width " + std::to_string(width_of(c)));
  const std::size_t parts = w.shape[0], in = w.shape[1], out = w.shape[2];
  const tensor* bias = find_weight(ws, {"b", "bias"});
  if (bias) expect_shape(b, c, *bias, {parts, out});
  layer l;
  l.kind = layer_kind::maxout;
  for (std::size_t k = 0; k < parts; ++k) {
    tensor part;
    part.shape = {in, out};
    part.data.assign(w.data.begin() + static_cast<std::ptrdiff_t>(k * in * out),
                     w.data.begin() + static_cast<std::ptrdiff_t>((k + 1) * in * out));
    weight_block blk;
    blk.weights = transpose_block(part, 0, out);
    if (bias)
      blk.bias.assign(bias->data.begin() + static_cast<std::ptrdiff_t>(k * out),
                      bias->data.begin() + static_cast<std::ptrdiff_t>((k + 1) * out));
    l.sublayers.push_back(std::move(blk));
  }
  return {b.apply(c, c.in.front(), std::move(l), out)};
}

std::vector<tensor_state> highway(builder& b, const call& c) {
  const std::size_t n = width_of(c);
  const auto ws = b.fetch(c);
  const tensor& w = need(b, c, ws, {"W", "kernel"});
  const tensor& wc = need(b, c, ws, {"W_carry", "carry_kernel"});
  expect_shape(b, c, w, {n, n});
  expect_shape(b, c, wc, {n, n});
  layer l;
  l.kind = layer_kind::highway;
  weight_block t, carry;
  t.weights = transpose_block(w, 0, n);
  carry.weights = transpose_block(wc, 0, n);
  if (const tensor* bt = find_weight(ws, {"b", "bias"})) t.bias = bt->data;
  if (const tensor* bc = find_weight(ws, {"b_carry", "carry_bias"})) carry.bias = bc->data;
  l.components[gate::t] = std::move(t);
  l.components[gate::carry] = std::move(carry);
  l.act = b.activation_of(c, "activation", "linear");
  return {b.apply(c, c.in.front(), std::move(l), n)};
}

} // namespace

std::vector<tensor_state> convert_core(builder& b, const builder::call& c, bool& handled) {
  handled = true;
  const std::string& cls = c.class_name;
  using A = activation_function;
  if (cls == "Dense" || cls == "TimeDistributedDense") return dense(b, c);
  if (cls == "Activation") return activation_layer(b, c, b.activation_of(c, "activation", "linear"));
  if (cls == "Softmax") {
    if (c.has("axis") && c.number("axis", -1) != -1) b.fail(c, "softmax along an axis other than the last");
    return activation_layer(b, c, {A::softmax});
  }
  if (cls == "LeakyReLU") return activation_layer(b, c, {A::leaky_relu, c.number("alpha", c.number("negative_slope", 0.3))});
  if (cls == "ELU") return activation_layer(b, c, {A::elu, c.number("alpha", 1.0)});
  if (cls == "ReLU") {
    const double cap = c.has("max_value") ? c.number("max_value", 0) : std::numeric_limits<double>::infinity();
    return activation_layer(b, c, {A::relu, c.number("negative_slope", 0.0), c.number("threshold", 0.0), cap});
  }
  if (cls == "PReLU") return prelu(b, c);
  if (cls == "BatchNormalization") return batch_norm(b, c);
  if (cls == "MaxoutDense") return maxout(b, c);
  if (cls == "Highway") return highway(b, c);
  if (cls == "ThresholdedReLU") return activation_layer(b, c, {A::relu, 0.0, c.number("theta", 1.0)});
  handled = false;
  return {};
}

} // namespace hepnn::detail::keras
