// Model → graph-format JSON (lwtnn's graph format, plus hepnn's extensions
// unless lwtnn compatibility is asked for). Deterministic: keys in a fixed
// order, numbers in shortest round-trip form, arrays of numbers on one line.

#include "formats/json_writer.hpp"
#include "hepnn/errors.hpp"
#include "hepnn/io.hpp"
#include "model/shapes.hpp"
#include "workflow/files.hpp"
#include "formats/lwtnn_common.hpp"

namespace hepnn {
namespace {

using detail::json_writer;

bool lwtnn_activation(const activation& a) {
  switch (a.function) {
  case activation_function::linear:
  case activation_function::sigmoid:
  case activation_function::tanh:
  case activation_function::softmax:
  case activation_function::elu:
  case activation_function::leaky_relu:
  case activation_function::swish:
  case activation_function::abs: return true;
  case activation_function::relu: return a.is_plain_relu();
  case activation_function::hard_sigmoid: return a == keras2_hard_sigmoid();
  default: return false;
  }
}

void write_activation(json_writer& w, const activation& a) {
  switch (a.function) {
  case activation_function::elu:
  case activation_function::leaky_relu:
  case activation_function::swish:
    w.begin_object().key("function").value(to_string(a.function)).key("alpha").value(a.alpha).end_object();
    return;
  case activation_function::hard_sigmoid:
    if (a == keras2_hard_sigmoid()) break;
    w.begin_object().key("function").value("hard_sigmoid").key("slope").value(a.alpha).key("offset").value(a.beta).end_object();
    return;
  case activation_function::relu:
    if (a.is_plain_relu()) break;
    w.begin_object().key("function").value("rectified").key("negative_slope").value(a.alpha).key("threshold").value(a.beta);
    if (a.cap < 1e308) w.key("max_value").value(a.cap);
    w.end_object();
    return;
  default: break;
  }
  w.value(to_string(a.function));
}

/// A bias: as stored, or zeros of the right length for lwtnn, which needs one.
void write_bias(json_writer& w, const std::vector<double>& bias, std::size_t n, bool lwtnn) {
  if (!bias.empty() || !lwtnn) w.numbers_inline(bias);
  else w.numbers_inline(std::vector<double>(n, 0.0));
}

void write_layer(json_writer& w, const layer& l, const detail::layer_shape& shape, bool lwtnn) {
  w.begin_object().key("architecture").value(to_string(l.kind));
  switch (l.kind) {
  case layer_kind::dense:
    w.key("weights").numbers_inline(l.weights);
    // lwtnn: empty weights and bias are an activation-only layer; a bias is
    // needed otherwise
    w.key("bias");
    write_bias(w, l.bias, l.weights.empty() ? 0 : shape.n_out, lwtnn && !l.weights.empty());
    w.key("activation");
    write_activation(w, l.act);
    break;
  case layer_kind::normalization:
  case layer_kind::prelu:
    w.key("weights").numbers_inline(l.weights);
    if (l.kind == layer_kind::normalization) w.key("bias").numbers_inline(l.bias);
    break;
  case layer_kind::conv1d:
    w.key("weights").numbers_inline(l.weights).key("bias").numbers_inline(l.bias);
    w.key("dilation_rate").value(l.dilation).key("padding").value(to_string(l.pad));
    if (!l.strides.empty()) w.key("strides").sizes_inline(l.strides);
    w.key("activation");
    write_activation(w, l.act);
    break;
  case layer_kind::conv2d:
    w.key("weights").numbers_inline(l.weights).key("bias").numbers_inline(l.bias);
    w.key("kernel_size").sizes_inline(l.window).key("padding").value(to_string(l.pad));
    if (!l.strides.empty()) w.key("strides").sizes_inline(l.strides);
    if (!l.dilations.empty()) w.key("dilation_rate").sizes_inline(l.dilations);
    w.key("activation");
    write_activation(w, l.act);
    break;
  case layer_kind::pooling:
    w.key("function").value(l.pool_max ? "max" : "average").key("pool_size").sizes_inline(l.window);
    if (!l.strides.empty()) w.key("strides").sizes_inline(l.strides);
    w.key("padding").value(to_string(l.pad));
    break;
  case layer_kind::layer_norm:
    w.key("weights").numbers_inline(l.weights).key("bias").numbers_inline(l.bias).key("epsilon").value(l.epsilon);
    break;
  case layer_kind::attention:
    w.key("num_heads").value(l.heads).key("key_dim").value(l.key_dim).key("sublayers").begin_array();
    for (const auto& s : l.sublayers) w.begin_object().key("weights").numbers_inline(s.weights).key("bias").numbers_inline(s.bias).end_object();
    w.end_array();
    break;
  case layer_kind::maxout:
    w.key("sublayers").begin_array();
    for (const auto& s : l.sublayers) {
      w.begin_object().key("weights").numbers_inline(s.weights).key("bias");
      write_bias(w, s.bias, shape.n_out, lwtnn);
      w.end_object();
    }
    w.end_array();
    break;
  case layer_kind::embedding:
    w.key("sublayers").begin_array();
    for (const auto& e : l.embeddings)
      w.begin_object().key("weights").numbers_inline(e.weights).key("index").value(e.index).key("n_out").value(e.n_out).end_object();
    w.end_array();
    break;
  case layer_kind::highway:
  case layer_kind::lstm:
  case layer_kind::gru:
  case layer_kind::simple_rnn: {
    const bool recurrent = l.kind != layer_kind::highway;
    w.key("components").begin_object();
    for (const auto& [g, b] : l.components) {
      w.key(to_string(g)).begin_object().key("weights").numbers_inline(b.weights).key("bias");
      write_bias(w, b.bias, l.kind == layer_kind::highway ? shape.n_in : shape.n_out, lwtnn);
      if (recurrent) w.key("U").numbers_inline(b.recurrent);
      if (!b.recurrent_bias.empty()) w.key("recurrent_bias").numbers_inline(b.recurrent_bias);
      w.end_object();
    }
    w.end_object();
    w.key("activation");
    write_activation(w, l.act);
    if (l.kind == layer_kind::lstm || l.kind == layer_kind::gru) {
      w.key("inner_activation");
      write_activation(w, l.inner_act);
    }
    if (l.go_backwards) w.key("go_backwards").value(true);
    if (l.aligned_output) w.key("aligned_output").value(true);
    if (l.zero_masked) w.key("zero_masked").value(true);
    if (l.kind == layer_kind::gru && l.reset_after) w.key("reset_after").value(true);
    break;
  }
  }
  w.end_object();
}

} // namespace

std::vector<incompatibility> lwtnn_incompatibilities(const model& m) {
  std::vector<incompatibility> out;
  for (std::size_t n = 0; n < m.nodes.size(); ++n) {
    switch (m.nodes[n].kind) {
    case node_kind::subtract:
    case node_kind::multiply:
    case node_kind::average:
    case node_kind::maximum:
    case node_kind::minimum:
    case node_kind::mean:
    case node_kind::max_pool:
    case node_kind::masking:
    case node_kind::reshape:
    case node_kind::permute:
    case node_kind::repeat:
    case node_kind::zero_pad:
    case node_kind::crop:
      out.push_back({static_cast<int>(n), -1, "lwtnn has no '" + std::string(to_string(m.nodes[n].kind)) + "' node"});
      break;
    default: break;
    }
    if (m.nodes[n].per_step) out.push_back({static_cast<int>(n), -1, "lwtnn joins sequences by their last steps, not step by step"});
  }
  const auto shapes = detail::analyse(m);
  for (std::size_t i = 0; i < m.layers.size(); ++i) {
    const layer& l = m.layers[i];
    auto add = [&](std::string what) { out.push_back({-1, static_cast<int>(i), std::move(what)}); };
    const bool has_act = l.kind == layer_kind::dense || l.kind == layer_kind::conv1d || l.kind == layer_kind::highway ||
                         l.kind == layer_kind::lstm || l.kind == layer_kind::gru || l.kind == layer_kind::simple_rnn;
    if (has_act && !lwtnn_activation(l.act))
      add("activation " + std::string(to_string(l.act.function)) + " with these parameters is not one lwtnn knows");
    if ((l.kind == layer_kind::lstm || l.kind == layer_kind::gru) && !lwtnn_activation(l.inner_act))
      add("recurrent activation " + std::string(to_string(l.inner_act.function)) + " is not one lwtnn knows");
    if (l.go_backwards) add("go_backwards: lwtnn would scan the sequence forwards");
    if (l.kind == layer_kind::gru && l.reset_after) add("reset_after: lwtnn has only the reset-before GRU");
    if (l.kind == layer_kind::prelu) add("lwtnn has no PReLU layer");
    if (l.kind == layer_kind::conv2d || l.kind == layer_kind::pooling || l.kind == layer_kind::layer_norm ||
        l.kind == layer_kind::attention)
      add("lwtnn has no " + std::string(to_string(l.kind)) + " layer");
    if (l.kind == layer_kind::conv1d && !l.strides.empty() && l.strides[0] != 1) add("lwtnn's conv1d has no strides");
    if (l.aligned_output || l.zero_masked) add("a Bidirectional half: lwtnn has no Bidirectional layers");
    if (l.kind == layer_kind::conv1d) {
      const std::size_t span = (shapes.layers[i].kernel - 1) * l.dilation;
      if (l.pad == padding::same && span % 2 == 1)
        add("'same' padding with an odd total: lwtnn pads on the other side than TensorFlow");
      if (l.act.function == activation_function::softmax) add("softmax: lwtnn normalises a conv1d over time");
    }
  }
  return out;
}

std::string write_network(const model& m, const write_options& options) {
  const auto shapes = detail::analyse(m);
  if (options.lwtnn) {
    const auto bad = lwtnn_incompatibilities(m);
    if (!bad.empty())
      throw config_error((m.source.empty() ? std::string("network") : m.source) +
                         ": cannot write an lwtnn file: " + bad.front().what);
  }
  json_writer w(2);
  w.begin_object();
  if (!options.lwtnn) {
    w.key("hepnn").begin_object().key("format_version").value(network_format_version);
    for (const auto& [k, v] : options.provenance) w.key(k).value(v);
    w.end_object();
  }
  w.key("inputs");
  detail::lwtnn::write_input_nodes(w, m.inputs);
  w.key("input_sequences");
  detail::lwtnn::write_input_nodes(w, m.input_sequences);
  w.key("nodes").begin_array();
  for (const auto& n : m.nodes) {
    w.begin_object().key("type").value(to_string(n.kind)).key("sources").begin_array();
    for (std::size_t s : n.sources) w.value(s);
    w.end_array();
    if (n.kind == node_kind::input || n.kind == node_kind::input_sequence) {
      const auto& list = n.kind == node_kind::input ? m.inputs : m.input_sequences;
      w.key("size").value(n.size ? n.size : list[n.sources[0]].variables.size());
    }
    if (n.kind == node_kind::feed_forward || n.kind == node_kind::sequence || n.kind == node_kind::time_distributed)
      w.key("layer_index").value(n.layer);
    if (n.kind == node_kind::masking) w.key("mask_value").value(n.mask_value);
    if (!n.shape.empty()) w.key("shape").sizes_inline(n.shape);
    if (n.per_step) w.key("per_step").value(true);
    w.end_object();
  }
  w.end_array();
  w.key("layers").begin_array();
  for (std::size_t i = 0; i < m.layers.size(); ++i) write_layer(w, m.layers[i], shapes.layers[i], options.lwtnn);
  w.end_array();
  w.key("outputs").begin_object();
  for (const auto& o : m.outputs) {
    w.key(o.name).begin_object().key("node_index").value(o.node).key("labels").begin_array();
    for (const auto& l : o.labels) w.value(l);
    w.end_array().end_object();
  }
  w.end_object();
  detail::lwtnn::write_misc(w, m.miscellaneous);
  w.end_object();
  return w.take() + "\n";
}

void save_network(const model& m, const std::filesystem::path& path, const write_options& options) {
  detail::write_file_atomically(path.string(), write_network(m, options));
}

} // namespace hepnn
