#include "keras/keras_config.hpp"

#include <cctype>

namespace hepnn::detail::keras {
namespace {

/// A Keras 2 inbound entry [name, node, tensor, kwargs?] or a Keras 3
/// `__keras_tensor__` object.
std::optional<tensor_ref> as_tensor(const json::value& v) {
  if (v.is_array()) {
    const auto items = v.items();
    if (items.size() >= 3 && items[0].is_string() && items[1].is_number() && items[2].is_number())
      return tensor_ref{items[0].string(), items[1].index(), items[2].index()};
    return std::nullopt;
  }
  if (v.is_object()) {
    auto cls = v.find("class_name");
    if (cls && cls->is_string() && cls->string() == "__keras_tensor__") {
      const auto history = v.at("config").at("keras_history").items();
      if (history.size() < 3) v.fail("keras_history needs [layer, node, tensor]");
      return tensor_ref{history[0].string(), history[1].index(), history[2].index()};
    }
  }
  return std::nullopt;
}

/// Every tensor inside a Keras 3 call's "args", in order (merge layers pass a list).
void collect_tensors(const json::value& v, std::vector<tensor_ref>& out) {
  if (auto t = as_tensor(v)) {
    out.push_back(*t);
    return;
  }
  if (v.is_array())
    for (const auto& item : v.items()) collect_tensors(item, out);
}

std::vector<std::vector<tensor_ref>> read_calls(const json::value& inbound) {
  std::vector<std::vector<tensor_ref>> calls;
  for (const auto& call : inbound.items()) {
    std::vector<tensor_ref> tensors;
    if (call.is_object()) { // Keras 3: {"args": [...], "kwargs": {...}}; a "mask" kwarg is not an input
      if (auto args = call.find("args")) collect_tensors(*args, tensors);
    } else if (call.is_array()) { // Keras 1/2: [[name, node, tensor, kwargs], ...]
      for (const auto& entry : call.items()) {
        auto t = as_tensor(entry);
        if (!t) entry.fail("not an inbound tensor [layer, node, tensor]");
        tensors.push_back(*t);
      }
    } else {
      call.fail("an inbound node is a list or an object, got " + call.type_name());
    }
    calls.push_back(std::move(tensors));
  }
  return calls;
}

/// input_layers / output_layers: one [name, node, tensor] or a list of them.
std::vector<tensor_ref> read_endpoints(const json::value& v) {
  std::vector<tensor_ref> out;
  if (auto t = as_tensor(v)) return {*t};
  for (const auto& item : v.items()) {
    auto t = as_tensor(item);
    if (!t) item.fail("expected [layer, node, tensor]");
    out.push_back(*t);
  }
  return out;
}

std::vector<std::size_t> shape_of(const json::value& shape) {
  std::vector<std::size_t> out;
  const auto dims = shape.items();
  for (std::size_t i = 1; i < dims.size(); ++i) out.push_back(dims[i].is_null() ? 0 : dims[i].index());
  return out;
}

/// The batch shape an InputLayer (or the first layer of a Sequential) declares.
std::optional<std::vector<std::size_t>> declared_shape(const json::value& config) {
  for (const char* key : {"batch_input_shape", "batch_shape"})
    if (auto s = config.find(key); s && s->is_array()) return shape_of(*s);
  if (auto dim = config.find("input_dim"); dim && dim->is_number()) { // Keras 1
    if (auto len = config.find("input_length"); len && !len->is_null()) return std::vector<std::size_t>{len->index(), dim->index()};
    return std::vector<std::size_t>{dim->index()};
  }
  if (auto s = config.find("input_shape"); s && s->is_array()) {
    std::vector<std::size_t> out;
    for (const auto& d : s->items()) out.push_back(d.is_null() ? 0 : d.index());
    return out;
  }
  return std::nullopt;
}

layer_def read_layer(const json::value& entry) {
  layer_def l;
  l.entry = entry;
  l.class_name = entry.at("class_name").string();
  if (auto c = entry.find("config"); c && c->is_object()) l.config = *c;
  if (auto n = entry.find("name"); n && n->is_string()) l.name = n->string();
  else if (l.config) {
    if (auto cn = l.config->find("name"); cn && cn->is_string()) l.name = cn->string();
  }
  if (l.name.empty()) entry.fail("a layer without a name");
  if (auto m = entry.find("module"); m && m->is_string()) l.module = m->string();
  if (auto in = entry.find("inbound_nodes"); in && in->is_array()) l.calls = read_calls(*in);
  if (l.class_name == "InputLayer" && l.config)
    if (auto s = declared_shape(*l.config)) l.input_shape = *s;
  return l;
}

} // namespace

const layer_def* model_def::find(const std::string& layer) const {
  for (const auto& l : layers)
    if (l.name == layer) return &l;
  return nullptr;
}

std::unique_ptr<json_document> parse_padded_json(json::text text, const std::string& source) {
  auto doc = std::make_unique<json_document>();
  doc->text = std::move(text);
  doc->ctx = std::make_unique<json::context>(source);
  doc->root = json::parse(doc->parser, doc->text, *doc->ctx);
  return doc;
}

model_def read_model(const json::value& model) {
  model_def m;
  m.class_name = model.at("class_name").string();
  const json::value config = model.at("config");
  if (m.class_name == "Sequential") {
    // Keras ≤ 2.1: the config is the list of layers; later {"name", "layers"}
    const json::value list = config.is_array() ? config : config.at("layers");
    if (config.is_object())
      if (auto n = config.find("name"); n && n->is_string()) m.name = n->string();
    std::vector<layer_def> layers;
    for (const auto& entry : list.items()) layers.push_back(read_layer(entry));
    if (layers.empty()) list.fail("a Sequential model without layers");
    if (layers.front().class_name != "InputLayer") {
      // Keras 1 / 2.2.4: the first layer carries the input shape
      layer_def input;
      input.class_name = "InputLayer";
      input.name = layers.front().name + "_input";
      if (layers.front().config)
        if (auto s = declared_shape(*layers.front().config)) input.input_shape = *s;
      if (input.input_shape.empty())
        list.fail("the first layer of the Sequential model declares no input shape");
      layers.insert(layers.begin(), std::move(input));
    }
    for (std::size_t i = 1; i < layers.size(); ++i) layers[i].calls = {{tensor_ref{layers[i - 1].name, 0, 0}}};
    m.inputs = {tensor_ref{layers.front().name, 0, 0}};
    m.outputs = {tensor_ref{layers.back().name, 0, 0}};
    m.layers = std::move(layers);
    return m;
  }
  if (m.class_name != "Functional" && m.class_name != "Model")
    model.fail("not a Keras model: class_name '" + m.class_name + "' (expected Sequential, Functional or Model)");
  if (auto n = config.find("name"); n && n->is_string()) m.name = n->string();
  for (const auto& entry : config.at("layers").items()) m.layers.push_back(read_layer(entry));
  m.inputs = read_endpoints(config.at("input_layers"));
  m.outputs = read_endpoints(config.at("output_layers"));
  return m;
}

std::string snake_case(const std::string& class_name) {
  // Keras: drop non-word characters, then "_" before an upper-case letter
  // that starts a lower-case run, and between a lower-case letter and an
  // upper-case one
  std::string s;
  for (char c : class_name)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') s += c;
  std::string a;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool upper = std::isupper(static_cast<unsigned char>(s[i]));
    const bool next_lower = i + 1 < s.size() && std::islower(static_cast<unsigned char>(s[i + 1]));
    if (i > 0 && upper && next_lower) a += '_';
    a += s[i];
  }
  std::string b;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (i > 0 && std::isupper(static_cast<unsigned char>(a[i])) && std::islower(static_cast<unsigned char>(a[i - 1])))
      b += '_';
    b += static_cast<char>(std::tolower(static_cast<unsigned char>(a[i])));
  }
  return b;
}

int major_version(const std::string& version) {
  int major = 0;
  for (char c : version) {
    if (!std::isdigit(static_cast<unsigned char>(c))) break;
    if (major > 1000) return 0; // no Keras version: a damaged file's digits must not overflow
    major = major * 10 + (c - '0');
  }
  return major;
}

} // namespace hepnn::detail::keras
