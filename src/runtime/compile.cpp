// Model → plan: packs the weights for the kernels (transposed, gate blocks
// fused, rows padded), turns every reachable node into operations, and
// assigns workspace slots by liveness.

#include "model/shapes.hpp"
#include "runtime/plan.hpp"

#include "hepnn/errors.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <limits>
#include <map>
#include <new>

namespace hepnn::detail {

template <typename T> void aligned_delete<T>::operator()(T* p) const noexcept { ::operator delete[](p, std::align_val_t{64}); }

template <typename T> aligned_array<T> make_aligned(std::size_t n) {
  T* p = static_cast<T*>(::operator new[](std::max<std::size_t>(n, 1) * sizeof(T), std::align_val_t{64}));
  std::fill(p, p + std::max<std::size_t>(n, 1), T{});
  return aligned_array<T>(p);
}

namespace {

template <typename T> class compiler {
public:
  compiler(const model& m, plan<T>& p) : m_(m), p_(p), shapes_(analyse(m)) {}

  void run() {
    value_of_.assign(m_.nodes.size(), -1);
    vector_of_.assign(m_.nodes.size(), -1);
    recurrent_op_.assign(m_.nodes.size(), -1);
    find_consumers();
    for (std::size_t n : shapes_.order)
      if (shapes_.nodes[n].reachable && value_of_[n] < 0) compile_node(n);
    for (const auto& o : m_.outputs) {
      output_info info{o.name, o.labels, vector_form(o.node), -1};
      if (shapes_.nodes[o.node].sequence) info.sequence_value = value_of_[o.node];
      p_.outputs.push_back(std::move(info));
    }
    // inputs are gathered before anything runs: their ops go first
    std::stable_partition(p_.ops.begin(), p_.ops.end(),
                          [](const op& o) { return std::holds_alternative<op_input>(o.body); });
    assign_slots();
    auto ref = [&](int v) {
      value_ref r;
      if (v < 0) return r;
      const value_info& val = p_.values[v];
      r.slot = val.slot;
      r.ld = static_cast<std::uint32_t>(val.ld);
      r.width = static_cast<std::uint32_t>(val.width);
      r.packing = val.sequence ? static_cast<std::int32_t>(val.packing) : -1;
      return r;
    };
    for (auto& o : p_.ops) {
      o.x = ref(o.in.empty() ? -1 : o.in[0]);
      o.y = ref(o.out);
    }
    p_.mask_packing.assign(p_.mask_count, 0);
    for (const auto& v : p_.values)
      if (v.mask >= 0) p_.mask_packing[static_cast<std::size_t>(v.mask)] = v.packing;
    p_.vector_inputs.resize(p_.inputs.size());
    p_.sequence_inputs.resize(p_.input_sequences.size());
    for (const auto& o : p_.ops)
      if (auto* in = std::get_if<op_input>(&o.body); in && p_.values[o.out].slot >= 0)
        (in->sequence ? p_.sequence_inputs : p_.vector_inputs)[in->index].push_back(o.out);
    p_.arena_size = staging_.size();
    p_.arena = make_aligned<T>(staging_.size());
    std::copy(staging_.begin(), staging_.end(), p_.arena.get());
  }

private:
  const model& m_;
  plan<T>& p_;
  model_shapes shapes_;
  std::vector<T> staging_;
  std::vector<int> value_of_, vector_of_, recurrent_op_;
  std::map<std::pair<std::size_t, std::size_t>, op_body> packed_; // (layer, kind tag) → packed body
  std::vector<std::vector<std::size_t>> consumers_;
  std::vector<bool> is_output_;

  void find_consumers() {
    consumers_.assign(m_.nodes.size(), {});
    is_output_.assign(m_.nodes.size(), false);
    for (const auto& o : m_.outputs) is_output_[o.node] = true;
    for (std::size_t n = 0; n < m_.nodes.size(); ++n) {
      const node& nd = m_.nodes[n];
      if (!shapes_.nodes[n].reachable || nd.kind == node_kind::input || nd.kind == node_kind::input_sequence) continue;
      for (std::size_t s : nd.sources) consumers_[s].push_back(n);
    }
  }

  /// The only consumer of `n` if it is a same-rank layer node of kind `k`
  /// and `n` is not an output; otherwise npos.
  std::size_t sole_layer_consumer(std::size_t n, layer_kind k) const {
    const std::size_t none = std::numeric_limits<std::size_t>::max();
    if (is_output_[n] || consumers_[n].size() != 1) return none;
    const std::size_t c = consumers_[n][0];
    const node& nc = m_.nodes[c];
    if (nc.kind != m_.nodes[n].kind) return none; // feed_forward→feed_forward or time_distributed→time_distributed
    return m_.layers[nc.layer].kind == k ? c : none;
  }

  /// A dense op from a row-major n_out × n_in matrix and a bias (either may be absent).
  op_dense make_dense(const std::vector<double>* w, const std::vector<double>* b, std::size_t n_in, std::size_t n_out,
                      const activation& act) {
    op_dense d;
    d.n_in = n_in;
    d.has_matrix = w != nullptr;
    d.has_bias = b != nullptr;
    if (w) d.w = pack_dense(*w, n_in, n_out);
    d.ldw = dense_stride(n_out);
    if (b) d.bias = pack_row(*b, padded<T>(n_out));
    d.act = act_params::from(act);
    d.fused_relu = d.has_matrix && d.act.is_plain_relu();
    return d;
  }

  /// dense(linear) → normalization [→ activation-only dense] becomes one
  /// dense layer: W' = diag(w)·W, b' = w ⊙ (b + shift), computed in double.
  bool fuse_dense(std::size_t n, int src) {
    const layer& l = m_.layers[m_.nodes[n].layer];
    if (l.kind != layer_kind::dense || l.weights.empty() || l.act.function != activation_function::linear) return false;
    const std::size_t none = std::numeric_limits<std::size_t>::max();
    const std::size_t norm = sole_layer_consumer(n, layer_kind::normalization);
    if (norm == none) return false;
    std::size_t last = norm;
    activation act = l.act;
    if (std::size_t a = sole_layer_consumer(norm, layer_kind::dense); a != none) {
      const layer& al = m_.layers[m_.nodes[a].layer];
      if (al.weights.empty() && al.bias.empty()) {
        act = al.act;
        last = a;
      }
    }
    const layer& nl = m_.layers[m_.nodes[norm].layer];
    const layer_shape& ls = shapes_.layers[m_.nodes[n].layer];
    std::vector<double> w(l.weights.size()), b(ls.n_out);
    for (std::size_t o = 0; o < ls.n_out; ++o) {
      for (std::size_t i = 0; i < ls.n_in; ++i) w[o * ls.n_in + i] = nl.weights[o] * l.weights[o * ls.n_in + i];
      b[o] = nl.weights[o] * ((l.bias.empty() ? 0.0 : l.bias[o]) + nl.bias[o]);
    }
    const op_dense d = make_dense(&w, &b, ls.n_in, ls.n_out, act);
    const int out = like(src, ls.n_out, last);
    emit(d, {src}, out, last, static_cast<int>(m_.nodes[n].layer));
    value_of_[n] = value_of_[norm] = value_of_[last] = out;
    return true;
  }

  // ---- weight packing ----------------------------------------------------
  std::size_t begin_block() {
    staging_.resize(round_up(staging_.size(), row_align<T>), T(0));
    return staging_.size();
  }
  /// A row of `values`, zero padded to `ld`.
  std::size_t pack_row(const std::vector<double>& values, std::size_t ld, std::size_t at = 0,
                       std::size_t block = std::numeric_limits<std::size_t>::max()) {
    std::size_t off = block == std::numeric_limits<std::size_t>::max() ? begin_block() : block;
    if (block == std::numeric_limits<std::size_t>::max()) staging_.resize(off + ld, T(0));
    for (std::size_t i = 0; i < values.size(); ++i) staging_[off + at + i] = static_cast<T>(values[i]);
    return off;
  }
  /// Transposes row-major n_out × n_in matrices (one per gate) into
  /// n_in × (gates·ld): gate g occupies columns [g·ld, g·ld + n_out).
  std::size_t pack_gates(const std::vector<const std::vector<double>*>& mats, std::size_t n_in, std::size_t n_out,
                         std::size_t ld) {
    std::size_t off = begin_block();
    const std::size_t cols = mats.size() * ld;
    staging_.resize(off + n_in * cols, T(0));
    for (std::size_t g = 0; g < mats.size(); ++g)
      for (std::size_t o = 0; o < n_out; ++o)
        for (std::size_t i = 0; i < n_in; ++i)
          staging_[off + i * cols + g * ld + o] = static_cast<T>((*mats[g])[o * n_in + i]);
    return off;
  }
  /// A dense layer's transposed matrix with rows only 16-byte aligned
  /// (stride round_up(n_out, 16 bytes)): a single event streams about 10 %
  /// fewer bytes than with 64-byte rows. The kernels still compute whole
  /// vectors, reading into the next row for the don't-care padding lanes, so
  /// a vector of slack follows the matrix.
  std::size_t pack_dense(const std::vector<double>& w, std::size_t n_in, std::size_t n_out) {
    const std::size_t off = pack_gates({&w}, n_in, n_out, dense_stride(n_out));
    staging_.resize(staging_.size() + row_align<T>, T(0));
    return off;
  }
  static std::size_t dense_stride(std::size_t n_out) { return round_up(n_out, 16 / sizeof(T)); }

  std::size_t pack_biases(const std::vector<const std::vector<double>*>& rows, std::size_t ld) {
    std::size_t off = begin_block();
    staging_.resize(off + rows.size() * ld, T(0));
    for (std::size_t g = 0; g < rows.size(); ++g)
      if (rows[g])
        for (std::size_t i = 0; i < rows[g]->size(); ++i) staging_[off + g * ld + i] = static_cast<T>((*rows[g])[i]);
    return off;
  }

  // ---- values and ops ----------------------------------------------------
  int new_value(bool sequence, std::size_t width, std::size_t packing, int mask, std::size_t node) {
    value_info v;
    v.sequence = sequence;
    v.width = width;
    v.ld = padded<T>(std::max<std::size_t>(width, 1));
    v.packing = packing;
    v.mask = mask;
    v.node = node;
    p_.values.push_back(v);
    return static_cast<int>(p_.values.size() - 1);
  }
  int like(int src, std::size_t width, std::size_t node) {
    const value_info& s = p_.values[src];
    return new_value(s.sequence, width, s.packing, s.mask, node);
  }
  std::size_t emit(op_body body, std::vector<int> in, int out, std::size_t node, int layer = -1, bool in_place = false) {
    op o;
    o.body = std::move(body);
    o.in = std::move(in);
    o.out = out;
    o.node = node;
    o.layer = layer;
    o.in_place = in_place;
    p_.ops.push_back(std::move(o));
    return p_.ops.size() - 1;
  }

  /// The node as a vector: itself, the last state of a recurrent scan, or
  /// the last step of another sequence (lwtnn semantics).
  int vector_form(std::size_t n) {
    if (!shapes_.nodes[n].sequence) return value_of_[n];
    if (vector_of_[n] >= 0) return vector_of_[n];
    const int seq = value_of_[n];
    const int v = new_value(false, p_.values[seq].width, 0, -1, n);
    if (recurrent_op_[n] >= 0) {
      std::get<op_recurrent>(p_.ops[recurrent_op_[n]].body).final_value = v;
    } else {
      emit(op_reduce{reduce_kind::last}, {seq}, v, n);
    }
    return vector_of_[n] = v;
  }

  void compile_node(std::size_t n) {
    const node& nd = m_.nodes[n];
    const node_shape& sh = shapes_.nodes[n];
    switch (nd.kind) {
    case node_kind::input:
      value_of_[n] = new_value(false, sh.width, 0, -1, n);
      emit(op_input{nd.sources[0], false}, {}, value_of_[n], n);
      break;
    case node_kind::input_sequence: {
      std::size_t packing = p_.packings.size();
      p_.packings.push_back({nd.sources[0], -1, 0, n});
      value_of_[n] = new_value(true, sh.width, packing, -1, n);
      emit(op_input{nd.sources[0], true}, {}, value_of_[n], n);
      break;
    }
    case node_kind::feed_forward:
    case node_kind::time_distributed: {
      const int src = nd.kind == node_kind::feed_forward ? vector_form(nd.sources[0]) : value_of_[nd.sources[0]];
      if (!fuse_dense(n, src)) value_of_[n] = feed_forward(n, src);
      break;
    }
    case node_kind::sequence: value_of_[n] = sequence_layer(n, value_of_[nd.sources[0]]); break;
    case node_kind::concatenate: {
      std::vector<int> in;
      for (std::size_t s : nd.sources) in.push_back(vector_form(s));
      value_of_[n] = new_value(false, sh.width, 0, -1, n);
      emit(op_concat{}, in, value_of_[n], n);
      break;
    }
    case node_kind::add:
    case node_kind::subtract:
    case node_kind::multiply:
    case node_kind::average:
    case node_kind::maximum:
    case node_kind::minimum: {
      std::vector<int> in;
      for (std::size_t s : nd.sources) in.push_back(vector_form(s));
      value_of_[n] = new_value(false, sh.width, 0, -1, n);
      emit(op_merge{nd.kind}, in, value_of_[n], n);
      break;
    }
    case node_kind::sum:
    case node_kind::mean:
    case node_kind::max_pool: {
      reduce_kind k = nd.kind == node_kind::sum ? reduce_kind::sum
                      : nd.kind == node_kind::mean ? reduce_kind::mean
                                                   : reduce_kind::max;
      value_of_[n] = new_value(false, sh.width, 0, -1, n);
      emit(op_reduce{k}, {value_of_[nd.sources[0]]}, value_of_[n], n);
      break;
    }
    case node_kind::masking: {
      const int src = value_of_[nd.sources[0]];
      const value_info s = p_.values[src];
      value_of_[n] = new_value(true, s.width, s.packing, static_cast<int>(p_.mask_count++), n);
      emit(op_masking{nd.mask_value}, {src}, value_of_[n], n, -1, true);
      break;
    }
    }
  }

  int feed_forward(std::size_t n, int src) {
    const std::size_t li = m_.nodes[n].layer;
    const layer& l = m_.layers[li];
    const layer_shape& ls = shapes_.layers[li];
    const int out = like(src, ls.n_out, n);
    const int lidx = static_cast<int>(li);
    switch (l.kind) {
    case layer_kind::dense: {
      auto key = std::make_pair(li, std::size_t(0));
      if (!packed_.count(key)) {
        packed_[key] = make_dense(l.weights.empty() ? nullptr : &l.weights, l.bias.empty() ? nullptr : &l.bias, ls.n_in,
                                  ls.n_out, l.act);
      }
      const auto& d = std::get<op_dense>(packed_[key]);
      emit(d, {src}, out, n, lidx, !d.has_matrix);
      break;
    }
    case layer_kind::normalization: {
      auto key = std::make_pair(li, std::size_t(0));
      if (!packed_.count(key)) {
        // lwtnn: y = w ⊙ (x + b); folded here (in double) to y = w ⊙ x + w ⊙ b
        std::vector<double> shift(l.weights.size());
        for (std::size_t i = 0; i < shift.size(); ++i) shift[i] = l.weights[i] * l.bias[i];
        const std::size_t ld = padded<T>(ls.n_out);
        op_affine a;
        a.scale = pack_row(l.weights, ld);
        a.shift = pack_row(shift, ld);
        packed_[key] = a;
      }
      emit(packed_[key], {src}, out, n, lidx, true);
      break;
    }
    case layer_kind::prelu: {
      auto key = std::make_pair(li, std::size_t(0));
      if (!packed_.count(key)) packed_[key] = op_prelu{pack_row(l.weights, padded<T>(ls.n_out))};
      emit(packed_[key], {src}, out, n, lidx, true);
      break;
    }
    case layer_kind::maxout: {
      auto key = std::make_pair(li, std::size_t(0));
      if (!packed_.count(key)) {
        op_maxout mo;
        mo.n_in = ls.n_in;
        mo.parts = l.sublayers.size();
        const std::size_t ld = padded<T>(ls.n_out);
        std::vector<const std::vector<double>*> mats, biases;
        for (const auto& s : l.sublayers) {
          mats.push_back(&s.weights);
          biases.push_back(s.bias.empty() ? nullptr : &s.bias);
        }
        mo.w = pack_gates(mats, ls.n_in, ls.n_out, ld);
        mo.bias = pack_biases(biases, ld);
        packed_[key] = mo;
      }
      emit(packed_[key], {src}, out, n, lidx);
      break;
    }
    case layer_kind::highway: {
      auto key = std::make_pair(li, std::size_t(0));
      if (!packed_.count(key)) {
        op_highway hw;
        hw.n_in = ls.n_in;
        const std::size_t ld = padded<T>(ls.n_out);
        const auto& t = l.components.at(gate::t);
        const auto& c = l.components.at(gate::carry);
        hw.w = pack_gates({&t.weights, &c.weights}, ls.n_in, ls.n_out, ld);
        hw.bias = pack_biases({t.bias.empty() ? nullptr : &t.bias, c.bias.empty() ? nullptr : &c.bias}, ld);
        hw.act = act_params::from(l.act);
        packed_[key] = hw;
      }
      emit(packed_[key], {src}, out, n, lidx);
      break;
    }
    default: fail(m_, node_where(m_, n), "internal error: not a feed-forward layer");
    }
    return out;
  }

  int sequence_layer(std::size_t n, int src) {
    const std::size_t li = m_.nodes[n].layer;
    const layer& l = m_.layers[li];
    const layer_shape& ls = shapes_.layers[li];
    const int lidx = static_cast<int>(li);
    switch (l.kind) {
    case layer_kind::lstm:
    case layer_kind::gru:
    case layer_kind::simple_rnn: {
      const int out = like(src, ls.n_out, n);
      auto key = std::make_pair(li, std::size_t(1));
      if (!packed_.count(key)) packed_[key] = pack_recurrent(l, ls);
      recurrent_op_[n] = static_cast<int>(emit(packed_[key], {src}, out, n, lidx));
      return out;
    }
    case layer_kind::conv1d: {
      const value_info s = p_.values[src];
      op_conv1d cv;
      cv.n_in = ls.n_in;
      cv.kernel = ls.kernel;
      cv.dilation = l.dilation;
      const std::size_t span = (ls.kernel - 1) * l.dilation;
      std::size_t packing = s.packing;
      if (l.pad == padding::valid && span > 0) {
        packing = p_.packings.size();
        p_.packings.push_back({p_.packings[s.packing].input, static_cast<int>(s.packing), span, n});
      }
      // TensorFlow's 'same' puts the odd zero on the right (lwtnn puts it left: Q10)
      cv.left = l.pad == padding::causal ? span : l.pad == padding::same ? span / 2 : 0;
      cv.act = act_params::from(l.act);
      auto key = std::make_pair(li, std::size_t(2));
      if (!packed_.count(key)) {
        const std::size_t ld = padded<T>(ls.n_out);
        std::vector<std::vector<double>> taps(ls.kernel, std::vector<double>(ls.n_out * ls.n_in));
        for (std::size_t o = 0; o < ls.n_out; ++o)
          for (std::size_t i = 0; i < ls.n_in; ++i)
            for (std::size_t k = 0; k < ls.kernel; ++k)
              taps[k][o * ls.n_in + i] = l.weights[o * ls.n_in * ls.kernel + i * ls.kernel + k];
        std::size_t first = 0;
        for (std::size_t k = 0; k < ls.kernel; ++k) {
          std::size_t off = pack_gates({&taps[k]}, ls.n_in, ls.n_out, ld);
          if (k == 0) first = off;
        }
        op_conv1d packed = cv;
        packed.w = first;
        packed.bias = pack_row(l.bias, ld);
        packed_[key] = packed;
      }
      cv.w = std::get<op_conv1d>(packed_[key]).w;
      cv.bias = std::get<op_conv1d>(packed_[key]).bias;
      const int out = new_value(true, ls.n_out, packing, packing == s.packing ? s.mask : -1, n);
      if (packing != s.packing && s.mask >= 0)
        fail(m_, node_where(m_, n), "a 'valid' convolution of a masked sequence is not supported");
      emit(cv, {src}, out, n, lidx);
      return out;
    }
    case layer_kind::embedding: {
      const int out = like(src, ls.n_out, n);
      auto key = std::make_pair(li, std::size_t(3));
      if (!packed_.count(key)) packed_[key] = pack_embedding(n, l, ls);
      emit(packed_[key], {src}, out, n, lidx);
      return out;
    }
    default: fail(m_, node_where(m_, n), "internal error: not a sequence layer");
    }
  }

  op_recurrent pack_recurrent(const layer& l, const layer_shape& ls) {
    op_recurrent r;
    r.n_in = ls.n_in;
    r.units = ls.n_out;
    r.ldu = padded<T>(ls.n_out);
    r.go_backwards = l.go_backwards;
    r.act = act_params::from(l.act);
    r.inner = act_params::from(l.inner_act);
    auto g = [&](gate x) -> const weight_block& { return l.components.at(x); };
    auto bias = [](const weight_block& b) { return b.bias.empty() ? nullptr : &b.bias; };
    if (l.kind == layer_kind::lstm) {
      r.kind = rnn_kind::lstm;
      r.w = pack_gates({&g(gate::i).weights, &g(gate::f).weights, &g(gate::c).weights, &g(gate::o).weights}, r.n_in,
                       r.units, r.ldu);
      r.u = pack_gates({&g(gate::i).recurrent, &g(gate::f).recurrent, &g(gate::c).recurrent, &g(gate::o).recurrent},
                       r.units, r.units, r.ldu);
      r.bias = pack_biases({bias(g(gate::i)), bias(g(gate::f)), bias(g(gate::c)), bias(g(gate::o))}, r.ldu);
    } else if (l.kind == layer_kind::gru) {
      r.kind = rnn_kind::gru;
      r.reset_after = l.reset_after;
      r.w = pack_gates({&g(gate::z).weights, &g(gate::r).weights, &g(gate::h).weights}, r.n_in, r.units, r.ldu);
      if (l.reset_after) {
        // z and r add their recurrent bias directly: fold it into the input bias
        std::vector<double> bz(r.units, 0.0), br(r.units, 0.0);
        for (std::size_t i = 0; i < r.units; ++i) {
          auto at = [&](const weight_block& b, const std::vector<double>& v) {
            return (b.bias.empty() ? 0.0 : b.bias[i]) + (v.empty() ? 0.0 : v[i]);
          };
          bz[i] = at(g(gate::z), g(gate::z).recurrent_bias);
          br[i] = at(g(gate::r), g(gate::r).recurrent_bias);
        }
        r.u = pack_gates({&g(gate::z).recurrent, &g(gate::r).recurrent, &g(gate::h).recurrent}, r.units, r.units, r.ldu);
        r.bias = pack_biases({&bz, &br, bias(g(gate::h))}, r.ldu);
        const auto& bh = g(gate::h).recurrent_bias;
        r.rbias = pack_biases({nullptr, nullptr, bh.empty() ? nullptr : &bh}, r.ldu);
      } else {
        r.u = pack_gates({&g(gate::z).recurrent, &g(gate::r).recurrent}, r.units, r.units, r.ldu);
        r.u_h = pack_gates({&g(gate::h).recurrent}, r.units, r.units, r.ldu);
        r.bias = pack_biases({bias(g(gate::z)), bias(g(gate::r)), bias(g(gate::h))}, r.ldu);
      }
    } else {
      r.kind = rnn_kind::simple;
      r.w = pack_gates({&g(gate::h).weights}, r.n_in, r.units, r.ldu);
      r.u = pack_gates({&g(gate::h).recurrent}, r.units, r.units, r.ldu);
      r.bias = pack_biases({bias(g(gate::h))}, r.ldu);
    }
    return r;
  }

  op_embedding pack_embedding(std::size_t n, const layer& l, const layer_shape& ls) {
    op_embedding e;
    for (std::size_t i = 0; i < ls.n_in; ++i) e.features.push_back({i, -1, 0});
    for (std::size_t t = 0; t < l.embeddings.size(); ++t) {
      const auto& tab = l.embeddings[t];
      const auto f = e.features[tab.index];
      if (f.table >= 0)
        fail(m_, layer_where(m_, m_.nodes[n].layer),
             "sublayers/" + std::to_string(t) + " embeds a feature that an earlier sublayer produced");
      op_embedding::table packed{begin_block(), tab.n_out, tab.weights.size() / tab.n_out};
      staging_.insert(staging_.end(), tab.weights.begin(), tab.weights.end());
      e.tables.push_back(packed);
      std::vector<op_embedding::feature> repl;
      for (std::size_t c = 0; c < tab.n_out; ++c) repl.push_back({f.source, static_cast<int>(t), c});
      e.features.erase(e.features.begin() + tab.index);
      e.features.insert(e.features.begin() + tab.index, repl.begin(), repl.end());
    }
    return e;
  }

  // ---- workspace slots ---------------------------------------------------
  void assign_slots() {
    const std::size_t never = std::numeric_limits<std::size_t>::max();
    std::vector<std::size_t> last_use(p_.values.size(), 0);
    std::vector<bool> read(p_.values.size(), false);
    for (std::size_t i = 0; i < p_.ops.size(); ++i)
      for (int v : p_.ops[i].in) last_use[v] = i, read[v] = true;
    for (const auto& o : p_.outputs) {
      for (int v : {o.vector_value, o.sequence_value})
        if (v >= 0) last_use[v] = never, read[v] = true;
    }
    std::vector<int> free_slots;
    auto same_class = [&](const slot_info& s, const value_info& v) {
      return s.sequence == v.sequence && (!v.sequence || s.packing == v.packing);
    };
    auto take = [&](int value) {
      value_info& v = p_.values[value];
      for (std::size_t k = 0; k < free_slots.size(); ++k) {
        slot_info& s = p_.slots[free_slots[k]];
        if (!same_class(s, v)) continue;
        v.slot = free_slots[k];
        s.ld = std::max(s.ld, v.ld);
        free_slots.erase(free_slots.begin() + static_cast<std::ptrdiff_t>(k));
        return;
      }
      p_.slots.push_back({v.sequence, v.packing, v.ld});
      v.slot = static_cast<int>(p_.slots.size() - 1);
    };
    for (std::size_t i = 0; i < p_.ops.size(); ++i) {
      op& o = p_.ops[i];
      std::vector<int> outs{o.out};
      if (auto* r = std::get_if<op_recurrent>(&o.body); r && r->final_value >= 0) outs.push_back(r->final_value);
      for (int v : outs) {
        if (!read[v]) continue; // never read: the op skips it
        value_info& val = p_.values[v];
        if (o.in_place && v == o.out && !o.in.empty()) {
          const value_info& src = p_.values[o.in[0]];
          if (last_use[o.in[0]] == i && src.slot >= 0 && same_class(p_.slots[src.slot], val)) {
            val.slot = src.slot;
            p_.slots[val.slot].ld = std::max(p_.slots[val.slot].ld, val.ld);
            last_use[o.in[0]] = never - 1; // its slot lives on as `v`
            continue;
          }
          o.in_place = false;
        } else if (v == o.out) {
          o.in_place = false;
        }
        take(v);
      }
      for (std::size_t k = 0; k < o.in.size(); ++k) {
        int v = o.in[k];
        bool first = std::find(o.in.begin(), o.in.begin() + static_cast<std::ptrdiff_t>(k), v) ==
                     o.in.begin() + static_cast<std::ptrdiff_t>(k);
        if (first && last_use[v] == i && p_.values[v].slot >= 0) free_slots.push_back(p_.values[v].slot);
      }
    }
  }
};

} // namespace

template <typename T> std::shared_ptr<const plan<T>> compile(const model& m, const compile_settings& s) {
  static std::atomic<std::uint64_t> next_id{1};
  auto p = std::make_shared<plan<T>>();
  p->id = next_id++;
  p->source = m.source;
  p->inputs = m.inputs;
  p->input_sequences = m.input_sequences;
  for (const auto* list : {&m.inputs, &m.input_sequences}) {
    auto& preps = list == &m.inputs ? p->vector_prep : p->sequence_prep;
    for (const auto& node : *list) {
      input_prep prep;
      for (const auto& v : node.variables) {
        prep.offset.push_back(v.offset);
        prep.scale.push_back(v.scale);
        prep.fallback.push_back(v.default_value.value_or(0.0));
        prep.has_default.push_back(v.default_value.has_value());
      }
      preps.push_back(std::move(prep));
    }
  }
  p->replace_defaults = s.replace_defaults;
  p->nan_is_error = s.nan_is_error;
  p->batch_tile = std::max<std::size_t>(s.batch_tile, 1);
  p->kernels = &kernels<T>();
  if (!s.isa.empty()) {
    p->kernels = nullptr;
    for (std::size_t i = 0; i < kernel_count<T>(); ++i)
      if (s.isa == kernels_at<T>(i).isa) p->kernels = &kernels_at<T>(i);
    if (!p->kernels) throw config_error("instruction set '" + s.isa + "' is not available on this CPU");
  }
  compiler<T>(m, *p).run();
  return p;
}

template struct aligned_delete<float>;
template struct aligned_delete<double>;
template struct aligned_delete<std::byte>;
template aligned_array<float> make_aligned<float>(std::size_t);
template aligned_array<double> make_aligned<double>(std::size_t);
template aligned_array<std::byte> make_aligned<std::byte>(std::size_t);
template std::shared_ptr<const plan<float>> compile<float>(const model&, const compile_settings&);
template std::shared_ptr<const plan<double>> compile<double>(const model&, const compile_settings&);

} // namespace hepnn::detail
