// Model → plan: packs the weights for the kernels (transposed, gate blocks
// fused, rows padded), turns every reachable node into operations, and
// assigns workspace slots by liveness.

#include "model/shapes.hpp"
#include "runtime/lanes.hpp"
#include "runtime/plan.hpp"

#include "hepnn/errors.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
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
    packed_of_.assign(m_.nodes.size(), -1);
    rows_of_.assign(m_.nodes.size(), -1);
    recurrent_op_.assign(m_.nodes.size(), -1);
    // packing copies every parameter once, plus padding: reserving that
    // spares the regrowth copies (fresh pages cost dearly on a cold load)
    staging_.reserve(parameter_count() / 4 * 5 + 1024);
    find_consumers();
    for (std::size_t n : shapes_.order)
      if (shapes_.nodes[n].reachable && value_of_[n] < 0) compile_node(n);
    for (const auto& o : m_.outputs) {
      const node_shape& sh = shapes_.nodes[o.node];
      if (!sh.sequence && sh.dims.size() == 2) { // a (T, F) tensor is a sequence output of T steps
        const int seq = as_packed(o.node);
        const int last = new_value(false, sh.width, 0, -1, o.node);
        emit(op_reduce{reduce_kind::last}, {seq}, last, o.node);
        p_.outputs.push_back({o.name, o.labels, last, seq});
        continue;
      }
      output_info info{o.name, o.labels, vector_form(o.node), -1};
      if (sh.sequence) info.sequence_value = value_of_[o.node];
      p_.outputs.push_back(std::move(info));
    }
    // inputs are gathered before anything runs: their ops go first
    std::stable_partition(p_.ops.begin(), p_.ops.end(),
                          [](const op& o) { return std::holds_alternative<op_input>(o.body); });
    fuse_lanes(p_, staging_);
    assign_slots();
    auto ref = [&](int v) {
      value_ref r;
      if (v < 0) return r;
      const value_info& val = p_.values[v];
      r.slot = val.slot;
      r.ld = static_cast<std::uint32_t>(val.ld);
      r.width = static_cast<std::uint32_t>(val.width);
      r.rpe = static_cast<std::uint32_t>(val.rpe);
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
  std::vector<int> packed_of_, rows_of_; // a node's value in the other layout, once made
  std::map<int, std::size_t> gather_of_;  // value → the gather op that made it (tables compose)

  /// A table that reads from a gather's output reads from its source instead.
  int fold_gather(int src, std::vector<std::int32_t>& index) {
    auto it = gather_of_.find(src);
    if (it == gather_of_.end()) return src;
    const op& g = p_.ops[it->second];
    const auto& inner = std::get<op_gather>(g.body).index;
    for (auto& k : index)
      if (k >= 0) k = inner[static_cast<std::size_t>(k)];
    return g.in[0];
  }
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
  std::size_t parameter_count() const {
    std::size_t n = 0;
    auto block = [&](const weight_block& b) { n += b.weights.size() + b.bias.size() + b.recurrent.size() + b.recurrent_bias.size(); };
    for (const auto& l : m_.layers) {
      n += l.weights.size() + l.bias.size();
      for (const auto& c : l.components) block(c.second);
      for (const auto& b : l.sublayers) block(b);
      for (const auto& e : l.embeddings) n += e.weights.size();
    }
    return n;
  }
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
  int new_value(bool sequence, std::size_t width, std::size_t packing, int mask, std::size_t node, std::size_t rpe = 1) {
    value_info v;
    v.sequence = sequence;
    v.rpe = sequence ? 1 : rpe;
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
    return new_value(s.sequence, width, s.packing, s.mask, node, s.rpe);
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
    if (!shapes_.nodes[n].sequence) {
      if (shapes_.nodes[n].dims.size() != 1)
        fail(m_, node_where(m_, n), "a tensor of shape " + dims_text(shapes_.nodes[n].dims) + " is used as a vector: flatten it first");
      return value_of_[n];
    }
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

  /// The node as a sequence: itself, or a tensor (T, F) scanned step by step.
  int as_packed(std::size_t n) {
    const node_shape& sh = shapes_.nodes[n];
    if (sh.sequence) return value_of_[n];
    if (packed_of_[n] >= 0) return packed_of_[n];
    packing_info pi;
    pi.fixed = sh.dims[0];
    pi.node = n;
    const std::size_t packing = p_.packings.size();
    p_.packings.push_back(pi);
    const int v = new_value(true, sh.width, packing, -1, n);
    emit(op_pack{true, sh.dims[0]}, {value_of_[n]}, v, n);
    return packed_of_[n] = v;
  }
  /// The node laid out per event: itself, or a sequence of fixed length.
  int as_rows(std::size_t n) {
    const node_shape& sh = shapes_.nodes[n];
    if (!sh.sequence) return value_of_[n];
    if (rows_of_[n] >= 0) return rows_of_[n];
    const int v = new_value(false, sh.width, 0, -1, n, sh.steps);
    emit(op_pack{false, sh.steps}, {value_of_[n]}, v, n);
    return rows_of_[n] = v;
  }
  std::vector<std::size_t> fixed_dims(std::size_t n) const {
    const node_shape& sh = shapes_.nodes[n];
    return sh.sequence ? std::vector<std::size_t>{sh.steps, sh.width} : sh.dims;
  }

  /// A gather table: `source(out multi-index, in multi-index&)` says which
  /// input element feeds each output element (false: a zero).
  template <class Source>
  op_gather make_gather(const std::vector<std::size_t>& in_dims, const std::vector<std::size_t>& out_dims, const Source& source) {
    const std::size_t in_ld = padded<T>(in_dims.back()), out_ld = padded<T>(out_dims.back());
    std::size_t in_rows = 1, out_rows = 1;
    for (std::size_t a = 0; a + 1 < in_dims.size(); ++a) in_rows *= in_dims[a];
    for (std::size_t a = 0; a + 1 < out_dims.size(); ++a) out_rows *= out_dims[a];
    op_gather g;
    g.in_block = in_rows * in_ld;
    g.index.assign(out_rows * out_ld, -1);
    std::vector<std::size_t> o(out_dims.size(), 0), i(in_dims.size(), 0);
    const std::size_t total = out_rows * out_dims.back();
    for (std::size_t k = 0; k < total; ++k) {
      std::size_t rest = k;
      for (std::size_t a = out_dims.size(); a-- > 0;) o[a] = rest % out_dims[a], rest /= out_dims[a];
      if (!source(o, i)) continue;
      std::size_t row = 0;
      for (std::size_t a = 0; a + 1 < in_dims.size(); ++a) row = row * in_dims[a] + i[a];
      const std::size_t out_row = k / out_dims.back();
      g.index[out_row * out_ld + k % out_dims.back()] = static_cast<std::int32_t>(row * in_ld + i.back());
    }
    return g;
  }

  int gather_node(std::size_t n) {
    const node& nd = m_.nodes[n];
    const int src = as_rows(nd.sources[0]);
    const auto in = fixed_dims(nd.sources[0]);
    const auto& out = shapes_.nodes[n].dims;
    op_gather g;
    switch (nd.kind) {
    case node_kind::reshape:
      g = make_gather(in, out, [&](const std::vector<std::size_t>& o, std::vector<std::size_t>& i) {
        std::size_t flat = 0;
        for (std::size_t a = 0; a < o.size(); ++a) flat = flat * out[a] + o[a];
        for (std::size_t a = in.size(); a-- > 0;) i[a] = flat % in[a], flat /= in[a];
        return true;
      });
      break;
    case node_kind::permute:
      g = make_gather(in, out, [&](const std::vector<std::size_t>& o, std::vector<std::size_t>& i) {
        for (std::size_t a = 0; a < o.size(); ++a) i[nd.shape[a]] = o[a];
        return true;
      });
      break;
    case node_kind::repeat:
      g = make_gather(in, out, [&](const std::vector<std::size_t>& o, std::vector<std::size_t>& i) {
        i[0] = o[1];
        return true;
      });
      break;
    default: // zero_pad, crop
      g = make_gather(in, out, [&](const std::vector<std::size_t>& o, std::vector<std::size_t>& i) {
        for (std::size_t a = 0; a < o.size(); ++a) {
          if (a + 1 == o.size()) {
            i[a] = o[a];
            break;
          }
          const std::size_t before = nd.shape[2 * a];
          if (nd.kind == node_kind::crop) {
            i[a] = o[a] + before;
          } else {
            if (o[a] < before || o[a] - before >= in[a]) return false;
            i[a] = o[a] - before;
          }
        }
        return true;
      });
      break;
    }
    const int from = fold_gather(src, g.index);
    if (from != src) g.in_block = p_.values[from].rpe * p_.values[from].ld;
    const int v = new_value(false, out.back(), 0, -1, n, shapes_.nodes[n].elements() / out.back());
    gather_of_[v] = emit(std::move(g), {from}, v, n);
    return v;
  }

  /// conv2d, or conv1d on a fixed-length sequence: gather the windows, one product.
  int convolution(std::size_t n) {
    const node& nd = m_.nodes[n];
    const std::size_t li = nd.layer;
    const layer& l = m_.layers[li];
    const layer_shape& ls = shapes_.layers[li];
    const int src = as_rows(nd.sources[0]);
    const auto in = fixed_dims(nd.sources[0]);
    const auto& out = shapes_.nodes[n].dims;
    const bool two = l.kind == layer_kind::conv2d;
    const std::size_t kh = two ? l.window[0] : ls.kernel, kw = two ? l.window[1] : 1;
    const std::size_t sh = l.strides.empty() ? 1 : l.strides[0], sw = two && !l.strides.empty() ? l.strides[1] : 1;
    const std::size_t dh = two ? (l.dilations.empty() ? 1 : l.dilations[0]) : l.dilation;
    const std::size_t dw = two && !l.dilations.empty() ? l.dilations[1] : 1;
    const std::size_t H = in[0], W = two ? in[1] : 1, C = in.back();
    const std::size_t OH = out[0], OW = two ? out[1] : 1;
    const std::size_t before_h = plan_axis(H, kh, sh, dh, l.pad).before;
    const std::size_t before_w = two ? plan_axis(W, kw, sw, dw, l.pad).before : 0;
    const std::size_t ld_in = padded<T>(C);
    op_conv cv;
    cv.positions = OH * OW;
    cv.k = kh * kw * C;
    if (cv.positions * cv.k > (std::size_t(1) << 26))
      fail(m_, node_where(m_, n), "the convolution's window table (" + std::to_string(cv.positions) + " positions × " +
                                      std::to_string(cv.k) + ") exceeds the limit of 2^26 entries");
    cv.index.assign(cv.positions * cv.k, -1);
    for (std::size_t oh = 0; oh < OH; ++oh)
      for (std::size_t ow = 0; ow < OW; ++ow)
        for (std::size_t a = 0; a < kh; ++a)
          for (std::size_t b = 0; b < kw; ++b) {
            const std::ptrdiff_t ih = static_cast<std::ptrdiff_t>(oh * sh + a * dh) - static_cast<std::ptrdiff_t>(before_h);
            const std::ptrdiff_t iw = static_cast<std::ptrdiff_t>(ow * sw + b * dw) - static_cast<std::ptrdiff_t>(before_w);
            if (ih < 0 || iw < 0 || ih >= static_cast<std::ptrdiff_t>(H) || iw >= static_cast<std::ptrdiff_t>(W)) continue;
            const std::size_t row = static_cast<std::size_t>(ih) * W + static_cast<std::size_t>(iw);
            for (std::size_t c = 0; c < C; ++c)
              cv.index[(oh * OW + ow) * cv.k + (a * kw + b) * C + c] = static_cast<std::int32_t>(row * ld_in + c);
          }
    auto key = std::make_pair(li, std::size_t(4));
    if (!packed_.count(key)) {
      // the IR's kernels as (out × [window, in]) matrices
      std::vector<double> w(ls.n_out * cv.k);
      for (std::size_t o = 0; o < ls.n_out; ++o)
        for (std::size_t q = 0; q < kh * kw; ++q)
          for (std::size_t c = 0; c < C; ++c)
            w[o * cv.k + q * C + c] = two ? l.weights[(o * kh * kw + q) * C + c] : l.weights[(o * C + c) * ls.kernel + q];
      op_conv packed;
      packed.w = pack_gates({&w}, cv.k, ls.n_out, padded<T>(ls.n_out));
      packed.bias = pack_row(l.bias, padded<T>(ls.n_out));
      packed_[key] = std::move(packed);
    }
    cv.w = std::get<op_conv>(packed_[key]).w;
    cv.bias = std::get<op_conv>(packed_[key]).bias;
    cv.act = act_params::from(l.act);
    const int from = fold_gather(src, cv.index);
    const int v = new_value(false, ls.n_out, 0, -1, n, cv.positions);
    emit(std::move(cv), {from}, v, n, static_cast<int>(li));
    return v;
  }

  int pooling(std::size_t n) {
    const node& nd = m_.nodes[n];
    const layer& l = m_.layers[nd.layer];
    const int src = as_rows(nd.sources[0]);
    const auto in = fixed_dims(nd.sources[0]);
    const auto& out = shapes_.nodes[n].dims;
    const bool two = l.window.size() == 2;
    const std::size_t kh = l.window[0], kw = two ? l.window[1] : 1;
    const std::size_t sh = l.strides.empty() ? kh : l.strides[0], sw = two ? (l.strides.empty() ? kw : l.strides[1]) : 1;
    const std::size_t H = in[0], W = two ? in[1] : 1, OH = out[0], OW = two ? out[1] : 1;
    const std::size_t before_h = plan_axis(H, kh, sh, 1, l.pad).before, before_w = two ? plan_axis(W, kw, sw, 1, l.pad).before : 0;
    op_pool pl;
    pl.max = l.pool_max;
    pl.in_rows = H * W;
    pl.start.push_back(0);
    for (std::size_t oh = 0; oh < OH; ++oh)
      for (std::size_t ow = 0; ow < OW; ++ow) {
        for (std::size_t a = 0; a < kh; ++a)
          for (std::size_t b = 0; b < kw; ++b) {
            const std::ptrdiff_t ih = static_cast<std::ptrdiff_t>(oh * sh + a) - static_cast<std::ptrdiff_t>(before_h);
            const std::ptrdiff_t iw = static_cast<std::ptrdiff_t>(ow * sw + b) - static_cast<std::ptrdiff_t>(before_w);
            if (ih < 0 || iw < 0 || ih >= static_cast<std::ptrdiff_t>(H) || iw >= static_cast<std::ptrdiff_t>(W)) continue;
            pl.rows.push_back(static_cast<std::uint32_t>(static_cast<std::size_t>(ih) * W + static_cast<std::size_t>(iw)));
          }
        pl.start.push_back(static_cast<std::uint32_t>(pl.rows.size()));
      }
    const int v = new_value(false, in.back(), 0, -1, n, OH * OW);
    emit(std::move(pl), {src}, v, n, static_cast<int>(nd.layer));
    return v;
  }

  /// Concatenation and merges: vectors, tensors row by row, or sequences step by step.
  int join(std::size_t n, op_body body) {
    const node& nd = m_.nodes[n];
    const node_shape& sh = shapes_.nodes[n];
    std::vector<int> in;
    for (std::size_t s : nd.sources)
      in.push_back(nd.per_step ? as_packed(s) : sh.dims.size() > 1 ? as_rows(s) : vector_form(s));
    if (!nd.per_step) {
      const int v = new_value(false, sh.width, 0, -1, n, sh.dims.size() > 1 ? sh.elements() / sh.width : 1);
      emit(std::move(body), in, v, n);
      return v;
    }
    // the first variable-length source sets the packing; masks combine with AND
    std::size_t lead = 0;
    for (std::size_t k = 0; k < in.size(); ++k)
      if (p_.packings[p_.values[in[k]].packing].fixed == 0) {
        lead = k;
        break;
      }
    std::vector<int> masks;
    for (int v : in)
      if (p_.values[v].mask >= 0 && std::find(masks.begin(), masks.end(), p_.values[v].mask) == masks.end())
        masks.push_back(p_.values[v].mask);
    int mask = masks.empty() ? -1 : masks[0];
    int own = -1;
    if (masks.size() > 1) own = mask = static_cast<int>(p_.mask_count++);
    if (auto* c = std::get_if<op_concat>(&body)) c->mask = own;
    if (auto* mg = std::get_if<op_merge>(&body)) mg->mask = own;
    const int v = new_value(true, sh.width, p_.values[in[lead]].packing, mask, n);
    emit(std::move(body), in, v, n);
    return v;
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
      packing_info pi{nd.sources[0], -1, 0, n};
      pi.steps = m_.input_sequences[nd.sources[0]].steps;
      p_.packings.push_back(pi);
      value_of_[n] = new_value(true, sh.width, packing, -1, n);
      emit(op_input{nd.sources[0], true}, {}, value_of_[n], n);
      break;
    }
    case node_kind::feed_forward:
    case node_kind::time_distributed: {
      const layer_kind lk = m_.layers[nd.layer].kind;
      if (lk == layer_kind::conv2d) {
        value_of_[n] = convolution(n);
        break;
      }
      if (lk == layer_kind::pooling) {
        value_of_[n] = pooling(n);
        break;
      }
      const node_shape& s0 = shapes_.nodes[nd.sources[0]];
      const int src = nd.kind == node_kind::feed_forward && s0.sequence ? vector_form(nd.sources[0]) : value_of_[nd.sources[0]];
      if (!fuse_dense(n, src)) value_of_[n] = feed_forward(n, src);
      break;
    }
    case node_kind::sequence:
      if (!sh.sequence) value_of_[n] = convolution(n); // conv1d of a fixed length
      else value_of_[n] = sequence_layer(n, as_packed(nd.sources[0]));
      break;
    case node_kind::concatenate: value_of_[n] = join(n, op_concat{}); break;
    case node_kind::add:
    case node_kind::subtract:
    case node_kind::multiply:
    case node_kind::average:
    case node_kind::maximum:
    case node_kind::minimum: value_of_[n] = join(n, op_merge{nd.kind}); break;
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
      const int src = as_packed(nd.sources[0]);
      const value_info s = p_.values[src];
      value_of_[n] = new_value(true, s.width, s.packing, static_cast<int>(p_.mask_count++), n);
      emit(op_masking{nd.mask_value}, {src}, value_of_[n], n, -1, true);
      break;
    }
    case node_kind::reshape:
    case node_kind::permute:
    case node_kind::repeat:
    case node_kind::zero_pad:
    case node_kind::crop: value_of_[n] = gather_node(n); break;
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
    case layer_kind::layer_norm: {
      auto key = std::make_pair(li, std::size_t(0));
      if (!packed_.count(key)) {
        const std::size_t ld = padded<T>(ls.n_out);
        op_layer_norm ln;
        ln.gamma = pack_row(l.weights.empty() ? std::vector<double>(ls.n_out, 1.0) : l.weights, ld);
        ln.beta = pack_row(l.bias.empty() ? std::vector<double>(ls.n_out, 0.0) : l.bias, ld);
        ln.epsilon = l.epsilon;
        packed_[key] = ln;
      }
      emit(packed_[key], {src}, out, n, lidx, true);
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
    case layer_kind::attention: {
      const int out = like(src, ls.n_out, n);
      auto key = std::make_pair(li, std::size_t(5));
      if (!packed_.count(key)) {
        op_attention a;
        a.n_in = ls.n_in;
        a.heads = l.heads;
        a.key_dim = l.key_dim;
        const std::size_t qk = l.heads * l.key_dim, vw = l.sublayers[2].weights.size() / ls.n_in;
        a.value_dim = vw / l.heads;
        // Keras scales the query by 1/√key_dim: folded into its kernel, in double
        const double scale = 1.0 / std::sqrt(static_cast<double>(l.key_dim));
        std::vector<double> w, b;
        for (std::size_t k = 0; k < 3; ++k) {
          const auto& blk = l.sublayers[k];
          const double f = k == 0 ? scale : 1.0;
          for (double x : blk.weights) w.push_back(x * f);
          const std::size_t rows = k == 2 ? vw : qk;
          for (std::size_t i = 0; i < rows; ++i) b.push_back(blk.bias.empty() ? 0.0 : blk.bias[i] * f);
        }
        a.ldqkv = padded<T>(2 * qk + vw);
        a.wqkv = pack_gates({&w}, ls.n_in, 2 * qk + vw, a.ldqkv);
        a.bqkv = pack_row(b, a.ldqkv);
        a.wo = pack_gates({&l.sublayers[3].weights}, vw, ls.n_out, padded<T>(ls.n_out));
        a.bo = pack_row(l.sublayers[3].bias.empty() ? std::vector<double>(ls.n_out, 0.0) : l.sublayers[3].bias, padded<T>(ls.n_out));
        packed_[key] = a;
      }
      emit(packed_[key], {src}, out, n, lidx);
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
    r.aligned_output = l.aligned_output;
    r.zero_masked = l.zero_masked;
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
    auto grow = [&](slot_info& s, const value_info& v) {
      s.ld = std::max(s.ld, v.ld);
      s.per_event = std::max(s.per_event, v.rpe * v.ld);
    };
    auto take = [&](int value) {
      value_info& v = p_.values[value];
      for (std::size_t k = 0; k < free_slots.size(); ++k) {
        slot_info& s = p_.slots[free_slots[k]];
        if (!same_class(s, v)) continue;
        v.slot = free_slots[k];
        grow(s, v);
        free_slots.erase(free_slots.begin() + static_cast<std::ptrdiff_t>(k));
        return;
      }
      p_.slots.push_back({v.sequence, v.packing, v.ld, v.rpe * v.ld});
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
            grow(p_.slots[val.slot], val);
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

/// Plan ids, one counter for both precisions: a workspace remembers the id of
/// the plan it was laid out for, and may serve a float and a double network.
std::atomic<std::uint64_t> next_plan_id{1};

} // namespace

template <typename T> std::shared_ptr<const plan<T>> compile(const model& m, const compile_settings& s) {
  auto p = std::make_shared<plan<T>>();
  p->id = next_plan_id++;
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
        prep.prepared_default.push_back((prep.fallback.back() + v.offset) * v.scale);
      }
      prep.count = node.variables.size();
      for (std::size_t k = prep.count; k < prep.count * prepare_period; ++k) {
        prep.offset.push_back(prep.offset[k - prep.count]);
        prep.scale.push_back(prep.scale[k - prep.count]);
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
