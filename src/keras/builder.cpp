#include "keras/builder.hpp"

#include "hepnn/errors.hpp"
#include "model/shapes.hpp"

#include <algorithm>
#include <limits>
#include <set>

namespace hepnn::detail::keras {
namespace {


std::string key_of(const std::vector<std::string>& scope, const tensor_ref& t) {
  std::string k;
  for (const auto& s : scope) k += s + "/";
  return k + t.layer + "#" + std::to_string(t.node) + "#" + std::to_string(t.tensor);
}

std::string scoped(const std::vector<std::string>& scope, const std::string& name) {
  std::string k;
  for (const auto& s : scope) k += s + "/";
  return k + name;
}

/// Layers that do nothing at inference.
bool is_identity(const std::string& cls) {
  static const std::set<std::string> names = {"Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout",
                                              "AlphaDropout", "ActivityRegularization", "InputLayer"};
  return names.count(cls) > 0;
}

bool is_model(const std::string& cls) { return cls == "Sequential" || cls == "Functional" || cls == "Model"; }

} // namespace

// ---- call ------------------------------------------------------------------

std::string builder::call::where() const {
  std::string s = "layer '" + layer->name + "' (" + layer->class_name;
  if (wrapped) s += "(" + class_name + ")";
  return s + ")";
}

bool builder::call::has(const char* key) const {
  if (!config) return false;
  auto v = config->find(key);
  return v && !v->is_null();
}

std::string builder::call::text(const char* key, const std::string& fallback) const {
  if (!has(key)) return fallback;
  auto v = config->find(key);
  return v->is_string() ? v->string() : v->scalar_text();
}

double builder::call::number(const char* key, double fallback) const {
  return has(key) ? config->find(key)->number() : fallback;
}

bool builder::call::flag(const char* key, bool fallback) const {
  return has(key) ? config->find(key)->boolean() : fallback;
}

std::size_t builder::call::count(const char* key, std::size_t fallback) const {
  if (!has(key)) return fallback;
  auto v = *config->find(key);
  if (v.is_array()) {
    const auto items = v.items();
    if (items.size() != 1) v.fail("expected one value for a 1-D layer");
    return items[0].index();
  }
  return v.index();
}

// ---- builder ---------------------------------------------------------------

builder::builder(const weight_store& weights, int keras_major, std::string file, bool lwtnn)
    : weights_(weights), keras_major_(keras_major), file_(std::move(file)), lwtnn_(lwtnn) {}

void builder::fail(const call& c, const std::string& message) const {
  throw config_error(file_ + ": " + c.where() + ": " + message);
}

std::size_t builder::add_node(const call& c, node n) {
  m_.nodes.push_back(std::move(n));
  node_origin_.push_back({c.layer ? c.layer->name : std::string(), c.layer ? c.layer->class_name : std::string()});
  return m_.nodes.size() - 1;
}

std::size_t builder::add_layer(const call& c, layer l) {
  m_.layers.push_back(std::move(l));
  layer_origin_.push_back({c.layer->name, c.layer->class_name});
  return m_.layers.size() - 1;
}

std::size_t builder::layer_index(const call& c, layer l) {
  const std::string key = scoped(c.scope, c.layer->name);
  if (auto it = shared_layers_.find(key); it != shared_layers_.end()) return it->second;
  const std::size_t li = add_layer(c, std::move(l));
  shared_layers_[key] = li;
  return li;
}

const tensor* find_weight(const std::vector<tensor>& ws, std::string_view name) {
  for (const auto& t : ws)
    if (t.name == name) return &t;
  return nullptr;
}

const tensor* find_weight(const std::vector<tensor>& ws, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (const tensor* t = find_weight(ws, n)) return t;
  return nullptr;
}

std::string shape_text(const tensor& t) {
  std::string s = "(";
  for (std::size_t i = 0; i < t.shape.size(); ++i) s += (i ? ", " : "") + std::to_string(t.shape[i]);
  return s + (t.shape.size() == 1 ? ",)" : ")");
}

std::vector<tensor> builder::fetch(const call& c) const {
  auto ws = weights_.weights(c.scope, *c.layer, *c.siblings);
  if (!c.pruned) return ws;
  // tfmot applies kernel ← kernel × mask before every call
  const tensor* mask = find_weight(ws, "mask");
  const tensor* kernel = find_weight(ws, {"kernel", "depthwise_kernel"});
  if (!mask || !kernel) fail(c, "a PruneLowMagnitude wrapper needs its 'kernel' and 'mask' weights");
  if (mask->shape != kernel->shape)
    fail(c, "mask has shape " + shape_text(*mask) + ", kernel " + shape_text(*kernel));
  std::vector<tensor> out;
  for (const auto& t : ws) {
    if (&t == mask || t.name == "threshold" || t.name == "pruning_step") continue;
    out.push_back(t);
    if (&t == kernel)
      for (std::size_t i = 0; i < out.back().data.size(); ++i) out.back().data[i] *= mask->data[i];
  }
  return out;
}

activation builder::activation_of(const call& c, const char* key, const char* fallback) const {
  std::string name = fallback;
  if (c.has(key)) {
    auto v = *c.config->find(key);
    if (v.is_string()) name = v.string();
    else if (v.is_object()) { // a serialised function: {"class_name": "function", "config": "relu", ...}
      auto cfg = v.find("config");
      name = cfg && cfg->is_string() ? cfg->string() : v.at("class_name").string();
    } else {
      v.fail("expected an activation name");
    }
  }
  using A = activation_function;
  if (name == "linear" || name.empty()) return {A::linear};
  if (name == "relu") return {A::relu};
  if (name == "relu6") return {A::relu, 0, 0, 6.0};
  if (name == "sigmoid") return {A::sigmoid};
  if (name == "hard_sigmoid") return keras_major_ >= 3 ? keras3_hard_sigmoid() : keras2_hard_sigmoid();
  if (name == "tanh") return {A::tanh};
  if (name == "softmax") return {A::softmax};
  if (name == "elu") return {A::elu, 1.0};
  if (name == "selu") return {A::selu};
  if (name == "softplus") return {A::softplus};
  if (name == "softsign") return {A::softsign};
  if (name == "exponential") return {A::exponential};
  if (name == "swish" || name == "silu") return {A::swish, 1.0};
  if (name == "gelu") return {A::gelu};
  if (name == "leaky_relu") return {A::leaky_relu, 0.2}; // the Keras 3 function's default slope
  fail(c, "activation '" + name + "' is not supported");
}

tensor_state builder::apply(const call& c, const tensor_state& in, layer l, std::size_t width) {
  const std::size_t li = layer_index(c, std::move(l));
  node n;
  auto dims = in.shape();
  // Keras applies Dense & co. to the last axis of a tensor of any rank
  n.kind = dims.size() > 1 ? node_kind::time_distributed : node_kind::feed_forward;
  n.sources = {in.node};
  n.layer = li;
  dims.back() = width;
  return tensor_state::of(add_node(c, n), dims, in.masked);
}

node plain_node(node_kind kind, std::vector<std::size_t> sources, std::vector<std::size_t> shape) {
  node n;
  n.kind = kind;
  n.sources = std::move(sources);
  n.shape = std::move(shape);
  return n;
}

void builder::build(const model_def& top) {
  // IR inputs in Keras input order. A (T, F) input is a sequence of fixed
  // length T unless a Masking layer reads it (then its padding is masked:
  // any length); an integer input read by Embedding is a sequence with one
  // variable; an (H, W, C) image is a flat node reshaped inside the network.
  auto readers = [&](const std::string& input) {
    std::set<std::string> classes;
    for (const auto& l : top.layers)
      for (const auto& call_refs : l.calls)
        for (const auto& r : call_refs)
          if (r.layer == input) classes.insert(l.class_name);
    return classes;
  };
  for (const auto& t : top.inputs) {
    const layer_def* l = top.find(t.layer);
    call c;
    c.layer = l;
    if (!l || l->class_name != "InputLayer")
      throw config_error(file_ + ": model input '" + t.layer + "' is not an InputLayer");
    c.class_name = l->class_name;
    const auto& shape = l->input_shape;
    if (shape.empty() || shape.size() > 3)
      fail(c, "inputs of rank " + std::to_string(shape.size() + 1) +
                  " (with the batch) are not supported: use (features,), (steps, features) or (height, width, channels)");
    std::size_t total = 1;
    for (std::size_t i = 0; i < shape.size(); ++i) {
      if (shape[i] == 0 && !(i == 0 && shape.size() == 2))
        fail(c, "the input's axis " + std::to_string(i + 1) + " has no fixed size");
      if (shape[i] > max_tensor_elements || (total *= std::max<std::size_t>(shape[i], 1)) > max_tensor_elements)
        fail(c, "the input shape asks for more than " + std::to_string(max_tensor_elements) + " values per event");
    }
    const auto classes = readers(t.layer);
    tensor_state s;
    auto add_variables = [&](input_node& in, std::size_t n) {
      for (std::size_t i = 0; i < n; ++i) in.variables.push_back({"variable_" + std::to_string(i), 0, 1, {}});
    };
    if (shape.size() == 1 && classes.count("Embedding")) {
      m_.input_sequences.push_back({"node_" + std::to_string(m_.input_sequences.size()), {}, 0});
      add_variables(m_.input_sequences.back(), 1);
      s = tensor_state::of(add_node(c, {node_kind::input_sequence, {m_.input_sequences.size() - 1}, 0, 1, 0.0, {}, false}),
                           {0, 1});
    } else if (shape.size() == 1) {
      m_.inputs.push_back({"node_" + std::to_string(m_.inputs.size()), {}, 0});
      add_variables(m_.inputs.back(), shape[0]);
      s = tensor_state::of(add_node(c, {node_kind::input, {m_.inputs.size() - 1}, 0, shape[0], 0.0, {}, false}), {shape[0]});
    } else if (shape.size() == 2) {
      const std::size_t steps = classes.count("Masking") ? 0 : shape[0];
      m_.input_sequences.push_back({"node_" + std::to_string(m_.input_sequences.size()), {}, steps});
      add_variables(m_.input_sequences.back(), shape[1]);
      s = tensor_state::of(add_node(c, {node_kind::input_sequence, {m_.input_sequences.size() - 1}, 0, shape[1], 0.0, {}, false}),
                           {steps, shape[1]});
    } else {
      m_.inputs.push_back({"node_" + std::to_string(m_.inputs.size()), {}, 0});
      add_variables(m_.inputs.back(), total);
      const std::size_t flat = add_node(c, {node_kind::input, {m_.inputs.size() - 1}, 0, total, 0.0, {}, false});
      s = tensor_state::of(add_node(c, plain_node(node_kind::reshape, {flat}, shape)), shape);
    }
    inputs_.push_back(s);
  }
  outputs_ = build_model(top, {}, &inputs_);
  for (const auto& t : top.outputs) output_names_.push_back(t.layer + "_" + std::to_string(t.node));
}

std::vector<tensor_state> builder::build_model(const model_def& md, const std::vector<std::string>& scope,
                                               const std::vector<tensor_state>* bound) {
  std::map<std::string, tensor_state> tensors;
  if (bound) {
    if (bound->size() != md.inputs.size())
      throw config_error(file_ + ": model '" + md.name + "' has " + std::to_string(md.inputs.size()) + " inputs, called with " +
                         std::to_string(bound->size()));
    for (std::size_t i = 0; i < md.inputs.size(); ++i) tensors[key_of(scope, md.inputs[i])] = (*bound)[i];
  }
  // convert the calls whose inputs are ready, until nothing changes
  std::set<std::pair<std::size_t, std::size_t>> done;
  bool progress = true;
  while (progress) {
    progress = false;
    for (std::size_t li = 0; li < md.layers.size(); ++li) {
      const layer_def& l = md.layers[li];
      if (l.class_name == "InputLayer") continue;
      for (std::size_t k = 0; k < l.calls.size(); ++k) {
        if (done.count({li, k})) continue;
        call c;
        c.layer = &l;
        c.class_name = l.class_name;
        c.config = l.config;
        c.scope = scope;
        c.siblings = &md.layers;
        bool ready = true;
        for (const auto& t : l.calls[k]) {
          auto it = tensors.find(key_of(scope, t));
          if (it == tensors.end()) {
            if (t.tensor > 0 && tensors.count(key_of(scope, tensor_ref{t.layer, t.node, 0})))
              fail(c, "uses output " + std::to_string(t.tensor) + " of layer '" + t.layer +
                          "', which has no such output (a recurrent state?)");
            ready = false;
            break;
          }
          c.in.push_back(it->second);
        }
        if (!ready) continue;
        std::vector<tensor_state> outs;
        if (is_model(l.class_name)) {
          if (!l.entry) fail(c, "a nested model without configuration");
          const model_def inner = read_model(*l.entry);
          auto inner_scope = scope;
          inner_scope.push_back(l.name);
          outs = build_model(inner, inner_scope, &c.in);
        } else {
          outs = convert(c);
        }
        for (std::size_t i = 0; i < outs.size(); ++i) tensors[key_of(scope, tensor_ref{l.name, k, i})] = outs[i];
        done.insert({li, k});
        progress = true;
      }
    }
  }
  std::vector<tensor_state> out;
  for (const auto& t : md.outputs) {
    auto it = tensors.find(key_of(scope, t));
    if (it == tensors.end())
      throw config_error(file_ + ": model output '" + t.layer + "' cannot be computed from the model's inputs");
    out.push_back(it->second);
  }
  return out;
}

std::vector<tensor_state> builder::convert(const call& c) {
  const std::string& cls = c.class_name;
  if (c.in.empty()) fail(c, "the layer has no input");
  const tensor_state& in = c.in.front();
  if (is_identity(cls)) return {in};
  if (cls == "Masking") {
    if (!in.sequence) fail(c, "masking needs a (steps, features) input");
    const double value = c.number("mask_value", 0.0);
    if (lwtnn_) {
      note("layer '" + c.layer->name + "' (Masking) dropped, as lwtnn's converter does: lwtnn evaluates unpadded "
           "sequences, so a real step whose features all equal " + std::to_string(value) + " is not masked");
      return {in};
    }
    node n{node_kind::masking, {in.node}, 0, 0, value, {}, false};
    return {tensor_state::of(add_node(c, n), in.shape(), true)};
  }
  if (cls == "TimeDistributed") {
    if (!in.sequence) fail(c, "TimeDistributed needs a sequence input");
    if (!c.config || !c.config->find("layer")) fail(c, "no wrapped layer");
    const json::value inner = c.config->at("layer");
    call w = c;
    w.class_name = inner.at("class_name").string();
    w.config = inner.at("config");
    w.wrapped = true;
    auto out = convert(w);
    if (!out.front().sequence) fail(c, "the wrapped layer does not work per step");
    return out;
  }
  if (cls == "PruneLowMagnitude") {
    if (!c.config || !c.config->find("layer")) fail(c, "no wrapped layer");
    const json::value inner = c.config->at("layer");
    call w = c;
    w.class_name = inner.at("class_name").string();
    w.config = inner.at("config");
    w.pruned = true;
    return convert(w);
  }
  static const std::map<std::string, node_kind> merges = {
      {"Add", node_kind::add},         {"Subtract", node_kind::subtract}, {"Multiply", node_kind::multiply},
      {"Average", node_kind::average}, {"Maximum", node_kind::maximum},   {"Minimum", node_kind::minimum},
      {"Concatenate", node_kind::concatenate}, {"Merge", node_kind::concatenate}};
  if (auto it = merges.find(cls); it != merges.end()) {
    if (cls == "Merge" && c.text("mode", "concat") != "concat") fail(c, "only concat Merge layers are supported");
    const bool concat = it->second == node_kind::concatenate;
    node n = plain_node(it->second, {});
    const auto lead_of = [](const std::vector<std::size_t>& d) { return std::vector<std::size_t>(d.begin(), d.end() - 1); };
    const auto first = in.shape();
    std::size_t width = 0;
    bool masked = false;
    for (const auto& t : c.in) {
      const auto d = t.shape();
      if (d.size() != first.size()) fail(c, "inputs of different ranks: " + detail::dims_text(d) + " and " + detail::dims_text(first));
      const auto a = lead_of(d), b = lead_of(first);
      for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i] != b[i] && a[i] && b[i]) fail(c, "inputs of shapes " + detail::dims_text(d) + " and " + detail::dims_text(first));
      if (!concat && t.width != in.width) fail(c, "inputs of different widths");
      n.sources.push_back(t.node);
      width += t.width;
      masked = masked || t.masked;
    }
    if (concat && c.has("axis")) {
      const double axis = c.number("axis", -1);
      if (axis != -1 && axis != static_cast<double>(first.size()))
        fail(c, "only concatenation along the last axis is supported");
    }
    if (it->second == node_kind::subtract && n.sources.size() != 2) fail(c, "Subtract needs exactly two inputs");
    n.per_step = first.size() == 2 && in.sequence;
    auto dims = first;
    for (const auto& t : c.in)
      if (t.shape().size() == 2 && t.shape()[0] == 0) dims[0] = 0;
    dims.back() = concat ? width : in.width;
    return {tensor_state::of(add_node(c, n), dims, masked && first.size() == 2)};
  }
  if (cls == "Sum" || cls == "GlobalAveragePooling1D" || cls == "GlobalMaxPooling1D" || cls == "GlobalAveragePooling2D" ||
      cls == "GlobalMaxPooling2D") {
    if (in.shape().size() < 2) fail(c, "the layer needs a sequence or an image input");
    if (c.flag("keepdims", false)) fail(c, "keepdims=True is not supported");
    if (channels_first(c)) fail(c, "only channels_last is supported");
    const node_kind k = cls == "Sum" ? node_kind::sum : cls.rfind("GlobalAverage", 0) == 0 ? node_kind::mean : node_kind::max_pool;
    return {tensor_state::of(add_node(c, plain_node(k, {in.node})), {in.width})};
  }
  bool handled = false;
  auto out = convert_core(*this, c, handled);
  if (handled) return out;
  out = convert_recurrent(*this, c, handled);
  if (handled) return out;
  out = convert_tensor(*this, c, handled);
  if (handled) return out;
  out = convert_attention(*this, c, handled);
  if (handled) return out;
  if (!c.layer->module.empty() && c.layer->module.rfind("keras", 0) != 0)
    fail(c, "unknown custom layer (module " + c.layer->module + ")");
  fail(c, "unsupported layer class '" + cls + "'");
}

std::vector<double> transpose_block(const tensor& kernel, std::size_t first, std::size_t out) {
  const std::size_t in = kernel.shape[0], cols = kernel.shape[1];
  std::vector<double> w(out * in);
  for (std::size_t o = 0; o < out; ++o)
    for (std::size_t i = 0; i < in; ++i) w[o * in + i] = kernel.data[i * cols + first + o];
  return w;
}

} // namespace hepnn::detail::keras
