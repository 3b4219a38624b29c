// Reader for lwtnn's network files (lwtnn-format.md §2–§6) and hepnn's
// extensions of the graph format. Structure is checked afterwards by
// validate(); here we check types and presence, and apply lwtnn's parsing
// conventions (quoted numbers accepted, unknown keys ignored, bare "elu"
// meaning α = 1) while rejecting what lwtnn silently gets wrong (bare
// "swish"/"leakyrelu" giving NaN).

#include "formats/json.hpp"
#include "hepnn/io.hpp"
#include "model/shapes.hpp"
#include "formats/lwtnn_common.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string_view>

namespace hepnn {
namespace {

using detail::json::context;
using detail::json::value;

struct activation_name {
  std::string_view name;
  activation_function function;
  bool needs_alpha;
};

constexpr activation_name activation_names[] = {
    {"linear", activation_function::linear, false},
    {"rectified", activation_function::relu, false},
    {"rectified_legacy", activation_function::relu, false},
    {"sigmoid", activation_function::sigmoid, false},
    {"sigmoid_legacy", activation_function::sigmoid, false},
    {"hard_sigmoid", activation_function::hard_sigmoid, false},
    {"hard_sigmoid_legacy", activation_function::hard_sigmoid, false},
    {"tanh", activation_function::tanh, false},
    {"tanh_legacy", activation_function::tanh, false},
    {"softmax", activation_function::softmax, false},
    {"elu", activation_function::elu, true},
    {"leakyrelu", activation_function::leaky_relu, true},
    {"swish", activation_function::swish, true},
    {"abs", activation_function::abs, false},
    {"selu", activation_function::selu, false},
    {"softplus", activation_function::softplus, false},
    {"softsign", activation_function::softsign, false},
    {"exponential", activation_function::exponential, false},
    {"gelu", activation_function::gelu, false},
    {"gelu_tanh", activation_function::gelu_tanh, false},
};

const activation_name& lookup_activation(const value& v, const std::string& name) {
  for (const auto& a : activation_names)
    if (a.name == name) return a;
  if (name == "relu") v.fail("activation 'relu' is spelled 'rectified' in network files");
  v.fail("unknown activation function '" + name + "'");
}

activation parse_activation(const value& v) {
  activation a;
  if (v.is_string()) {
    const std::string name = v.string();
    const auto& entry = lookup_activation(v, name);
    a.function = entry.function;
    if (a.function == activation_function::elu) {
      a.alpha = 1.0; // lwtnn: a bare "elu" means α = 1
    } else if (entry.needs_alpha) {
      v.fail("activation '" + name + "' needs a parameter: write {\"function\": \"" + name +
             "\", \"alpha\": ...} (lwtnn would compute NaN here)");
    }
    if (a.function == activation_function::hard_sigmoid) a = keras2_hard_sigmoid();
    return a;
  }
  if (!v.is_object()) v.fail("expected an activation name or object, got " + v.type_name());
  const value fn = v.at("function");
  const std::string name = fn.string();
  const auto& entry = lookup_activation(fn, name);
  a.function = entry.function;
  if (entry.needs_alpha) a.alpha = v.at("alpha").number();
  if (a.function == activation_function::hard_sigmoid) {
    a = keras2_hard_sigmoid();
    if (auto s = v.find("slope")) a.alpha = s->number();
    if (auto o = v.find("offset")) a.beta = o->number();
  }
  if (a.function == activation_function::relu) {
    if (auto s = v.find("negative_slope")) a.alpha = s->number();
    if (auto t = v.find("threshold")) a.beta = t->number();
    if (auto c = v.find("max_value")) a.cap = c->number();
  }
  return a;
}

layer_kind parse_architecture(const value& v) {
  const std::string name = v.string();
  static const std::map<std::string, layer_kind, std::less<>> kinds = {
      {"dense", layer_kind::dense},   {"normalization", layer_kind::normalization},
      {"maxout", layer_kind::maxout}, {"highway", layer_kind::highway},
      {"lstm", layer_kind::lstm},     {"gru", layer_kind::gru},
      {"simplernn", layer_kind::simple_rnn}, {"conv1d", layer_kind::conv1d},
      {"embedding", layer_kind::embedding},  {"prelu", layer_kind::prelu},
      {"conv2d", layer_kind::conv2d},        {"pooling", layer_kind::pooling},
      {"layer_norm", layer_kind::layer_norm}, {"attention", layer_kind::attention},
  };
  auto it = kinds.find(name);
  if (it == kinds.end()) v.fail("architecture '" + name + "' not recognized");
  return it->second;
}

gate parse_gate(const value& v, const std::string& name) {
  static const std::map<std::string, gate, std::less<>> gates = {
      {"i", gate::i}, {"f", gate::f}, {"c", gate::c}, {"o", gate::o}, {"z", gate::z},
      {"r", gate::r}, {"h", gate::h}, {"t", gate::t}, {"carry", gate::carry}};
  auto it = gates.find(name);
  if (it == gates.end()) v.fail("unknown component '" + name + "'");
  return it->second;
}

weight_block parse_block(const value& v, bool recurrent) {
  weight_block b;
  v.at("weights").numbers(b.weights);
  v.at("bias").numbers(b.bias);
  if (recurrent) v.at("U").numbers(b.recurrent);
  if (auto rb = v.find("recurrent_bias")) rb->numbers(b.recurrent_bias);
  return b;
}

std::vector<std::size_t> parse_sizes(const value& v) {
  std::vector<std::size_t> out;
  for (const auto& x : v.items()) out.push_back(x.index());
  return out;
}

padding parse_padding(const value& pad) {
  const std::string p = pad.string();
  if (p == "valid") return padding::valid;
  if (p == "same") return padding::same;
  if (p == "causal") return padding::causal;
  pad.fail("padding '" + p + "' is not valid, same or causal");
}

layer parse_layer(const value& v, context& ctx, std::size_t index) {
  layer l;
  const value arch = v.at("architecture");
  l.kind = parse_architecture(arch);
  ctx.set_anchor(v.path(), std::string(to_string(l.kind)));
  switch (l.kind) {
  case layer_kind::dense:
  case layer_kind::conv1d:
    v.at("weights").numbers(l.weights);
    v.at("bias").numbers(l.bias);
    l.act = parse_activation(v.at("activation"));
    if (l.kind == layer_kind::conv1d) {
      l.dilation = v.at("dilation_rate").index();
      l.pad = parse_padding(v.at("padding"));
      if (l.dilation > (1u << 20)) v.at("dilation_rate").fail("dilation_rate is larger than the limit 2^20");
      if (auto st = v.find("strides")) l.strides = parse_sizes(*st);
    }
    break;
  case layer_kind::conv2d:
    v.at("weights").numbers(l.weights);
    v.at("bias").numbers(l.bias);
    l.act = parse_activation(v.at("activation"));
    l.window = parse_sizes(v.at("kernel_size"));
    l.pad = parse_padding(v.at("padding"));
    if (auto st = v.find("strides")) l.strides = parse_sizes(*st);
    if (auto d = v.find("dilation_rate")) l.dilations = parse_sizes(*d);
    break;
  case layer_kind::pooling: {
    const value fn = v.at("function");
    const std::string f = fn.string();
    if (f != "max" && f != "average") fn.fail("pooling function '" + f + "' is not max or average");
    l.pool_max = f == "max";
    l.window = parse_sizes(v.at("pool_size"));
    if (auto st = v.find("strides")) l.strides = parse_sizes(*st);
    l.pad = parse_padding(v.at("padding"));
    break;
  }
  case layer_kind::layer_norm:
    v.at("weights").numbers(l.weights);
    v.at("bias").numbers(l.bias);
    l.epsilon = v.at("epsilon").number();
    break;
  case layer_kind::attention:
    l.heads = v.at("num_heads").index();
    l.key_dim = v.at("key_dim").index();
    for (const auto& s : v.at("sublayers").items()) l.sublayers.push_back(parse_block(s, false));
    break;
  case layer_kind::normalization:
    v.at("weights").numbers(l.weights);
    v.at("bias").numbers(l.bias);
    break;
  case layer_kind::prelu: v.at("weights").numbers(l.weights); break;
  case layer_kind::maxout:
    for (const auto& s : v.at("sublayers").items()) l.sublayers.push_back(parse_block(s, false));
    break;
  case layer_kind::highway:
  case layer_kind::lstm:
  case layer_kind::gru:
  case layer_kind::simple_rnn: {
    const bool recurrent = l.kind != layer_kind::highway;
    for (const auto& [name, block] : v.at("components").members()) {
      gate g = parse_gate(block, name);
      if (l.components.count(g)) block.fail("component '" + name + "' appears twice");
      l.components[g] = parse_block(block, recurrent);
    }
    l.act = parse_activation(v.at("activation"));
    if (l.kind == layer_kind::lstm || l.kind == layer_kind::gru) l.inner_act = parse_activation(v.at("inner_activation"));
    if (recurrent)
      if (auto b = v.find("go_backwards")) l.go_backwards = b->boolean();
    if (recurrent)
      if (auto b = v.find("aligned_output")) l.aligned_output = b->boolean();
    if (recurrent)
      if (auto b = v.find("zero_masked")) l.zero_masked = b->boolean();
    if (l.kind == layer_kind::gru)
      if (auto r = v.find("reset_after")) l.reset_after = r->boolean();
    break;
  }
  case layer_kind::embedding:
    for (const auto& s : v.at("sublayers").items()) {
      embedding_table e;
      s.at("weights").numbers(e.weights);
      e.index = s.at("index").index();
      e.n_out = s.at("n_out").index();
      l.embeddings.push_back(std::move(e));
    }
    break;
  }
  (void)index;
  ctx.clear_anchor();
  return l;
}

std::vector<layer> parse_layers(const value& v, context& ctx) {
  std::vector<layer> layers;
  std::size_t k = 0;
  for (const auto& item : v.items()) layers.push_back(parse_layer(item, ctx, k++));
  return layers;
}

node_kind parse_node_kind(const value& v) {
  static const std::map<std::string, node_kind, std::less<>> kinds = {
      {"input", node_kind::input},
      {"input_sequence", node_kind::input_sequence},
      {"feed_forward", node_kind::feed_forward},
      {"sequence", node_kind::sequence},
      {"time_distributed", node_kind::time_distributed},
      {"concatenate", node_kind::concatenate},
      {"add", node_kind::add},
      {"sum", node_kind::sum},
      {"subtract", node_kind::subtract},
      {"multiply", node_kind::multiply},
      {"average", node_kind::average},
      {"maximum", node_kind::maximum},
      {"minimum", node_kind::minimum},
      {"masking", node_kind::masking},
      {"mean", node_kind::mean},
      {"max_pool", node_kind::max_pool},
      {"reshape", node_kind::reshape},
      {"permute", node_kind::permute},
      {"repeat", node_kind::repeat},
      {"zero_pad", node_kind::zero_pad},
      {"crop", node_kind::crop},
  };
  const std::string name = v.string();
  auto it = kinds.find(name);
  if (it == kinds.end()) v.fail("no node type '" + name + "'");
  return it->second;
}

node parse_node(const value& v, context& ctx) {
  node n;
  n.kind = parse_node_kind(v.at("type"));
  ctx.set_anchor(v.path(), std::string(to_string(n.kind)));
  for (const auto& s : v.at("sources").items()) n.sources.push_back(s.index());
  if (n.kind == node_kind::feed_forward || n.kind == node_kind::sequence || n.kind == node_kind::time_distributed)
    n.layer = v.at("layer_index").index();
  if (n.kind == node_kind::input || n.kind == node_kind::input_sequence)
    if (auto s = v.find("size")) n.size = s->index();
  if (n.kind == node_kind::masking) n.mask_value = v.at("mask_value").number();
  if (n.kind == node_kind::reshape || n.kind == node_kind::permute || n.kind == node_kind::repeat ||
      n.kind == node_kind::zero_pad || n.kind == node_kind::crop)
    n.shape = parse_sizes(v.at("shape"));
  if (auto p = v.find("per_step")) n.per_step = p->boolean();
  ctx.clear_anchor();
  return n;
}

model read_graph(const value& root, context& ctx) {
  model m;
  m.inputs = detail::lwtnn::parse_input_nodes(root.at("inputs"));
  if (auto s = root.find("input_sequences")) m.input_sequences = detail::lwtnn::parse_input_nodes(*s);
  std::size_t k = 0;
  for (const auto& item : root.at("nodes").items()) {
    (void)k++;
    m.nodes.push_back(parse_node(item, ctx));
  }
  m.layers = parse_layers(root.at("layers"), ctx);
  for (const auto& [name, out] : root.at("outputs").members()) {
    output_node o;
    o.name = name;
    o.node = out.at("node_index").index();
    for (const auto& label : out.at("labels").items()) o.labels.push_back(label.string());
    m.outputs.push_back(std::move(o));
  }
  if (auto misc = root.find("miscellaneous")) detail::lwtnn::parse_misc(*misc, m.miscellaneous);
  return m;
}

/// lwtnn's sequential format becomes a chain graph, as sequential2graph.py
/// does. With recurrent layers it follows LightweightRNN: the sequence layers
/// run first (in file order), then the feed-forward ones on the last step.
model read_sequential(const value& root, context& ctx) {
  model m;
  m.sequential = true;
  input_node in{"input_node", {}};
  for (const auto& item : root.at("inputs").items()) in.variables.push_back(detail::lwtnn::parse_variable(item));
  if (auto defaults = root.find("defaults")) {
    for (auto& var : in.variables) var.default_value.reset();
    for (const auto& [name, val] : defaults->members()) {
      bool found = false;
      for (auto& var : in.variables)
        if (var.name == name) var.default_value = val.number(), found = true;
      (void)found; // lwtnn keeps defaults for names that are not inputs; so do we
    }
  }
  m.layers = parse_layers(root.at("layers"), ctx);
  output_node out{"output_node", 0, {}};
  for (const auto& label : root.at("outputs").items()) out.labels.push_back(label.string());
  if (auto misc = root.find("miscellaneous")) detail::lwtnn::parse_misc(*misc, m.miscellaneous);

  bool recurrent = false;
  for (const auto& l : m.layers) recurrent = recurrent || detail::is_sequence_layer(l.kind);
  const std::size_t n_vars = in.variables.size();
  if (recurrent) {
    m.input_sequences.push_back(std::move(in));
    m.nodes.push_back({node_kind::input_sequence, {0}, 0, n_vars, 0.0, {}, false});
  } else {
    m.inputs.push_back(std::move(in));
    m.nodes.push_back({node_kind::input, {0}, 0, n_vars, 0.0, {}, false});
  }
  for (std::size_t l = 0; l < m.layers.size(); ++l)
    if (detail::is_sequence_layer(m.layers[l].kind))
      m.nodes.push_back({node_kind::sequence, {m.nodes.size() - 1}, l, 0, 0.0, {}, false});
  bool any_ff = false;
  for (std::size_t l = 0; l < m.layers.size(); ++l)
    if (!detail::is_sequence_layer(m.layers[l].kind)) {
      m.nodes.push_back({node_kind::feed_forward, {m.nodes.size() - 1}, l, 0, 0.0, {}, false});
      any_ff = true;
    }
  if (recurrent && !any_ff) {
    // the RNN result is the last step: make it a vector with an identity layer
    layer identity;
    m.layers.push_back(identity);
    m.nodes.push_back({node_kind::feed_forward, {m.nodes.size() - 1}, m.layers.size() - 1, 0, 0.0, {}, false});
  }
  out.node = m.nodes.size() - 1;
  m.outputs.push_back(std::move(out));
  return m;
}

/// The graph format has nodes, an outputs object and inputs with variable
/// lists; the sequential one has none of these.
bool is_graph(const value& root) {
  if (root.find("nodes") || root.find("input_sequences")) return true;
  if (auto outputs = root.find("outputs"); outputs && outputs->is_object()) return true;
  if (auto inputs = root.find("inputs"); inputs && inputs->is_array() && inputs->size() > 0) {
    const auto first = inputs->items().front();
    return first.is_object() && first.find("variables").has_value();
  }
  return false;
}

model read_any(const detail::json::text& text, const std::string& source) {
  // a common mix-up: a Keras .h5 (HDF5's signature) or a .keras archive (zip) where a network file belongs
  const std::string_view head(text.data(), std::min<std::size_t>(text.size(), 8));
  if (head == std::string_view("\x89HDF\r\n\x1a\n", 8))
    throw config_error(source + ": an HDF5 file (a Keras model?), not a network file: make one with 'hepnn convert'");
  if (head.substr(0, 4) == std::string_view("PK\x03\x04", 4))
    throw config_error(source + ": a zip archive (a .keras model?), not a network file: make one with 'hepnn convert'");
  context ctx(source);
  thread_local simdjson::dom::parser parser;
  const value root = detail::json::parse(parser, text, ctx);
  if (!root.is_object()) root.fail("a network file is a JSON object, got " + root.type_name());
  if (auto h = root.find("hepnn"); h && h->is_object())
    if (auto v = h->find("format_version"); v && v->index() > static_cast<std::size_t>(network_format_version))
      v->fail("written by a newer hepnn (format version " + v->scalar_text() + "; this one reads up to " +
              std::to_string(network_format_version) + ")");
  model m = is_graph(root) ? read_graph(root, ctx) : read_sequential(root, ctx);
  m.source = source;
  detail::analyse(m);
  return m;
}

} // namespace

model read_network(const std::filesystem::path& path) {
  const std::string name = path == "-" ? std::string("standard input") : path.string();
  return read_any(detail::json::load_file(path.string()), name);
}

model parse_network(std::string_view json, const std::string& source) {
  return read_any(detail::json::text(json), source);
}

} // namespace hepnn
