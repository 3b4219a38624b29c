// Keras layers of transformer-style taggers → hepnn layers:
// LayerNormalization, MultiHeadAttention (self-attention), Embedding.
#include "keras/builder.hpp"

namespace hepnn::detail::keras {
namespace {

using call = builder::call;

/// The last axis of an input of per-event rank r, in the config's numbering.
bool last_axis_only(const call& c, std::size_t rank) {
  if (!c.has("axis")) return true;
  const json::value v = c.config->at("axis");
  const auto items = v.is_array() ? v.items() : std::vector<json::value>{v};
  if (items.size() != 1) return false;
  const double a = items[0].number();
  return a == -1 || a == static_cast<double>(rank);
}

std::vector<tensor_state> layer_norm(builder& b, const call& c) {
  const tensor_state& in = c.in.front();
  if (!last_axis_only(c, in.shape().size())) b.fail(c, "normalisation over other axes than the last is not supported");
  const auto ws = b.fetch(c);
  layer l;
  l.kind = layer_kind::layer_norm;
  l.epsilon = c.number("epsilon", 1e-3);
  const tensor* gamma = find_weight(ws, "gamma");
  const tensor* beta = find_weight(ws, "beta");
  for (const tensor* t : {gamma, beta})
    if (t && t->data.size() != in.width)
      b.fail(c, "weights '" + t->name + "' have shape " + shape_text(*t) + " for an input of width " + std::to_string(in.width));
  if (c.flag("scale", true) != (gamma != nullptr) || c.flag("center", true) != (beta != nullptr))
    b.fail(c, "the weights do not match the configuration's scale/center");
  if (gamma) l.weights = gamma->data;
  if (beta) l.bias = beta->data;
  return {b.apply(c, in, std::move(l), in.width)};
}

/// The weight whose stored path names this projection, else the k-th of its name.
const tensor* projection(const std::vector<tensor>& ws, const std::string& part, const char* name, std::size_t k) {
  for (const auto& t : ws)
    if (t.name == name && t.path.find("/" + part + "/") != std::string::npos) return &t;
  std::size_t seen = 0;
  for (const auto& t : ws)
    if (t.name == name && seen++ == k) return &t;
  return nullptr;
}

std::vector<tensor_state> attention(builder& b, const call& c) {
  const tensor_state& q = c.in.front();
  if (c.in.size() > 3) b.fail(c, "too many inputs");
  for (const auto& t : c.in)
    if (t.node != q.node) b.fail(c, "only self-attention (query, value and key the same tensor) is supported");
  if (!q.sequence) b.fail(c, "needs a sequence (steps, features) input");
  if (c.has("attention_axes")) { // the steps axis is the only one a sequence has
    const json::value ax = c.config->at("attention_axes");
    const auto items = ax.is_array() ? ax.items() : std::vector<json::value>{ax};
    if (items.size() != 1 || (items[0].number() != 1 && items[0].number() != -2))
      b.fail(c, "attention over other axes than the steps is not supported");
  }
  const std::size_t heads = c.count("num_heads", 0), key_dim = c.count("key_dim", 0);
  if (heads == 0 || key_dim == 0) b.fail(c, "num_heads and key_dim must be given");
  const auto ws = b.fetch(c);
  const char* parts[] = {"query", "key", "value", "attention_output"};
  layer l;
  l.kind = layer_kind::attention;
  l.heads = heads;
  l.key_dim = key_dim;
  std::size_t out_width = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    const tensor* w = projection(ws, parts[k], "kernel", k);
    const tensor* bias = projection(ws, parts[k], "bias", k);
    if (!w) b.fail(c, std::string("weights of the ") + parts[k] + " projection not found");
    weight_block blk;
    if (k < 3) { // (d_model, heads, dim) → (heads·dim) × d_model
      if (w->shape.size() != 3 || w->shape[0] != q.width || w->shape[1] != heads || (k < 2 && w->shape[2] != key_dim))
        b.fail(c, std::string(parts[k]) + " kernel has shape " + shape_text(*w) + " for an input of width " +
                      std::to_string(q.width) + ", " + std::to_string(heads) + " heads of " + std::to_string(key_dim));
      tensor flat = *w;
      flat.shape = {w->shape[0], w->shape[1] * w->shape[2]};
      blk.weights = transpose_block(flat, 0, flat.shape[1]);
    } else { // (heads, value_dim, d_out) → d_out × (heads·value_dim)
      if (w->shape.size() != 3 || w->shape[0] != heads) b.fail(c, "attention_output kernel has shape " + shape_text(*w));
      tensor flat = *w;
      flat.shape = {w->shape[0] * w->shape[1], w->shape[2]};
      blk.weights = transpose_block(flat, 0, flat.shape[1]);
      out_width = w->shape[2];
    }
    if (bias) blk.bias = bias->data;
    l.sublayers.push_back(std::move(blk));
  }
  const std::size_t li = b.layer_index(c, std::move(l));
  node n = plain_node(node_kind::sequence, {q.node});
  n.layer = li;
  auto dims = q.shape();
  dims.back() = out_width;
  return {tensor_state::of(b.add_node(c, n), dims, q.masked)};
}

std::vector<tensor_state> embedding(builder& b, const call& c) {
  const tensor_state& in = c.in.front();
  if (!in.sequence || in.width != 1)
    b.fail(c, "Embedding needs one integer per step (a sequence input with one variable)");
  const auto ws = b.fetch(c);
  const tensor* table = find_weight(ws, {"embeddings", "W"});
  if (!table || table->shape.size() != 2) b.fail(c, "weights 'embeddings' of shape (input_dim, output_dim) not found");
  const std::size_t categories = table->shape[0], width = table->shape[1];
  std::size_t src = in.node;
  const bool mask_zero = c.flag("mask_zero", false);
  if (mask_zero) // index 0 is padding: mask it on the integer input
    src = b.add_node(c, node{node_kind::masking, {in.node}, 0, 0, 0.0, {}, false});
  layer l;
  l.kind = layer_kind::embedding;
  embedding_table e;
  e.index = 0;
  e.n_out = width;
  e.weights.resize(width * categories); // lwtnn's layout: n_out × categories
  for (std::size_t k = 0; k < categories; ++k)
    for (std::size_t o = 0; o < width; ++o) e.weights[o * categories + k] = table->data[k * width + o];
  l.embeddings.push_back(std::move(e));
  const std::size_t li = b.layer_index(c, std::move(l));
  node n = plain_node(node_kind::sequence, {src});
  n.layer = li;
  return {tensor_state::of(b.add_node(c, n), {in.shape()[0], width}, mask_zero || in.masked)};
}

} // namespace

std::vector<tensor_state> convert_attention(builder& b, const builder::call& c, bool& handled) {
  handled = true;
  const std::string& cls = c.class_name;
  if (cls == "LayerNormalization") return layer_norm(b, c);
  if (cls == "MultiHeadAttention") return attention(b, c);
  if (cls == "Embedding") return embedding(b, c);
  handled = false;
  return {};
}

} // namespace hepnn::detail::keras
