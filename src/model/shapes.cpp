#include "model/shapes.hpp"

#include "hepnn/errors.hpp"

#include <set>
#include <string>

namespace hepnn::detail {
namespace {

std::string num(std::size_t v) { return std::to_string(v); }

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
  case layer_kind::conv1d: {
    if (l.bias.empty()) fail(m, where, "bias is empty (it gives the number of filters)");
    s.n_out = l.bias.size();
    if (n_in == 0) fail(m, where, "the layer input has width 0");
    const std::size_t per_tap = n_in * s.n_out;
    if (l.weights.empty() || l.weights.size() % per_tap != 0)
      fail(m, where, "weights has " + num(l.weights.size()) + " values, not a positive multiple of " +
                         num(per_tap) + " (inputs " + num(n_in) + " × filters " + num(s.n_out) + ")");
    s.kernel = l.weights.size() / per_tap;
    if (l.dilation == 0) fail(m, where, "dilation_rate must be at least 1");
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
    case node_kind::max_pool: source_count(1); break;
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
  case layer_kind::prelu: return true;
  default: return false;
  }
}

bool is_sequence_layer(layer_kind k) noexcept {
  switch (k) {
  case layer_kind::lstm:
  case layer_kind::gru:
  case layer_kind::simple_rnn:
  case layer_kind::conv1d:
  case layer_kind::embedding: return true;
  default: return false;
  }
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
    auto need_sequence = [&](std::size_t i) {
      if (!src(i).sequence)
        fail(m, where, "source node " + num(nd.sources[i]) + " is a vector, this node needs a sequence");
    };
    auto apply_layer = [&](std::size_t n_in) {
      const layer& l = m.layers[nd.layer];
      const bool ff = nd.kind != node_kind::sequence;
      if (ff && !is_feed_forward(l.kind))
        fail(m, where, "layer " + num(nd.layer) + " is a " + std::string(to_string(l.kind)) +
                           " layer, which needs a 'sequence' node");
      if (!ff && !is_sequence_layer(l.kind))
        fail(m, where, "layer " + num(nd.layer) + " is a " + std::string(to_string(l.kind)) +
                           " layer, which cannot run as a 'sequence' node");
      layer_shape& ls = out.layers[nd.layer];
      if (ls.used) {
        if (ls.n_in != n_in)
          fail(m, where, "shares layer " + num(nd.layer) + " with a node of input width " + num(ls.n_in) +
                             ", but its own input has width " + num(n_in));
      } else {
        ls = layer_shape_for(m, nd.layer, n_in);
      }
      return ls.n_out;
    };
    switch (nd.kind) {
    case node_kind::input:
    case node_kind::input_sequence: {
      const auto& in = (nd.kind == node_kind::input ? m.inputs : m.input_sequences)[nd.sources[0]];
      if (nd.size != 0 && nd.size != in.variables.size())
        fail(m, where, "size " + num(nd.size) + " differs from the " + num(in.variables.size()) +
                           " variables of input '" + in.name + "'");
      sh.sequence = nd.kind == node_kind::input_sequence;
      sh.width = in.variables.size();
      sh.origin = nd.sources[0];
      break;
    }
    case node_kind::feed_forward: sh.width = apply_layer(src(0).width); break;
    case node_kind::time_distributed:
    case node_kind::sequence:
      need_sequence(0);
      sh.sequence = true;
      sh.origin = src(0).origin;
      sh.width = apply_layer(src(0).width);
      break;
    case node_kind::masking:
      need_sequence(0);
      sh = src(0);
      sh.reachable = out.nodes[n].reachable;
      break;
    case node_kind::sum:
    case node_kind::mean:
    case node_kind::max_pool:
      need_sequence(0);
      sh.width = src(0).width;
      break;
    case node_kind::concatenate:
      for (std::size_t i = 0; i < nd.sources.size(); ++i) sh.width += src(i).width;
      break;
    default:
      if (!is_merge(nd.kind)) break;
      sh.width = src(0).width;
      for (std::size_t i = 1; i < nd.sources.size(); ++i)
        if (src(i).width != sh.width)
          fail(m, where, "source node " + num(nd.sources[i]) + " has width " + num(src(i).width) +
                             ", source node " + num(nd.sources[0]) + " has width " + num(sh.width));
      break;
    }
  }

  std::set<std::string> names;
  for (const auto& o : m.outputs) {
    const std::string where = "/outputs/" + o.name;
    if (!names.insert(o.name).second) fail(m, where, "output name '" + o.name + "' appears twice");
    const auto& sh = out.nodes[o.node];
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
    default: macs = 0; break;
    }
    if (shapes.nodes[nd.sources[0]].sequence && nd.kind != node_kind::feed_forward)
      c.macs_per_step[shapes.nodes[nd.sources[0]].origin] += macs;
    else
      c.macs_fixed += macs;
  }
  return c;
}

} // namespace hepnn
