#include "model/shapes.hpp"

#include "hepnn/errors.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <string>

namespace hepnn::detail {
namespace {

std::string num(std::size_t v) { return std::to_string(v); }

/// a · b, failing instead of overflowing.
std::size_t mul(const model& m, const std::string& where, std::size_t a, std::size_t b) {
  std::size_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) fail(m, where, "sizes " + num(a) + " × " + num(b) + " overflow");
  return r;
}

std::size_t product(const model& m, const std::string& where, const std::vector<std::size_t>& dims) {
  std::size_t r = 1;
  for (std::size_t d : dims) r = mul(m, where, r, d);
  return r;
}

/// n_out of a row-major n_out × n_in matrix stored in `size` values.
std::size_t rows_of(const model& m, const std::string& where, const std::string& what,
                    std::size_t size, std::size_t n_in) {
  if (n_in == 0) fail(m, where, what + " has " + num(size) + " values but the layer input has width 0");
  if (size % n_in != 0)
    fail(m, where, what + " has " + num(size) + " values, not a multiple of the input width " + num(n_in));
  return size / n_in;
}

void expect_size(const model& m, const std::string& where, const std::string& what, std::size_t size,
                 std::size_t expected, const std::string& why) {
  if (size != expected)
    fail(m, where, what + " has " + num(size) + " values, expected " + num(expected) + " (" + why + ")");
}

void expect_bias(const model& m, const std::string& where, const std::string& what,
                 const std::vector<double>& bias, std::size_t n_out) {
  if (!bias.empty()) expect_size(m, where, what, bias.size(), n_out, "one per output");
}

const weight_block& component(const model& m, const std::string& where, const layer& l, gate g) {
  auto it = l.components.find(g);
  if (it == l.components.end())
    fail(m, where, "missing component '" + std::string(to_string(g)) + "'");
  return it->second;
}

layer_shape recurrent_shape(const model& m, const std::string& where, const layer& l, std::size_t n_in,
                            std::initializer_list<gate> gates) {
  layer_shape s{n_in, 0, 1, true};
  for (gate g : gates) {
    const auto& c = component(m, where, l, g);
    const std::string name = "components/" + std::string(to_string(g));
    std::size_t n_out = rows_of(m, where, name + "/weights", c.weights.size(), n_in);
    if (s.n_out == 0) s.n_out = n_out;
    if (n_out == 0) fail(m, where, name + "/weights is empty");
    if (n_out != s.n_out)
      fail(m, where, name + " has " + num(n_out) + " outputs, other gates have " + num(s.n_out));
    expect_size(m, where, name + "/U", c.recurrent.size(), n_out * n_out,
                "units " + num(n_out) + " × " + num(n_out));
    expect_bias(m, where, name + "/bias", c.bias, n_out);
    if (!c.recurrent_bias.empty()) {
      if (l.kind != layer_kind::gru || !l.reset_after)
        fail(m, where, name + "/recurrent_bias is only meaningful for a GRU with reset_after");
      expect_size(m, where, name + "/recurrent_bias", c.recurrent_bias.size(), n_out, "one per unit");
    }
  }
  for (const auto& [g, c] : l.components) {
    bool known = false;
    for (gate x : gates) known = known || x == g;
    if (!known)
      fail(m, where, "component '" + std::string(to_string(g)) + "' does not belong to a " +
                         std::string(to_string(l.kind)) + " layer");
  }
  return s;
}

layer_shape layer_shape_for(const model& m, std::size_t li, std::size_t n_in) {
  const layer& l = m.layers[li];
  const std::string where = layer_where(m, li);
  layer_shape s{n_in, n_in, 1, true};
  switch (l.kind) {
  case layer_kind::dense:
    if (!l.weights.empty()) s.n_out = rows_of(m, where, "weights", l.weights.size(), n_in);
    expect_bias(m, where, "bias", l.bias, s.n_out);
    break;
  case layer_kind::normalization:
    if (l.weights.empty()) fail(m, where, "weights is empty");
    expect_size(m, where, "weights", l.weights.size(), n_in, "one per input feature");
    expect_size(m, where, "bias", l.bias.size(), n_in, "one per input feature");
    break;
  case layer_kind::prelu:
    expect_size(m, where, "weights", l.weights.size(), n_in, "one slope per input feature");
    break;
  case layer_kind::maxout: {
    if (l.sublayers.empty()) fail(m, where, "sublayers is empty");
    s.n_out = 0;
    for (std::size_t k = 0; k < l.sublayers.size(); ++k) {
      const std::string name = "sublayers/" + num(k);
      std::size_t n_out = rows_of(m, where, name + "/weights", l.sublayers[k].weights.size(), n_in);
      if (n_out == 0) fail(m, where, name + "/weights is empty");
      if (k == 0) s.n_out = n_out;
      if (n_out != s.n_out)
        fail(m, where, name + " has " + num(n_out) + " outputs, sublayer 0 has " + num(s.n_out));
      expect_bias(m, where, name + "/bias", l.sublayers[k].bias, n_out);
    }
    break;
  }
  case layer_kind::highway:
    for (gate g : {gate::t, gate::carry}) {
      const auto& c = component(m, where, l, g);
      const std::string name = "components/" + std::string(to_string(g));
      expect_size(m, where, name + "/weights", c.weights.size(), n_in * n_in,
                  "a highway layer keeps its width " + num(n_in));
      expect_bias(m, where, name + "/bias", c.bias, n_in);
    }
    break;
  case layer_kind::lstm:
    return recurrent_shape(m, where, l, n_in, {gate::i, gate::f, gate::c, gate::o});
  case layer_kind::gru:
    return recurrent_shape(m, where, l, n_in, {gate::z, gate::r, gate::h});
  case layer_kind::simple_rnn:
    return recurrent_shape(m, where, l, n_in, {gate::h});
  case layer_kind::conv2d: {
    if (l.bias.empty()) fail(m, where, "bias is empty (it gives the number of filters)");
    s.n_out = l.bias.size();
    if (n_in == 0) fail(m, where, "the layer input has width 0");
    if (l.window.size() != 2 || l.window[0] == 0 || l.window[1] == 0)
      fail(m, where, "kernel_size must be two positive numbers");
    for (const auto* v : {&l.strides, &l.dilations})
      if (!v->empty() && (v->size() != 2 || (*v)[0] == 0 || (*v)[1] == 0 || (*v)[0] > (1u << 20) || (*v)[1] > (1u << 20)))
        fail(m, where, std::string(v == &l.strides ? "strides" : "dilation_rate") + " must be two numbers from 1 to 2^20");
    s.kernel = mul(m, where, l.window[0], l.window[1]);
    const std::size_t expected = mul(m, where, mul(m, where, s.kernel, n_in), s.n_out);
    expect_size(m, where, "weights", l.weights.size(), expected,
                "filters " + num(s.n_out) + " × kernel " + num(l.window[0]) + "×" + num(l.window[1]) + " × inputs " + num(n_in));
    if (l.pad == padding::causal) fail(m, where, "causal padding is only for conv1d");
    break;
  }
  case layer_kind::pooling:
    if (l.window.empty() || l.window.size() > 2) fail(m, where, "pool_size must have 1 or 2 values");
    for (std::size_t w : l.window)
      if (w == 0 || w > (1u << 20)) fail(m, where, "pool_size values must be from 1 to 2^20");
    if (!l.strides.empty() && l.strides.size() != l.window.size()) fail(m, where, "strides must have one value per pooled axis");
    for (std::size_t st : l.strides)
      if (st == 0 || st > (1u << 20)) fail(m, where, "strides must be from 1 to 2^20");
    if (l.pad == padding::causal) fail(m, where, "causal padding is only for conv1d");
    break;
  case layer_kind::layer_norm:
    if (!l.weights.empty()) expect_size(m, where, "weights", l.weights.size(), n_in, "one γ per input feature");
    if (!l.bias.empty()) expect_size(m, where, "bias", l.bias.size(), n_in, "one β per input feature");
    if (!(l.epsilon >= 0) || !std::isfinite(l.epsilon)) fail(m, where, "epsilon must be a finite number ≥ 0");
    break;
  case layer_kind::attention: {
    if (l.sublayers.size() != 4) fail(m, where, "needs 4 sublayers (query, key, value, output), has " + num(l.sublayers.size()));
    if (l.heads == 0 || l.key_dim == 0) fail(m, where, "num_heads and key_dim must be at least 1");
    const std::size_t qk = mul(m, where, l.heads, l.key_dim);
    const char* names[] = {"query", "key", "value", "output"};
    for (int k = 0; k < 2; ++k) {
      expect_size(m, where, std::string("sublayers/") + names[k] + "/weights", l.sublayers[k].weights.size(),
                  mul(m, where, qk, n_in), "heads × key_dim × inputs");
      expect_bias(m, where, std::string("sublayers/") + names[k] + "/bias", l.sublayers[k].bias, qk);
    }
    const std::size_t vw = rows_of(m, where, "sublayers/value/weights", l.sublayers[2].weights.size(), n_in);
    if (vw == 0 || vw % l.heads != 0) fail(m, where, "sublayers/value has " + num(vw) + " outputs, not a positive multiple of the " + num(l.heads) + " heads");
    expect_bias(m, where, "sublayers/value/bias", l.sublayers[2].bias, vw);
    s.n_out = rows_of(m, where, "sublayers/output/weights", l.sublayers[3].weights.size(), vw);
    if (s.n_out == 0) fail(m, where, "sublayers/output/weights is empty");
    expect_bias(m, where, "sublayers/output/bias", l.sublayers[3].bias, s.n_out);
    break;
  }
  case layer_kind::conv1d: {
    if (l.strides.size() > 1 || (l.strides.size() == 1 && (l.strides[0] == 0 || l.strides[0] > (1u << 20))))
      fail(m, where, "strides must be one number from 1 to 2^20");
    if (l.bias.empty()) fail(m, where, "bias is empty (it gives the number of filters)");
    s.n_out = l.bias.size();
    if (n_in == 0) fail(m, where, "the layer input has width 0");
    const std::size_t per_tap = n_in * s.n_out;
    if (l.weights.empty() || l.weights.size() % per_tap != 0)
      fail(m, where, "weights has " + num(l.weights.size()) + " values, not a positive multiple of " +
                         num(per_tap) + " (inputs " + num(n_in) + " × filters " + num(s.n_out) + ")");
    s.kernel = l.weights.size() / per_tap;
    if (l.dilation == 0 || l.dilation > (1u << 20)) fail(m, where, "dilation_rate must be from 1 to 2^20");
    break;
  }
  case layer_kind::embedding: {
    if (l.embeddings.empty()) fail(m, where, "sublayers is empty");
    std::size_t width = n_in;
    for (std::size_t k = 0; k < l.embeddings.size(); ++k) {
      const auto& e = l.embeddings[k];
      const std::string name = "sublayers/" + num(k);
      if (e.index >= width)
        fail(m, where, name + "/index " + num(e.index) + " is outside the input width " + num(width));
      if (e.n_out == 0) fail(m, where, name + "/n_out must be at least 1");
      if (e.weights.empty() || e.weights.size() % e.n_out != 0)
        fail(m, where, name + "/weights has " + num(e.weights.size()) + " values, not a positive multiple of n_out " +
                           num(e.n_out));
      width += e.n_out - 1;
    }
    s.n_out = width;
    break;
  }
  }
  return s;
}

bool takes_layer(node_kind k) {
  return k == node_kind::feed_forward || k == node_kind::sequence || k == node_kind::time_distributed;
}

bool is_merge(node_kind k) {
  switch (k) {
  case node_kind::add:
  case node_kind::subtract:
  case node_kind::multiply:
  case node_kind::average:
  case node_kind::maximum:
  case node_kind::minimum: return true;
  default: return false;
  }
}

void check_indices(const model& m) {
  for (std::size_t n = 0; n < m.nodes.size(); ++n) {
    const node& nd = m.nodes[n];
    const std::string where = node_where(m, n);
    auto source_count = [&](std::size_t expected) {
      if (nd.sources.size() != expected)
        fail(m, where, "needs exactly " + num(expected) + " source" + (expected == 1 ? "" : "s") + ", has " +
                           num(nd.sources.size()));
    };
    switch (nd.kind) {
    case node_kind::input:
    case node_kind::input_sequence: {
      source_count(1);
      const auto& list = nd.kind == node_kind::input ? m.inputs : m.input_sequences;
      if (nd.sources[0] >= list.size())
        fail(m, where, "source " + num(nd.sources[0]) + " is not an index of " +
                           (nd.kind == node_kind::input ? "inputs" : "input_sequences") + " (" + num(list.size()) +
                           " entries)");
      continue;
    }
    case node_kind::feed_forward:
    case node_kind::sequence:
    case node_kind::time_distributed:
    case node_kind::sum:
    case node_kind::masking:
    case node_kind::mean:
    case node_kind::max_pool:
    case node_kind::reshape:
    case node_kind::permute:
    case node_kind::repeat:
    case node_kind::zero_pad:
    case node_kind::crop: source_count(1); break;
    case node_kind::subtract: source_count(2); break;
    case node_kind::concatenate:
    case node_kind::add:
    case node_kind::multiply:
    case node_kind::average:
    case node_kind::maximum:
    case node_kind::minimum:
      if (nd.sources.empty()) fail(m, where, "has no sources");
      break;
    }
    for (std::size_t s : nd.sources)
      if (s >= m.nodes.size())
        fail(m, where, "source " + num(s) + " is not a node index (" + num(m.nodes.size()) + " nodes)");
    if (takes_layer(nd.kind) && nd.layer >= m.layers.size())
      fail(m, where, "layer_index " + num(nd.layer) + " is not a layer index (" + num(m.layers.size()) + " layers)");
  }
  for (std::size_t o = 0; o < m.outputs.size(); ++o)
    if (m.outputs[o].node >= m.nodes.size())
      fail(m, "/outputs/" + m.outputs[o].name,
           "node_index " + num(m.outputs[o].node) + " is not a node index (" + num(m.nodes.size()) + " nodes)");
}

/// Depth-first topological order, iterative so that long chains cannot
/// overflow the stack; reports the first cycle found.
std::vector<std::size_t> topological_order(const model& m) {
  enum : unsigned char { fresh, active, done };
  std::vector<unsigned char> state(m.nodes.size(), fresh);
  std::vector<std::size_t> order;
  order.reserve(m.nodes.size());
  std::vector<std::pair<std::size_t, std::size_t>> stack; // node, next source position
  auto sources = [&](std::size_t n) -> const std::vector<std::size_t>* {
    const node& nd = m.nodes[n];
    if (nd.kind == node_kind::input || nd.kind == node_kind::input_sequence) return nullptr;
    return &nd.sources;
  };
  for (std::size_t root = 0; root < m.nodes.size(); ++root) {
    if (state[root] != fresh) continue;
    stack.push_back({root, 0});
    state[root] = active;
    while (!stack.empty()) {
      auto& [n, pos] = stack.back();
      const auto* src = sources(n);
      if (src && pos < src->size()) {
        std::size_t s = (*src)[pos++];
        if (state[s] == active) {
          std::string path;
          bool on = false;
          for (const auto& entry : stack) {
            on = on || entry.first == s;
            if (on) path += num(entry.first) + " → ";
          }
          fail(m, node_where(m, s), "cycle in the graph: nodes " + path + num(s));
        }
        if (state[s] == fresh) {
          state[s] = active;
          stack.push_back({s, 0});
        }
        continue;
      }
      state[n] = done;
      order.push_back(n);
      stack.pop_back();
    }
  }
  return order;
}

} // namespace

