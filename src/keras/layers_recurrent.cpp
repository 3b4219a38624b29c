// Keras LSTM, GRU and SimpleRNN → hepnn recurrent layers (keras-format.md §4.1).
// Keras 2/3 fuse the gates: kernel (in, G·u), recurrent_kernel (u, G·u),
// bias (G·u) or, for a reset_after GRU, (2, G·u) = [input bias; recurrent
// bias]; gate g is the column block [g·u, (g+1)·u). Keras 1 stores each
// gate separately (W_i, U_i, b_i, ...).
#include "keras/builder.hpp"

#include <limits>

namespace hepnn::detail::keras {
namespace {

using call = builder::call;

bool is_rnn(const std::string& cls) { return cls == "LSTM" || cls == "GRU" || cls == "SimpleRNN"; }

/// The IR layer of a Keras LSTM / GRU / SimpleRNN from its config (in `c`) and weights.
layer recurrent_layer(builder& b, const call& c, const tensor_state& in, const std::vector<tensor>& ws, std::size_t& units);

/// Bidirectional: a forward and a backward copy of the wrapped layer; the
/// backward outputs go back to the steps they came from, masked steps give
/// zeros when sequences are returned, and the two are merged.
std::vector<tensor_state> bidirectional(builder& b, const call& c) {
  const tensor_state& in = c.in.front();
  if (!c.config || !c.config->find("layer")) b.fail(c, "no wrapped layer");
  const json::value inner = c.config->at("layer");
  call w = c;
  w.class_name = inner.at("class_name").string();
  w.config = inner.at("config");
  w.wrapped = true;
  if (!is_rnn(w.class_name)) b.fail(c, "only LSTM, GRU and SimpleRNN can be wrapped");
  if (c.config->find("backward_layer")) b.fail(c, "a separate backward_layer is not supported");
  if (w.flag("go_backwards", false)) b.fail(c, "a wrapped layer with go_backwards=True is not supported");
  if (!in.sequence) b.fail(c, "a recurrent layer needs a sequence input");
  const auto all = b.fetch(c);
  std::vector<tensor> fwd, bwd;
  bool named = false;
  for (const auto& t : all) named = named || t.path.find("backward") != std::string::npos;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const bool back = named ? all[i].path.find("backward") != std::string::npos : i >= all.size() / 2;
    (back ? bwd : fwd).push_back(all[i]);
  }
  std::size_t units = 0, units_b = 0;
  const bool sequences = w.flag("return_sequences", false);
  layer lf = recurrent_layer(b, w, in, fwd, units);
  layer lb = recurrent_layer(b, w, in, bwd, units_b);
  if (units != units_b) b.fail(c, "the forward and backward layers have different sizes");
  lb.go_backwards = true;
  lb.aligned_output = true;
  lf.zero_masked = lb.zero_masked = sequences;
  node nf = plain_node(node_kind::sequence, {in.node});
  nf.layer = b.add_layer(c, std::move(lf));
  node nb = plain_node(node_kind::sequence, {in.node});
  nb.layer = b.add_layer(c, std::move(lb));
  const std::size_t f = b.add_node(c, nf), r = b.add_node(c, nb);
  std::vector<std::size_t> dims = sequences ? std::vector<std::size_t>{in.shape()[0], units} : std::vector<std::size_t>{units};
  const bool masked = sequences && in.masked;
  const std::string mode = c.text("merge_mode", "concat");
  if (mode == "None" || mode == "null" || (c.has("merge_mode") == false && c.config->find("merge_mode") && c.config->at("merge_mode").is_null()))
    return {tensor_state::of(f, dims, masked), tensor_state::of(r, dims, masked)};
  node m = plain_node(mode == "concat" ? node_kind::concatenate
                      : mode == "sum"  ? node_kind::add
                      : mode == "ave"  ? node_kind::average
                      : mode == "mul"  ? node_kind::multiply
                                       : node_kind::input,
                      {f, r});
  if (m.kind == node_kind::input) b.fail(c, "merge_mode '" + mode + "' is not supported");
  m.per_step = sequences;
  if (mode == "concat") dims.back() *= 2;
  return {tensor_state::of(b.add_node(c, m), dims, masked)};
}

} // namespace

std::vector<tensor_state> convert_recurrent(builder& b, const builder::call& c, bool& handled) {
  const std::string& cls = c.class_name;
  handled = is_rnn(cls) || cls == "Bidirectional";
  if (cls == "CuDNNLSTM" || cls == "CuDNNGRU" || cls == "ConvLSTM1D" || cls == "ConvLSTM2D")
    b.fail(c, "this recurrent layer is not supported");
  if (!handled) return {};
  if (cls == "Bidirectional") return bidirectional(b, c);
  const tensor_state& in = c.in.front();
  if (!in.sequence) b.fail(c, "a recurrent layer needs a sequence input");
  std::size_t units = 0;
  layer l = recurrent_layer(b, c, in, b.fetch(c), units);
  const std::size_t li = b.layer_index(c, std::move(l));
  const bool sequences = c.flag("return_sequences", false);
  const std::size_t n = b.add_node(c, {node_kind::sequence, {in.node}, li, 0, 0.0, {}, false});
  // return_sequences=False: consumers see the last state (lwtnn's "last step")
  return {tensor_state::of(n, sequences ? std::vector<std::size_t>{in.shape()[0], units} : std::vector<std::size_t>{units},
                           sequences && in.masked)};
}

