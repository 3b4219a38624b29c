// The Keras file forms → one model: which files were given, the Keras
// version, the variables file, and the lwtnn-compatibility check.
#include "hepnn/keras.hpp"

#include "formats/hdf5_file.hpp"
#include "formats/json_writer.hpp"
#include "formats/zip_archive.hpp"
#include "hepnn/errors.hpp"
#include "hepnn/io.hpp"
#include "keras/builder.hpp"
#include "model/shapes.hpp"
#include "workflow/files.hpp"


namespace hepnn {
namespace {

using namespace detail::keras;

std::string_view text_of(const std::vector<char>& v) { return {v.data(), v.size()}; }

struct loaded {
  std::unique_ptr<json_document> architecture;
  std::unique_ptr<weight_store> weights;
  std::string version;
};

loaded load(const std::string& model_path, const std::string& weights_path) {
  loaded l;
  if (detail::is_zip(model_path)) {
    if (!weights_path.empty()) throw config_error(model_path + ": a .keras archive holds its own weights; give no weights file");
    detail::zip_archive zip(model_path);
    l.architecture = parse_json(text_of(zip.read("config.json")), model_path + ": config.json");
    if (zip.has("metadata.json")) {
      auto meta = parse_json(text_of(zip.read("metadata.json")), model_path + ": metadata.json");
      if (auto v = meta->root->find("keras_version"); v && v->is_string()) l.version = v->string();
    }
    l.weights = keras3_store(detail::h5::file::open_image(zip.read("model.weights.h5"), model_path + ": model.weights.h5"));
    if (l.version.empty()) l.version = "3";
    return l;
  }
  if (detail::h5::is_hdf5(model_path)) {
    auto file = detail::h5::file::open(model_path);
    auto root = file.root();
    if (!weights_path.empty() && !root.has_attribute("model_config") && !detail::h5::is_hdf5(weights_path))
      throw config_error(model_path + ": this is a weights file and " + weights_path +
                         " is not: give the architecture JSON first, then the weights (the files are swapped)");
    if (!weights_path.empty()) throw config_error(model_path + ": a full-model .h5 holds its own weights; give no weights file");
    if (!root.has_attribute("model_config"))
      throw config_error(model_path + ": no 'model_config' attribute: this is a weights file, not a full model; "
                                      "give the architecture JSON first and this file as the weights");
    l.architecture = parse_json(root.string_attribute("model_config"), model_path + ": model_config");
    l.weights = legacy_store(std::move(file));
    l.version = l.weights->keras_version();
    return l;
  }
  std::error_code ec;
  if (!std::filesystem::exists(model_path, ec)) throw config_error(model_path + ": cannot read the file: No such file or directory");
  if (weights_path.empty()) throw config_error(model_path + ": an architecture JSON needs its weights file");
  l.architecture = parse_padded_json(detail::json::load_file(model_path), model_path);
  if (auto v = l.architecture->root->find("keras_version"); v && v->is_string()) l.version = v->string();
  auto file = detail::h5::file::open(weights_path);
  const bool k3 = is_keras3_store(file);
  l.weights = k3 ? keras3_store(std::move(file)) : legacy_store(std::move(file));
  if (l.version.empty()) l.version = l.weights->keras_version();
  if (l.version.empty() && k3) l.version = "3";
  return l;
}

[[noreturn]] void mismatch(const std::string& source, const variables_spec& spec, const std::string& what) {
  const std::string vars = spec.source.empty() ? std::string("the variables file") : "the variables file " + spec.source;
  throw config_error(source + ": " + vars + " does not match the Keras model: " + what);
}

void apply_variables(model& m, const variables_spec& spec, const std::string& source, const std::vector<std::string>& keras_outputs) {
  auto count = [](std::size_t n, const char* what) { return std::to_string(n) + " " + what; };
  if (spec.sequential) {
    if (m.inputs.size() + m.input_sequences.size() != 1 || m.outputs.size() != 1)
      mismatch(source, spec, "a sequential (flat) variables file needs a model with one input and one output, this one has " +
                           count(m.inputs.size() + m.input_sequences.size(), "inputs and ") + count(m.outputs.size(), "outputs"));
    auto& node = m.inputs.empty() ? m.input_sequences.front() : m.inputs.front();
    if (spec.inputs.front().variables.size() != node.variables.size())
      mismatch(source, spec, count(spec.inputs.front().variables.size(), "variables") + " for a Keras input of width " +
                           std::to_string(node.variables.size()));
    node.name = "input_node";
    node.variables = spec.inputs.front().variables;
    auto& out = m.outputs.front();
    if (spec.outputs.front().labels.size() != out.labels.size())
      mismatch(source, spec, count(spec.outputs.front().labels.size(), "class_labels") + " for an output of width " +
                           std::to_string(out.labels.size()));
    out.labels = spec.outputs.front().labels;
    out.name = keras_outputs.front();
  } else {
    if (spec.inputs.size() != m.inputs.size())
      mismatch(source, spec, count(spec.inputs.size(), "input nodes") + " for " + count(m.inputs.size(), "vector inputs") + " of the model");
    if (spec.input_sequences.size() != m.input_sequences.size())
      mismatch(source, spec, count(spec.input_sequences.size(), "input sequences") + " for " +
                           count(m.input_sequences.size(), "sequence inputs") + " of the model");
    for (auto* pair : {&m.inputs, &m.input_sequences}) {
      const auto& given = pair == &m.inputs ? spec.inputs : spec.input_sequences;
      for (std::size_t k = 0; k < pair->size(); ++k) {
        if (given[k].variables.size() != (*pair)[k].variables.size())
          mismatch(source, spec, "input node '" + given[k].name + "' has " + count(given[k].variables.size(), "variables") +
                               " but Keras input " + std::to_string(k) + " has width " +
                               std::to_string((*pair)[k].variables.size()));
        const std::size_t steps = (*pair)[k].steps; // a fixed shape comes from the model, not the variables
        (*pair)[k] = given[k];
        (*pair)[k].steps = steps;
      }
    }
    if (spec.outputs.size() != m.outputs.size())
      mismatch(source, spec, count(spec.outputs.size(), "outputs") + " for " + count(m.outputs.size(), "outputs") + " of the model");
    for (std::size_t k = 0; k < m.outputs.size(); ++k) {
      if (spec.outputs[k].labels.size() != m.outputs[k].labels.size())
        mismatch(source, spec, "output '" + spec.outputs[k].name + "' has " + count(spec.outputs[k].labels.size(), "labels") +
                             " but Keras output " + std::to_string(k) + " has width " + std::to_string(m.outputs[k].labels.size()));
      m.outputs[k].name = spec.outputs[k].name;
      m.outputs[k].labels = spec.outputs[k].labels;
    }
  }
  m.miscellaneous = spec.miscellaneous;
}

} // namespace

conversion convert_keras(const std::filesystem::path& model_path, const std::filesystem::path& weights_path,
                         const variables_spec* variables, const convert_options& options) {
  const std::string source = model_path.string();
  loaded in = load(source, weights_path.string());
  const detail::json::value& root = *in.architecture->root;
  if (!root.is_object() || !root.find("class_name"))
    throw config_error(source + ": not a Keras model (no class_name at the top of the architecture)");
  const int major = in.version.empty() ? 1 : major_version(in.version);
  const model_def md = read_model(root);

  builder b(*in.weights, major, source, options.lwtnn);
  b.build(md);
  conversion out;
  model& m = b.network();
  m.source = source;
  const auto shapes = detail::analyse(m);
  for (std::size_t i = 0; i < b.outputs().size(); ++i) {
    const tensor_state& s = b.outputs()[i];
    std::size_t n = s.node;
    const auto& sh = shapes.nodes[n];
    std::size_t width = s.width;
    if (!s.sequence && sh.sequence) {
      // a recurrent layer's last state: make the output a vector node
      m.layers.push_back(layer{});
      m.nodes.push_back({node_kind::feed_forward, {n}, m.layers.size() - 1, 0, 0.0, {}, false});
      n = m.nodes.size() - 1;
    } else if (!sh.sequence && sh.dims.size() > 2) {
      // an image-like output: its values in row-major order (a (T, F) one is a sequence output)
      width = 1;
      for (std::size_t d : sh.dims) width *= d;
      m.nodes.push_back({node_kind::reshape, {n}, 0, 0, 0.0, {width}, false});
      n = m.nodes.size() - 1;
    }
    output_node o{b.output_layers()[i], n, {}};
    for (std::size_t k = 0; k < width; ++k) o.labels.push_back("out_" + std::to_string(k));
    m.outputs.push_back(std::move(o));
  }
  out.template_variables.inputs = m.inputs;
  out.template_variables.input_sequences = m.input_sequences;
  for (const auto& o : m.outputs) out.template_variables.outputs.push_back({o.name, o.labels});
  if (variables) {
    std::vector<std::string> names;
    for (const auto& t : md.outputs) names.push_back(t.layer);
    apply_variables(m, *variables, source, names);
  }
  if (options.lwtnn)
    for (const auto& bad : lwtnn_incompatibilities(m)) {
      // nodes added for the outputs (a flattened image) have no Keras layer of their own
      const auto& origins = bad.node >= 0 ? b.node_origins() : b.layer_origins();
      const std::size_t at = static_cast<std::size_t>(bad.node >= 0 ? bad.node : bad.layer);
      const origin o = at < origins.size() ? origins[at] : origin{"(output)", "flattened output"};
      throw config_error(source + ": layer '" + o.layer + "' (" + o.class_name + "): " + bad.what +
                         "; without --lwtnn hepnn writes a network file that evaluates it exactly");
    }
  detail::analyse(m);
  out.network = std::move(m);
  out.keras_version = in.version;
  out.notes = b.notes();
  return out;
}

void split_keras_model(const std::filesystem::path& model_path, const std::filesystem::path& architecture,
                       const std::filesystem::path& weights) {
  const std::string source = model_path.string();
  auto file = detail::h5::file::open(source);
  auto root = file.root();
  if (!root.has_attribute("model_config") || !root.has_group("model_weights"))
    throw config_error(source + ": not a full Keras model (needs a model_config attribute and a model_weights group)");
  // the architecture: model_config plus backend and keras_version, as to_json() gives
  std::string text = root.string_attribute("model_config");
  parse_json(text, source + ": model_config"); // it must be JSON
  auto mw = file.open_group("model_weights");
  const std::string backend = mw.maybe_string_attribute("backend").value_or(root.maybe_string_attribute("backend").value_or(""));
  const std::string version =
      mw.maybe_string_attribute("keras_version").value_or(root.maybe_string_attribute("keras_version").value_or(""));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.empty() || text.back() != '}') throw config_error(source + ": model_config is not a JSON object");
  text.pop_back();
  std::string extra;
  detail::append_json_string(extra, "backend");
  extra += ": ";
  detail::append_json_string(extra, backend);
  extra += ", ";
  detail::append_json_string(extra, "keras_version");
  extra += ": ";
  detail::append_json_string(extra, version);
  text += ", " + extra + "}\n";
  const auto layer_names = mw.string_list_attribute("layer_names");
  detail::write_atomically(weights.string(), [&](const std::string& tmp) {
    auto out = detail::h5::file::create(tmp);
    auto out_root = out.root();
    for (const auto& name : mw.members()) {
      auto g = mw.open_group(name);
      detail::h5::copy_group(g, out_root, name);
    }
    detail::h5::write_string_list_attribute(out_root, "layer_names", layer_names);
    detail::h5::write_string_attribute(out_root, "backend", backend);
    detail::h5::write_string_attribute(out_root, "keras_version", version);
  });
  detail::write_file_atomically(architecture.string(), text);
}

} // namespace hepnn