bool is_feed_forward(layer_kind k) noexcept {
  switch (k) {
  case layer_kind::dense:
  case layer_kind::normalization:
  case layer_kind::maxout:
  case layer_kind::highway:
  case layer_kind::prelu:
  case layer_kind::layer_norm: return true;
  default: return false;
  }
}

bool is_sequence_layer(layer_kind k) noexcept {
  switch (k) {
  case layer_kind::lstm:
  case layer_kind::gru:
  case layer_kind::simple_rnn:
  case layer_kind::conv1d:
  case layer_kind::embedding:
  case layer_kind::attention: return true;
  default: return false;
  }
}

bool is_spatial_layer(layer_kind k) noexcept { return k == layer_kind::conv2d || k == layer_kind::pooling; }

axis_plan plan_axis(std::size_t length, std::size_t window, std::size_t stride, std::size_t dilation, padding pad) {
  const std::size_t span = (window - 1) * dilation + 1;
  axis_plan a;
  if (pad == padding::valid) {
    a.out = length >= span ? (length - span) / stride + 1 : 0;
  } else if (pad == padding::causal) {
    a.out = (length + stride - 1) / stride;
    a.before = span - 1;
  } else { // TensorFlow: total = max((out − 1)·s + span − L, 0), the odd zero after
    a.out = (length + stride - 1) / stride;
    const std::size_t need = a.out ? (a.out - 1) * stride + span : 0;
    a.before = need > length ? (need - length) / 2 : 0;
  }
  return a;
}

