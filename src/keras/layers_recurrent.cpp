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

} // namespace

std::vector<tensor_state> convert_recurrent(builder& b, const builder::call& c, bool& handled) {
  const std::string& cls = c.class_name;
  handled = cls == "LSTM" || cls == "GRU" || cls == "SimpleRNN";
  if (cls == "CuDNNLSTM" || cls == "CuDNNGRU" || cls == "Bidirectional" || cls == "ConvLSTM1D")
    b.fail(c, "this recurrent layer is not supported (use LSTM / GRU, which give the same inference)");
  if (!handled) return {};
  const tensor_state& in = c.in.front();
  if (!in.sequence) b.fail(c, "a recurrent layer needs a sequence input");
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

  const auto ws = b.fetch(c);
  std::size_t units = 0;
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

  const std::size_t li = b.layer_index(c, std::move(l));
  const bool sequences = c.flag("return_sequences", false);
  const std::size_t n = b.add_node(c, {node_kind::sequence, {in.node}, li, 0, 0.0});
  // return_sequences=False: consumers see the last state (lwtnn's "last step")
  return {{n, sequences, units, sequences && in.masked}};
}

} // namespace hepnn::detail::keras
