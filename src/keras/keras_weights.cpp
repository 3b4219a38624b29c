#include "keras/keras_weights.hpp"

#include <algorithm>
#include <map>

namespace hepnn::detail::keras {
namespace {

bool config_flag(const layer_def& l, const char* key, bool fallback) {
  if (!l.config) return fallback;
  auto v = l.config->find(key);
  return v && !v->is_null() ? v->boolean() : fallback;
}

std::string short_name(const std::string& weight_name, const std::string& layer) {
  std::string s = weight_name.substr(weight_name.rfind('/') + 1);
  if (auto colon = s.rfind(':'); colon != std::string::npos) s.resize(colon);
  // Keras 1 (theano naming): "dense_1_W", "gru_1_W_z"
  if (s.size() > layer.size() + 1 && s.compare(0, layer.size() + 1, layer + "_") == 0) s = s.substr(layer.size() + 1);
  return s;
}

tensor read_tensor(const h5::group& g, const std::string& path, std::string name) {
  tensor t;
  t.name = std::move(name);
  t.path = path;
  h5::dataset_info info;
  t.data = g.read(path, &info);
  t.shape = info.shape;
  return t;
}

class legacy : public weight_store {
public:
  explicit legacy(h5::file f) : file_(std::move(f)) {
    h5::group root = file_.root();
    has_model_weights_ = root.has_group("model_weights");
    version_ = root.maybe_string_attribute("keras_version").value_or("");
    if (version_.empty() && has_model_weights_)
      version_ = file_.open_group("model_weights").maybe_string_attribute("keras_version").value_or("");
  }
  std::string keras_version() const override { return version_; }

  std::vector<tensor> weights(const std::vector<std::string>& scope, const layer_def& layer,
                              const std::vector<layer_def>&) const override {
    h5::group base = has_model_weights_ ? file_.open_group("model_weights") : file_.root();
    std::vector<tensor> out;
    if (scope.empty()) {
      if (!base.has_group(layer.name)) return out;
      h5::group g = base.open_group(layer.name);
      for (const auto& w : g.string_list_attribute("weight_names"))
        out.push_back(read_tensor(g, w, short_name(w, layer.name)));
      return out;
    }
    // a layer of a nested model: its weights are listed in the outer model's
    // group, under variable names that start with the layer's name
    if (!base.has_group(scope.front())) return out;
    h5::group g = base.open_group(scope.front());
    for (const auto& w : g.string_list_attribute("weight_names")) {
      const std::string first = w.substr(0, w.find('/'));
      if (first == layer.name) out.push_back(read_tensor(g, w, short_name(w, layer.name)));
    }
    return out;
  }

private:
  h5::file file_;
  bool has_model_weights_ = false;
  std::string version_;
};

/// Keras 3 lists a layer's variables by position; their names follow from
/// the class and its configuration.
std::vector<std::string> keras3_names(const std::string& cls, const layer_def& l) {
  if (cls == "Dense" || cls == "Conv1D" || cls == "EinsumDense")
    return config_flag(l, "use_bias", true) ? std::vector<std::string>{"kernel", "bias"} : std::vector<std::string>{"kernel"};
  if (cls == "LSTM" || cls == "GRU" || cls == "SimpleRNN")
    return config_flag(l, "use_bias", true) ? std::vector<std::string>{"kernel", "recurrent_kernel", "bias"}
                                            : std::vector<std::string>{"kernel", "recurrent_kernel"};
  if (cls == "BatchNormalization") {
    std::vector<std::string> n;
    if (config_flag(l, "scale", true)) n.push_back("gamma");
    if (config_flag(l, "center", true)) n.push_back("beta");
    n.push_back("moving_mean");
    n.push_back("moving_variance");
    return n;
  }
  if (cls == "Embedding") return {"embeddings"};
  if (cls == "PReLU") return {"alpha"};
  return {};
}

class keras3 : public weight_store {
public:
  explicit keras3(h5::file f) : file_(std::move(f)) {}
  std::string keras_version() const override { return "3"; }

  std::vector<tensor> weights(const std::vector<std::string>& scope, const layer_def& layer,
                              const std::vector<layer_def>& siblings) const override {
    h5::group g = file_.root();
    for (const auto& model : scope) g = child(g, model); // nested models: their own layers/ tree
    std::vector<tensor> out;
    auto found = find_layer(g, layer, siblings);
    if (!found) return out;
    std::string vars = "vars";
    std::string cls = layer.class_name;
    const layer_def* named = &layer;
    layer_def inner;
    if (cls == "TimeDistributed" || cls == "Bidirectional") {
      vars = "layer/vars";
      if (layer.config)
        if (auto wrapped = layer.config->find("layer")) {
          inner.class_name = wrapped->at("class_name").string();
          inner.config = wrapped->at("config");
          cls = inner.class_name;
          named = &inner;
        }
    } else if (cls == "LSTM" || cls == "GRU" || cls == "SimpleRNN") {
      vars = "cell/vars";
    }
    if (!found->has_group(vars)) return out;
    h5::group v = found->open_group(vars);
    std::vector<std::string> sets = v.members();
    std::sort(sets.begin(), sets.end(), [](const std::string& a, const std::string& b) {
      return a.size() != b.size() ? a.size() < b.size() : a < b;
    });
    const auto names = keras3_names(cls, *named);
    for (std::size_t i = 0; i < sets.size(); ++i) {
      if (!v.has_dataset(sets[i])) continue;
      out.push_back(read_tensor(v, sets[i], i < names.size() ? names[i] : "var_" + sets[i]));
    }
    return out;
  }

private:
  h5::file file_;

  /// The group under `parent/layers/` of the layer `name`: the one whose
  /// `vars` carries name = the layer's name (Keras ≥ 3.6), otherwise the
  /// per-class numbering of Keras' traversal.
  std::optional<h5::group> find_layer(const h5::group& parent, const layer_def& layer,
                                      const std::vector<layer_def>& siblings) const {
    if (!parent.has_group("layers")) return std::nullopt;
    h5::group layers = parent.open_group("layers");
    bool any_named = false;
    for (const auto& m : layers.members()) {
      if (!layers.has_group(m + "/vars")) continue;
      h5::group v = layers.open_group(m + "/vars");
      if (auto n = v.maybe_string_attribute("name")) {
        any_named = true;
        if (*n == layer.name) return layers.open_group(m);
      }
    }
    if (any_named) return std::nullopt;
    std::map<std::string, int> count;
    for (const auto& s : siblings) {
      const std::string base = snake_case(s.class_name);
      const int k = count[base]++;
      if (s.name == layer.name) {
        const std::string path = k == 0 ? base : base + "_" + std::to_string(k);
        if (layers.has_group(path)) return layers.open_group(path);
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  h5::group child(const h5::group& parent, const std::string& model) const {
    layer_def l;
    l.name = model;
    auto g = find_layer(parent, l, {});
    if (!g) file_.fail(parent.path(), "no weights for the nested model '" + model + "'");
    return std::move(*g);
  }
};

} // namespace

std::unique_ptr<weight_store> legacy_store(h5::file file) { return std::make_unique<legacy>(std::move(file)); }
std::unique_ptr<weight_store> keras3_store(h5::file file) { return std::make_unique<keras3>(std::move(file)); }

bool is_keras3_store(const h5::file& file) {
  h5::group root = file.root();
  return root.has_group("layers") && !root.has_attribute("layer_names") && !root.has_group("model_weights");
}

} // namespace hepnn::detail::keras