std::size_t node_shape::elements() const {
  std::size_t r = 1;
  for (std::size_t d : dims) r *= d;
  return r;
}

std::string dims_text(const std::vector<std::size_t>& dims) {
  std::string s = "(";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + (dims[i] ? std::to_string(dims[i]) : std::string("?"));
  return s + (dims.size() == 1 ? ",)" : ")");
}

std::string node_where(const model& m, std::size_t index) {
  std::string s = "/nodes/" + num(index);
  if (index < m.nodes.size()) s += " (" + std::string(to_string(m.nodes[index].kind)) + ")";
  return s;
}

std::string layer_where(const model& m, std::size_t index) {
  std::string s = "/layers/" + num(index);
  if (index < m.layers.size()) s += " (" + std::string(to_string(m.layers[index].kind)) + ")";
  return s;
}

void fail(const model& m, const std::string& where, const std::string& message) {
  std::string text = m.source.empty() ? std::string("network") : m.source;
  throw config_error(text + ": " + where + ": " + message);
}

model_shapes analyse(const model& m) {
  check_indices(m);
  model_shapes out;
  out.order = topological_order(m);
  out.nodes.assign(m.nodes.size(), {});
  out.layers.assign(m.layers.size(), {});

  for (const auto& o : m.outputs) out.nodes[o.node].reachable = true;
  for (auto it = out.order.rbegin(); it != out.order.rend(); ++it) {
    const node& nd = m.nodes[*it];
    if (!out.nodes[*it].reachable || nd.kind == node_kind::input || nd.kind == node_kind::input_sequence) continue;
    for (std::size_t s : nd.sources) out.nodes[s].reachable = true;
  }

  for (std::size_t n : out.order) {
    const node& nd = m.nodes[n];
    const std::string where = node_where(m, n);
    node_shape& sh = out.nodes[n];
    auto src = [&](std::size_t i) -> const node_shape& { return out.nodes[nd.sources[i]]; };
    auto source_name = [&](std::size_t i) { return "source node " + num(nd.sources[i]); };
    // a sequence of fixed length or a rank-2 tensor can be scanned step by step
    auto need_sequence = [&](std::size_t i) {
      const node_shape& x = src(i);
      if (x.sequence) return;
      if (x.dims.size() != 2)
        fail(m, where, source_name(i) + " has shape " + dims_text(x.dims) + ", this node needs a sequence (steps, features)");
    };
    auto need_fixed = [&](std::size_t i) -> std::vector<std::size_t> {
      const node_shape& x = src(i);
      if (x.sequence && x.steps == 0)
        fail(m, where, source_name(i) + " is a sequence of any length, this node needs a fixed shape");
      return x.sequence ? std::vector<std::size_t>{x.steps, x.width} : x.dims;
    };
    auto set_tensor = [&](std::vector<std::size_t> dims) {
      if (dims.empty()) fail(m, where, "internal error: a tensor without axes");
      const std::size_t total = product(m, where, dims);
      if (total == 0) fail(m, where, "shape " + dims_text(dims) + " has no elements");
      if (total > max_tensor_elements)
        fail(m, where, "shape " + dims_text(dims) + " has " + num(total) + " elements per event, more than the limit " +
                           num(max_tensor_elements));
      sh.sequence = false;
      sh.steps = 0;
      sh.width = dims.back();
      sh.dims = std::move(dims);
    };
    auto set_sequence = [&](std::size_t steps, std::size_t width, std::size_t origin) {
      sh.sequence = true;
      sh.steps = steps;
      sh.width = width;
      sh.origin = origin;
      sh.dims = {steps, width};
      if (width > max_tensor_elements || (steps && mul(m, where, steps, width) > max_tensor_elements))
        fail(m, where, "a sequence of " + num(steps) + " steps of width " + num(width) + " exceeds the limit of " +
                           num(max_tensor_elements) + " elements per event");
    };
    auto apply_layer = [&](std::size_t n_in) {
      const layer& l = m.layers[nd.layer];
      const bool seq_node = nd.kind == node_kind::sequence;
      if (!seq_node && !is_feed_forward(l.kind) && !(nd.kind == node_kind::feed_forward && is_spatial_layer(l.kind)))
        fail(m, where, "layer " + num(nd.layer) + " is a " + std::string(to_string(l.kind)) + " layer, which needs a " +
                           (is_spatial_layer(l.kind) ? "'feed_forward'" : "'sequence'") + " node");
      if (seq_node && !is_sequence_layer(l.kind))
        fail(m, where, "layer " + num(nd.layer) + " is a " + std::string(to_string(l.kind)) +
                           " layer, which cannot run as a 'sequence' node");
      layer_shape& ls = out.layers[nd.layer];
      if (ls.used) {
        if (ls.n_in != n_in)
          fail(m, where, "shares layer " + num(nd.layer) + " with a node of input width " + num(ls.n_in) +
                             ", but its own input has width " + num(n_in));
      } else {
        ls = layer_shape_for(m, nd.layer, n_in); // marks the layer as used
      }
      return ls.n_out;
    };
    // conv2d and pooling over the leading axes of a fixed tensor
    auto spatial = [&](const std::vector<std::size_t>& in, std::size_t n_out) {
      const layer& l = m.layers[nd.layer];
      const std::size_t axes = l.kind == layer_kind::conv2d ? 2 : l.window.size();
      if (in.size() != axes + 1)
        fail(m, where, "a " + std::string(to_string(l.kind)) + " layer over " + num(axes) + " axes needs a tensor of rank " +
                           num(axes + 1) + ", " + source_name(0) + " has shape " + dims_text(in));
      std::vector<std::size_t> dims;
      for (std::size_t a = 0; a < axes; ++a) {
        const std::size_t w = l.window[a];
        const std::size_t st = l.strides.empty() ? (l.kind == layer_kind::pooling ? w : 1) : l.strides[a];
        const std::size_t d = l.dilations.empty() ? 1 : l.dilations[a];
        const axis_plan ap = plan_axis(in[a], w, st, d, l.pad);
        if (ap.out == 0)
          fail(m, where, "the window " + num((w - 1) * d + 1) + " is larger than the input's axis " + num(a) + " of length " +
                             num(in[a]) + " (shape " + dims_text(in) + ")");
        dims.push_back(ap.out);
      }
      dims.push_back(n_out);
      set_tensor(dims);
    };
    switch (nd.kind) {
    case node_kind::input:
    case node_kind::input_sequence: {
      const auto& in = (nd.kind == node_kind::input ? m.inputs : m.input_sequences)[nd.sources[0]];
      if (nd.size != 0 && nd.size != in.variables.size())
        fail(m, where, "size " + num(nd.size) + " differs from the " + num(in.variables.size()) +
                           " variables of input '" + in.name + "'");
      if (in.variables.empty()) fail(m, where, "input '" + in.name + "' has no variables");
      if (in.steps > max_fixed_steps) fail(m, where, "input '" + in.name + "' asks for " + num(in.steps) + " steps, more than the limit " + num(max_fixed_steps));
      if (nd.kind == node_kind::input) {
        if (in.steps != 0) fail(m, where, "input '" + in.name + "' is a vector: 'steps' is only for input sequences");
        set_tensor({in.variables.size()});
      } else {
        set_sequence(in.steps, in.variables.size(), nd.sources[0]);
      }
      sh.origin = nd.sources[0];
      break;
    }
    case node_kind::feed_forward: {
      const node_shape& x = src(0);
      const layer& l = m.layers[nd.layer];
      if (is_spatial_layer(l.kind)) {
        const auto in = need_fixed(0);
        spatial(in, apply_layer(in.back()));
      } else if (x.sequence) {
        set_tensor({apply_layer(x.width)}); // lwtnn: the last step
      } else {
        auto dims = x.dims;
        dims.back() = apply_layer(x.width);
        set_tensor(dims);
      }
      break;
    }
    case node_kind::time_distributed: {
      const node_shape& x = src(0);
      if (!x.sequence && x.dims.size() < 2)
        fail(m, where, source_name(0) + " is a vector, this node needs a sequence or a tensor");
      const std::size_t w = apply_layer(x.width);
      if (x.sequence) {
        set_sequence(x.steps, w, x.origin);
      } else {
        auto dims = x.dims;
        dims.back() = w;
        set_tensor(dims);
      }
      break;
    }
    case node_kind::sequence: {
      need_sequence(0);
      const node_shape& x = src(0);
      const std::size_t steps = x.sequence ? x.steps : x.dims[0];
      const std::size_t w = apply_layer(x.width);
      const layer& l = m.layers[nd.layer];
      if (l.kind == layer_kind::conv1d && (steps > 0 || (!l.strides.empty() && l.strides[0] != 1))) {
        if (steps == 0) fail(m, where, "strides other than 1 need a sequence of fixed length");
        const axis_plan ap = plan_axis(steps, out.layers[nd.layer].kernel, l.strides.empty() ? 1 : l.strides[0], l.dilation, l.pad);
        if (ap.out == 0)
          fail(m, where, "the kernel span " + num((out.layers[nd.layer].kernel - 1) * l.dilation + 1) + " is longer than the " +
                             num(steps) + " steps of " + source_name(0));
        set_tensor({ap.out, w}); // a fixed-length convolution gives a tensor (T', filters)
      } else {
        set_sequence(steps, w, x.origin);
      }
      break;
    }
    case node_kind::masking:
      need_sequence(0);
      set_sequence(src(0).sequence ? src(0).steps : src(0).dims[0], src(0).width, src(0).origin);
      break;
    case node_kind::sum:
    case node_kind::mean:
    case node_kind::max_pool:
      if (!src(0).sequence && src(0).dims.size() < 2)
        fail(m, where, source_name(0) + " is a vector, this node needs a sequence or a tensor");
      set_tensor({src(0).width});
      break;
    case node_kind::reshape: {
      const auto in = need_fixed(0);
      if (nd.shape.empty()) fail(m, where, "shape is empty");
      const std::size_t have = product(m, where, in), want = product(m, where, nd.shape);
      if (have != want)
        fail(m, where, "cannot reshape " + source_name(0) + " of shape " + dims_text(in) + " (" + num(have) +
                           " values) to " + dims_text(nd.shape) + " (" + num(want) + " values)");
      set_tensor(nd.shape);
      break;
    }
    case node_kind::permute: {
      const auto in = need_fixed(0);
      if (nd.shape.size() != in.size())
        fail(m, where, "the permutation has " + num(nd.shape.size()) + " axes, " + source_name(0) + " has shape " + dims_text(in));
      std::vector<std::size_t> sorted = nd.shape, dims;
      std::sort(sorted.begin(), sorted.end());
      for (std::size_t a = 0; a < sorted.size(); ++a)
        if (sorted[a] != a) fail(m, where, "shape " + dims_text(nd.shape) + " is not a permutation of the axes 0.." + num(in.size() - 1));
      for (std::size_t a : nd.shape) dims.push_back(in[a]);
      set_tensor(dims);
      break;
    }
    case node_kind::repeat:
      if (src(0).sequence || src(0).dims.size() != 1) fail(m, where, source_name(0) + " is not a vector");
      if (nd.shape.size() != 1 || nd.shape[0] == 0) fail(m, where, "shape must hold one positive repeat count");
      set_tensor({nd.shape[0], src(0).width});
      break;
    case node_kind::zero_pad:
    case node_kind::crop: {
      const auto in = need_fixed(0);
      if (in.size() < 2 || nd.shape.size() != 2 * (in.size() - 1))
        fail(m, where, "shape needs 2 values per leading axis of " + source_name(0) + " of shape " + dims_text(in) + ", has " + num(nd.shape.size()));
      auto dims = in;
      for (std::size_t a = 0; a + 1 < in.size(); ++a) {
        const std::size_t b = nd.shape[2 * a], e = nd.shape[2 * a + 1];
        if (nd.kind == node_kind::zero_pad) {
          if (b > max_tensor_elements || e > max_tensor_elements) fail(m, where, "padding larger than the tensor limit");
          dims[a] += b + e;
        } else {
          if (b + e >= in[a] || b > in[a] || e > in[a])
            fail(m, where, "cropping " + num(b) + " + " + num(e) + " from axis " + num(a) + " of length " + num(in[a]) + " leaves nothing");
          dims[a] -= b + e;
        }
      }
      set_tensor(dims);
      break;
    }
    case node_kind::concatenate:
    default: {
      if (!is_merge(nd.kind) && nd.kind != node_kind::concatenate) break;
      const bool concat = nd.kind == node_kind::concatenate;
      // step by step on sequences, per row on tensors, else vectors (lwtnn: a sequence gives its last step)
      bool any_tensor = false, any_sequence = false;
      for (std::size_t i = 0; i < nd.sources.size(); ++i) {
        any_sequence = any_sequence || src(i).sequence;
        any_tensor = any_tensor || (!src(i).sequence && src(i).dims.size() > 1);
      }
      auto width_of = [&](std::size_t i) { return src(i).width; };
      auto lead = [&](std::size_t i) -> std::vector<std::size_t> {
        const node_shape& x = src(i);
        if (nd.per_step || any_tensor) {
          if (x.sequence) return {x.steps};
          if (x.dims.size() == 1) fail(m, where, source_name(i) + " is a vector, the other sources are sequences or tensors");
          return std::vector<std::size_t>(x.dims.begin(), x.dims.end() - 1);
        }
        return {};
      };
      const auto lead0 = lead(0);
      std::size_t width = 0;
      for (std::size_t i = 0; i < nd.sources.size(); ++i) {
        const auto li = lead(i);
        if (li != lead0 && !(nd.per_step && li.size() == 1 && lead0.size() == 1 && (li[0] == 0 || lead0[0] == 0)))
          fail(m, where, source_name(i) + " has leading shape " + dims_text(li) + ", " + source_name(0) + " has " + dims_text(lead0));
        if (!concat && width_of(i) != width_of(0))
          fail(m, where, source_name(i) + " has width " + num(width_of(i)) + ", " + source_name(0) + " has width " + num(width_of(0)));
        width = concat ? width + width_of(i) : width_of(0);
      }
      if (nd.per_step) {
        if (!any_sequence) fail(m, where, "per_step needs sequence sources");
        std::size_t steps = 0, origin = 0;
        bool have_origin = false;
        for (std::size_t i = 0; i < nd.sources.size(); ++i) {
          if (src(i).sequence && src(i).steps == 0 && !have_origin) origin = src(i).origin, have_origin = true;
          steps = std::max(steps, src(i).sequence ? src(i).steps : src(i).dims[0]);
        }
        if (have_origin) steps = 0;
        set_sequence(steps, width, origin);
      } else if (any_tensor) {
        auto dims = lead0;
        dims.push_back(width);
        set_tensor(dims);
      } else {
        set_tensor({width});
      }
      break;
    }
    }
  }

  std::set<std::string> names;
  for (const auto& o : m.outputs) {
    const std::string where = "/outputs/" + o.name;
    if (!names.insert(o.name).second) fail(m, where, "output name '" + o.name + "' appears twice");
    const auto& sh = out.nodes[o.node];
    if (!sh.sequence && sh.dims.size() > 2)
      fail(m, where, "node " + num(o.node) + " is a tensor of shape " + dims_text(sh.dims) +
                         ": an output must be a vector or a sequence (flatten it with a reshape node)");
    if (o.labels.size() != sh.width)
      fail(m, where, num(o.labels.size()) + " labels for node " + num(o.node) + " of width " + num(sh.width));
    std::set<std::string> labels;
    for (const auto& l : o.labels)
      if (!labels.insert(l).second) fail(m, where, "label '" + l + "' appears twice");
  }
  for (const auto* list : {&m.inputs, &m.input_sequences}) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < list->size(); ++i)
      if (!seen.insert((*list)[i].name).second)
        fail(m, std::string(list == &m.inputs ? "/inputs/" : "/input_sequences/") + num(i),
             "input node name '" + (*list)[i].name + "' appears twice");
  }
  return out;
}

} // namespace hepnn::detail