namespace {

layer recurrent_layer(builder& b, const call& c, const tensor_state& in, const std::vector<tensor>& ws, std::size_t& units) {
  const std::string& cls = c.class_name;
  if (c.flag("stateful", false)) b.fail(c, "stateful recurrent layers are not supported");
  if (c.flag("time_major", false)) b.fail(c, "time_major=True is not supported");

  std::vector<gate> gates;
  layer l;
  if (cls == "LSTM") l.kind = layer_kind::lstm, gates = {gate::i, gate::f, gate::c, gate::o};
  else if (cls == "GRU") l.kind = layer_kind::gru, gates = {gate::z, gate::r, gate::h};
  else l.kind = layer_kind::simple_rnn, gates = {gate::h};
  const std::size_t G = gates.size();

  l.act = b.activation_of(c, "activation", "tanh");
  if (l.kind != layer_kind::simple_rnn) {
    const char* key = c.has("recurrent_activation") ? "recurrent_activation" : "inner_activation";
    l.inner_act = b.activation_of(c, key, b.keras_major() >= 3 ? "sigmoid" : "hard_sigmoid");
  }
  l.go_backwards = c.flag("go_backwards", false);
  l.reset_after = l.kind == layer_kind::gru && c.flag("reset_after", false);

  units = 0;
  if (const tensor* kernel = find_weight(ws, "kernel")) {
    const tensor* rec = find_weight(ws, "recurrent_kernel");
    if (!rec) b.fail(c, "weights 'recurrent_kernel' not found");
    if (kernel->shape.size() != 2 || kernel->shape[0] != in.width || kernel->shape[1] % G != 0)
      b.fail(c, "kernel has shape " + shape_text(*kernel) + " for an input of width " + std::to_string(in.width) +
                    " and " + std::to_string(G) + " gates");
    units = kernel->shape[1] / G;
    if (rec->shape != std::vector<std::size_t>{units, G * units})
      b.fail(c, "recurrent_kernel has shape " + shape_text(*rec) + ", expected (" + std::to_string(units) + ", " +
                    std::to_string(G * units) + ")");
    const tensor* bias = find_weight(ws, "bias");
    if (bias) {
      const bool two_rows = bias->shape.size() == 2;
      if (l.reset_after != two_rows || bias->data.size() != (two_rows ? 2 : 1) * G * units)
        b.fail(c, "bias has shape " + shape_text(*bias) + (l.reset_after ? ", expected (2, " : ", expected (") +
                      std::to_string(G * units) + ")");
    }
    for (std::size_t g = 0; g < G; ++g) {
      weight_block blk;
      blk.weights = transpose_block(*kernel, g * units, units);
      blk.recurrent = transpose_block(*rec, g * units, units);
      if (bias) {
        blk.bias.assign(bias->data.begin() + static_cast<std::ptrdiff_t>(g * units),
                        bias->data.begin() + static_cast<std::ptrdiff_t>((g + 1) * units));
        if (l.reset_after) {
          const std::size_t row = G * units;
          blk.recurrent_bias.assign(bias->data.begin() + static_cast<std::ptrdiff_t>(row + g * units),
                                    bias->data.begin() + static_cast<std::ptrdiff_t>(row + (g + 1) * units));
        }
      }
      l.components[gates[g]] = std::move(blk);
    }
  } else {
    // Keras 1: W_<gate>, U_<gate>, b_<gate> (SimpleRNN: W, U, b)
    for (gate g : gates) {
      std::string suffix;
      if (l.kind != layer_kind::simple_rnn) suffix.append("_").append(to_string(g));
      const tensor* w = find_weight(ws, "W" + suffix);
      const tensor* u = find_weight(ws, "U" + suffix);
      if (!w || !u) b.fail(c, "weights 'W" + suffix + "' / 'U" + suffix + "' not found");
      if (w->shape.size() != 2 || w->shape[0] != in.width)
        b.fail(c, "W" + suffix + " has shape " + shape_text(*w) + " for an input of width " + std::to_string(in.width));
      if (!units) units = w->shape[1];
      if (w->shape[1] != units || u->shape != std::vector<std::size_t>{units, units})
        b.fail(c, "gate weights of inconsistent shapes: W" + suffix + " " + shape_text(*w) + ", U" + suffix + " " + shape_text(*u));
      weight_block blk;
      blk.weights = transpose_block(*w, 0, units);
      blk.recurrent = transpose_block(*u, 0, units);
      if (const tensor* bias = find_weight(ws, "b" + suffix)) blk.bias = bias->data;
      l.components[g] = std::move(blk);
    }
  }
  if (c.has("units") && c.count("units", units) != units)
    b.fail(c, "the weights have " + std::to_string(units) + " units, the configuration says " + std::to_string(c.count("units", 0)));

  return l;
}

} // namespace

} // namespace hepnn::detail::keras