namespace hepnn {

std::vector<std::size_t> validate(const model& m) { return detail::analyse(m).order; }

std::size_t model_cost::macs(const std::vector<std::size_t>& steps) const {
  std::size_t total = macs_fixed;
  for (std::size_t i = 0; i < macs_per_step.size() && i < steps.size(); ++i) total += macs_per_step[i] * steps[i];
  return total;
}

model_cost cost(const model& m) {
  const auto shapes = detail::analyse(m);
  model_cost c;
  c.macs_per_step.assign(m.input_sequences.size(), 0);
  auto count = [](const std::vector<double>& v) { return v.size(); };
  for (const auto& l : m.layers) {
    c.parameters += count(l.weights) + count(l.bias);
    for (const auto& [g, b] : l.components)
      c.parameters += count(b.weights) + count(b.bias) + count(b.recurrent) + count(b.recurrent_bias);
    for (const auto& b : l.sublayers) c.parameters += count(b.weights) + count(b.bias);
    for (const auto& e : l.embeddings) c.parameters += e.weights.size();
  }
  for (std::size_t n : shapes.order) {
    const node& nd = m.nodes[n];
    if (!shapes.nodes[n].reachable) continue;
    if (nd.kind != node_kind::feed_forward && nd.kind != node_kind::sequence &&
        nd.kind != node_kind::time_distributed)
      continue;
    const layer& l = m.layers[nd.layer];
    const auto& ls = shapes.layers[nd.layer];
    std::size_t macs = 0;
    switch (l.kind) {
    case layer_kind::dense: macs = l.weights.size(); break;
    case layer_kind::maxout: macs = ls.n_in * ls.n_out * l.sublayers.size(); break;
    case layer_kind::highway: macs = 2 * ls.n_in * ls.n_in; break;
    case layer_kind::lstm: macs = 4 * (ls.n_in + ls.n_out) * ls.n_out; break;
    case layer_kind::gru: macs = 3 * (ls.n_in + ls.n_out) * ls.n_out; break;
    case layer_kind::simple_rnn: macs = (ls.n_in + ls.n_out) * ls.n_out; break;
    case layer_kind::conv1d: macs = l.weights.size(); break;
    case layer_kind::conv2d: macs = l.weights.size(); break;
    case layer_kind::attention:
      for (const auto& b : l.sublayers) macs += b.weights.size();
      break;
    default: macs = 0; break;
    }
    const auto& src = shapes.nodes[nd.sources[0]];
    const auto& dst = shapes.nodes[n];
    if (src.sequence && src.steps == 0 && nd.kind != node_kind::feed_forward) {
      c.macs_per_step[src.origin] += macs;
    } else if (nd.kind == node_kind::feed_forward && src.sequence) {
      c.macs_fixed += macs;
    } else { // once per output position of a fixed shape
      const std::size_t positions = dst.sequence ? std::max<std::size_t>(dst.steps, 1) : dst.elements() / dst.width;
      c.macs_fixed += macs * positions;
    }
  }
  return c;
}

} // namespace hepnn
