#include "runtime/lanes.hpp"

#include "runtime/execute.hpp"

#include <algorithm>
#include <cstring>
#include <map>

namespace hepnn::detail {
namespace {

/// Tensors larger than this stay on the row engine: a group's two buffers
/// (elements × lanes each) should stay within L2.
constexpr std::size_t max_lane_elements = std::size_t(1) << 15;
/// Past the last element: vector slack for the one-event form, then the zero element.
constexpr std::size_t lane_slack = 64;

/// A fixed-length sequence laid out per event: the lane engine reads the
/// time-major rows directly (only ever a chain's first op).
bool unpacks(const op& o) {
  auto* pk = std::get_if<op_pack>(&o.body);
  return pk && !pk->to_sequence;
}

bool lane_capable(const op& o, const std::vector<value_info>& values) {
  if (unpacks(o)) return true;
  if (o.in.size() != 1 || o.out < 0) return false;
  const value_info &x = values[o.in[0]], &y = values[o.out];
  if (x.sequence || y.sequence) { // row by row on a sequence's rows (time-distributed): each row is a lane's
    if (!x.sequence || !y.sequence || x.packing != y.packing || x.rpe != 1 || y.rpe != 1) return false;
    if (auto* d = std::get_if<op_dense>(&o.body)) return d->act.function != activation_function::softmax;
    return std::holds_alternative<op_affine>(o.body);
  }
  if (auto* d = std::get_if<op_dense>(&o.body)) return d->act.function != activation_function::softmax;
  return std::holds_alternative<op_conv>(o.body) || std::holds_alternative<op_pool>(o.body) ||
         std::holds_alternative<op_affine>(o.body) || std::holds_alternative<op_gather>(o.body);
}

std::size_t elements(const value_info& v) { return v.rpe * v.width; }

template <typename T> class lane_builder {
public:
  lane_builder(const plan<T>& p, std::size_t zero) : p_(p), zero_(zero) {}

  /// Compact element id of storage offset s of value v (a padding column reads zero).
  std::int32_t element(const value_info& v, std::int32_t s) const {
    if (s < 0) return static_cast<std::int32_t>(zero_);
    const std::size_t r = static_cast<std::size_t>(s) / v.ld, c = static_cast<std::size_t>(s) % v.ld;
    return static_cast<std::int32_t>(c < v.width ? r * v.width + c : zero_);
  }

  void add(const op& o, std::vector<lane_step>& steps) const {
    const value_info& x = p_.values[o.in[0]];
    const value_info& y = p_.values[o.out];
    lane_step s;
    s.out = elements(y);
    if (auto* cv = std::get_if<op_conv>(&o.body)) {
      s.kind = lane_kind::window;
      s.positions = cv->positions, s.k = cv->k, s.filters = y.width;
      s.index.resize(cv->index.size());
      for (std::size_t i = 0; i < cv->index.size(); ++i) s.index[i] = element(x, cv->index[i]);
      s.w = cv->w, s.ldw = y.ld, s.bias = cv->bias, s.has_bias = true;
      s.relu = cv->act.is_plain_relu();
      steps.push_back(std::move(s));
      if (!cv->act.is_plain_relu()) activation(cv->act, elements(y), steps);
    } else if (auto* d = std::get_if<op_dense>(&o.body)) {
      if (d->has_matrix) {
        s.kind = lane_kind::window;
        s.positions = x.rpe, s.k = d->n_in, s.filters = y.width;
        s.index.resize(s.positions * s.k);
        for (std::size_t i = 0; i < s.index.size(); ++i) s.index[i] = static_cast<std::int32_t>(i);
        s.w = d->w, s.ldw = d->ldw, s.bias = d->bias, s.has_bias = d->has_bias, s.relu = d->fused_relu;
        s.dense = x.rpe == 1;
        steps.push_back(std::move(s));
        if (!d->fused_relu) activation(d->act, elements(y), steps);
      } else {
        if (d->has_bias) {
          s.kind = lane_kind::bias_act;
          s.bias = d->bias, s.has_bias = true, s.channels = y.width;
          steps.push_back(std::move(s));
        }
        activation(d->act, elements(y), steps);
      }
    } else if (auto* a = std::get_if<op_affine>(&o.body)) {
      s.kind = lane_kind::affine;
      s.bias = a->scale, s.shift = a->shift, s.channels = y.width;
      steps.push_back(std::move(s));
    } else if (auto* pl = std::get_if<op_pool>(&o.body)) {
      s.kind = pl->max ? lane_kind::pool_max : lane_kind::pool_avg;
      const std::size_t C = y.width, positions = pl->start.size() - 1;
      s.start.push_back(0);
      for (std::size_t q = 0; q < positions; ++q)
        for (std::size_t c = 0; c < C; ++c) {
          for (std::size_t i = pl->start[q]; i < pl->start[q + 1]; ++i)
            s.index.push_back(static_cast<std::int32_t>(pl->rows[i] * C + c));
          s.start.push_back(static_cast<std::uint32_t>(s.index.size()));
        }
      steps.push_back(std::move(s));
    } else if (auto* g = std::get_if<op_gather>(&o.body)) {
      s.kind = lane_kind::gather;
      for (std::size_t r = 0; r < y.rpe; ++r)
        for (std::size_t c = 0; c < y.width; ++c) s.index.push_back(element(x, g->index[r * y.ld + c]));
      steps.push_back(std::move(s));
    }
  }

private:
  const plan<T>& p_;
  std::size_t zero_;

  static void activation(const act_params& act, std::size_t out, std::vector<lane_step>& steps) {
    if (act.function == activation_function::linear) return;
    lane_step s;
    s.kind = lane_kind::act;
    s.act = act;
    s.out = out;
    steps.push_back(std::move(s));
  }
};

/// A window followed by a pooling of every channel over 2-4 of its
/// positions at a time (the same count everywhere): one window_pool step.
void fuse_window_pools(std::vector<lane_step>& steps) {
  for (std::size_t i = 0; i + 1 < steps.size(); ++i) {
    lane_step& w = steps[i];
    const lane_step& pl = steps[i + 1];
    if (w.kind != lane_kind::window || (pl.kind != lane_kind::pool_max && pl.kind != lane_kind::pool_avg)) continue;
    if (pl.start.size() < 2 || w.filters == 0 || pl.out % w.filters != 0) continue;
    const std::size_t S = pl.start[1] - pl.start[0], pooled = pl.out / w.filters;
    if (S < 2 || S > 4) continue;
    bool regular = true; // output (P, c) reads element (position_k · filters + c), positions shared by the channels
    for (std::size_t e = 0; e < pl.out && regular; ++e) {
      const std::size_t P = e / w.filters, c = e % w.filters;
      regular = pl.start[e + 1] - pl.start[e] == S;
      for (std::size_t k = 0; k < S && regular; ++k) {
        const auto src = static_cast<std::size_t>(pl.index[pl.start[e] + k]);
        const auto first = static_cast<std::size_t>(pl.index[pl.start[P * w.filters] + k]);
        regular = src % w.filters == c && src / w.filters == first / w.filters && first / w.filters < w.positions;
      }
    }
    if (!regular) continue;
    w.kind = lane_kind::window_pool;
    w.pool_size = S, w.pooled = pooled, w.pool_max = pl.kind == lane_kind::pool_max;
    w.pool_index = pl.index, w.pool_start = pl.start;
    for (std::size_t P = 0; P < pooled; ++P)
      for (std::size_t k = 0; k < S; ++k) {
        const std::size_t pos = static_cast<std::size_t>(pl.index[pl.start[P * w.filters] + k]) / w.filters;
        w.fused_index.insert(w.fused_index.end(), w.index.begin() + static_cast<std::ptrdiff_t>(pos * w.k),
                             w.index.begin() + static_cast<std::ptrdiff_t>((pos + 1) * w.k));
      }
    w.out = pl.out;
    steps.erase(steps.begin() + static_cast<std::ptrdiff_t>(i + 1));
  }
}

} // namespace

/// Dense chains take four blocks of events at a time when their two
/// buffers stay this small (within L2 beside the weights).
constexpr std::size_t max_group_bytes = std::size_t(256) << 10;

std::size_t lane_scratch(const op_lanes& l, std::size_t lanes) { return 2 * l.groups * l.max_elements * lanes + lanes; }

/// A dense step's weights in the order window_groups streams them: blocks
/// of lane_block_filters filters, k × that many each.
template <typename T> std::size_t repack_blocks(std::vector<T>& arena, const lane_step& s) {
  const std::size_t off = round_up(arena.size(), row_align<T>);
  arena.resize(off + s.k * s.filters, T(0));
  for (std::size_t f = 0; f < s.filters; f += lane_block_filters) {
    const std::size_t width = std::min<std::size_t>(lane_block_filters, s.filters - f);
    for (std::size_t q = 0; q < s.k; ++q)
      for (std::size_t j = 0; j < width; ++j) arena[off + f * s.k + q * width + j] = arena[s.w + q * s.ldw + f + j];
  }
  return off;
}

template <typename T> void fuse_lanes(plan<T>& p, std::vector<T>& arena) {
  std::vector<std::size_t> uses(p.values.size(), 0);
  for (const op& o : p.ops)
    for (int v : o.in) ++uses[v];
  for (const auto& out : p.outputs)
    for (int v : {out.vector_value, out.sequence_value})
      if (v >= 0) uses[v] += 2; // an output is never internal to a chain

  // chains of lane-capable ops, each op reading the previous one's output and nothing else reading it
  std::vector<std::vector<std::size_t>> chains;
  std::map<int, std::size_t> open; // a chain's last output value → chain
  for (std::size_t i = 0; i < p.ops.size(); ++i) {
    const op& o = p.ops[i];
    if (!lane_capable(o, p.values)) continue;
    auto it = open.find(o.in[0]);
    std::size_t c;
    if (!unpacks(o) && it != open.end() && uses[o.in[0]] == 1) {
      c = it->second;
      open.erase(it);
    } else {
      c = chains.size();
      chains.emplace_back();
    }
    chains[c].push_back(i);
    open[o.out] = c;
  }

  std::vector<bool> drop(p.ops.size(), false);
  for (const auto& chain : chains) {
    bool windows = false;
    std::size_t matrices = 0;
    std::size_t largest = elements(p.values[p.ops[chain[0]].in[0]]);
    for (std::size_t i : chain) {
      const op& o = p.ops[i];
      windows |= std::holds_alternative<op_conv>(o.body) || std::holds_alternative<op_pool>(o.body);
      if (auto* d = std::get_if<op_dense>(&o.body); d && d->has_matrix) ++matrices;
      largest = std::max(largest, elements(p.values[o.out]));
    }
    // Dense layers after one another run with events in lanes too where
    // the 32 AVX-512 registers hold a 4 × 6 block: no output column is
    // padding then (a 100-wide layer fills 7 row vectors, 12 % of them
    // padding). The arithmetic is the row engine's, so scores are the same.
    const bool dense_chain = !windows && matrices >= 2 && p.kernels->lanes * sizeof(T) == 64;
    if ((!windows && !dense_chain) || largest > max_lane_elements) continue;
    // on a sequence's rows (only dense chains do: lane_capable); an unpacking op reads a sequence but makes a tensor
    const bool rows = p.values[p.ops[chain.front()].out].sequence;
    const std::size_t zero = largest + lane_slack;
    lane_builder<T> build(p, zero);
    op_lanes l;
    for (std::size_t i : chain)
      if (unpacks(p.ops[i])) l.packed_steps = std::get<op_pack>(p.ops[i].body).steps;
      else build.add(p.ops[i], l.steps);
    fuse_window_pools(l.steps);
    if (l.packed_steps) { // a fixed-length input read by this op alone: its rows may come straight from the caller
      const int v = p.ops[chain.front()].in[0];
      for (const op& o : p.ops)
        if (auto* in = std::get_if<op_input>(&o.body);
            in && in->sequence && o.out == v && uses[v] == 1 && p.values[v].mask < 0) {
          l.raw_input = static_cast<int>(in->index);
          p.values[v].raw_rows = true;
        }
    }
    const value_info& x = p.values[p.ops[chain.front()].in[0]];
    const value_info& y = p.values[p.ops[chain.back()].out];
    l.in_elements = (l.packed_steps ? l.packed_steps : x.rpe) * x.width;
    for (std::size_t e = 0; e < l.in_elements; ++e) {
      l.in_storage.push_back(static_cast<std::uint32_t>(e / x.width * x.ld + e % x.width));
      if (l.packed_steps) l.in_step.push_back(static_cast<std::uint32_t>(e / x.width));
    }
    const std::size_t align = 64 / sizeof(T);
    for (std::size_t e = 0; e < l.in_elements;) {
      std::size_t len = 0;
      if (x.ld % align == 0 && l.in_storage[e] % align == 0)
        while (e + len < l.in_elements && l.in_storage[e + len] == l.in_storage[e] + len &&
               (!l.packed_steps || l.in_step[e + len] == l.in_step[e]))
          ++len;
      if (len) {
        l.in_runs.push_back(static_cast<std::uint32_t>(e));
        l.in_runs.push_back(static_cast<std::uint32_t>(len));
        e += len;
      } else {
        l.in_loose.push_back(static_cast<std::uint32_t>(e++));
      }
    }
    for (std::size_t e = 0; e < elements(y); ++e)
      l.out_storage.push_back(static_cast<std::uint32_t>(e / y.width * y.ld + e % y.width));
    l.zero = zero;
    l.max_elements = round_up(zero + 1, row_align<T>);
    l.sequence_rows = rows;
    if (dense_chain && 2 * lane_groups * l.max_elements * p.kernels->lanes * sizeof(T) <= max_group_bytes) {
      l.groups = lane_groups;
      for (lane_step& s : l.steps)
        if (s.kind == lane_kind::window && s.dense) s.w_blocks = repack_blocks(arena, s);
    } else if (dense_chain) {
      continue; // too wide for 4 blocks in the scratch: one block or one row at a time would be slower than the row engine
    }
    l.row_tail = l.groups > 1;
    l.rows_in_place = l.row_tail && !l.packed_steps && x.rpe == 1 && y.rpe == 1 && l.in_elements == x.width &&
                      l.out_storage.size() == y.width && !l.steps.empty() && l.steps.front().kind == lane_kind::window;
    for (const lane_step& s : l.steps)
      l.rows_in_place = l.rows_in_place && (s.kind == lane_kind::window ? s.dense
                                            : s.kind == lane_kind::act ? true
                                            : s.kind == lane_kind::affine || s.kind == lane_kind::bias_act ? s.channels == s.out
                                                                                                          : false);
    op& last = p.ops[chain.back()];
    last.in = {p.ops[chain.front()].in[0]};
    last.body = std::move(l);
    last.in_place = false;
    for (std::size_t k = 0; k + 1 < chain.size(); ++k) drop[chain[k]] = true;
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < p.ops.size(); ++i) {
    if (drop[i]) continue;
    if (kept != i) p.ops[kept] = std::move(p.ops[i]); // never onto itself: a moved-to-itself vector is emptied
    ++kept;
  }
  p.ops.resize(kept);
}

template void fuse_lanes<float>(plan<float>&, std::vector<float>&);
template void fuse_lanes<double>(plan<double>&, std::vector<double>&);

// ---- evaluation -------------------------------------------------------------

/// One step on one block of events; false when its result is in `cur`
/// (element-wise steps in place), true when in `next`.
template <typename T>
template <std::size_t W>
bool executor<T>::run_lane_step(const lane_step& s, T* cur, T* next) {
  const kernel_table<T>& kt = *p_.kernels;
  switch (s.kind) {
  case lane_kind::window: {
    if (W == 1 && s.dense) { // one event: the row engine's matrix-vector product (same sums, whole vectors)
      gemm_args<T> g;
      g.x = cur, g.m = 1, g.k = s.k, g.ldx = s.k, g.w = p_.at(s.w), g.ldw = s.ldw;
      g.n = round_up(s.filters, kt.lanes), g.bias = s.has_bias ? p_.at(s.bias) : nullptr;
      g.y = next, g.ldy = g.n, g.relu = s.relu;
      kt.gemm(g);
      return true;
    }
    window_args<T> a;
    a.x = cur, a.index = s.index.data(), a.positions = s.positions, a.k = s.k, a.filters = s.filters;
    a.w = p_.at(s.w), a.ldw = s.ldw, a.bias = s.has_bias ? p_.at(s.bias) : nullptr, a.y = next, a.relu = s.relu;
    (W == 1 ? kt.window_event : kt.window_lanes)(a);
    return true;
  }
  case lane_kind::window_pool: {
    window_args<T> a;
    a.x = cur, a.k = s.k, a.filters = s.filters, a.w = p_.at(s.w), a.ldw = s.ldw;
    a.bias = s.has_bias ? p_.at(s.bias) : nullptr, a.y = next, a.relu = s.relu;
    if constexpr (W > 1) {
      a.index = s.fused_index.data(), a.positions = s.pooled, a.pool_size = s.pool_size, a.pool_max = s.pool_max;
      kt.window_pool(a);
      return true;
    } else { // the two steps, as they are: window into next, pooling back into cur
      a.index = s.index.data(), a.positions = s.positions;
      kt.window_event(a);
      lane_map_args<T> m;
      m.kind = s.pool_max ? lane_map_kind::pool_max : lane_map_kind::pool_avg;
      m.x = next, m.y = cur, m.index = s.pool_index.data(), m.start = s.pool_start.data(), m.out = s.out;
      kt.lane_map(m);
      return false;
    }
  }
  case lane_kind::pool_max:
  case lane_kind::pool_avg:
  case lane_kind::gather: {
    lane_map_args<T> m;
    m.kind = s.kind == lane_kind::gather ? lane_map_kind::gather
             : s.kind == lane_kind::pool_max ? lane_map_kind::pool_max : lane_map_kind::pool_avg;
    m.x = cur, m.y = next, m.index = s.index.data(), m.start = s.start.data(), m.out = s.out, m.lanes = W > 1;
    kt.lane_map(m);
    return true;
  }
  case lane_kind::affine:
  case lane_kind::bias_act: {
    lane_map_args<T> m;
    m.kind = s.kind == lane_kind::affine ? lane_map_kind::affine : lane_map_kind::bias;
    m.x = m.y = cur, m.out = s.out, m.scale = p_.at(s.bias), m.shift = p_.at(s.shift);
    m.channels = s.channels, m.lanes = W > 1;
    kt.lane_map(m);
    return false;
  }
  case lane_kind::act:
    kt.activate(s.act, cur, 1, s.out * W, round_up(s.out * W, kt.lanes));
    return false;
  }
  return false;
}

/// The steps on `groups` blocks of W events, block g's buffers `stride`
/// elements after block 0's: windows take all blocks at once.
template <typename T>
template <std::size_t W>
void executor<T>::lane_steps(const op_lanes& l, T*& cur, T*& next, std::size_t groups, std::size_t stride) {
  for (const lane_step& s : l.steps) {
    bool moved = false;
    if (W > 1 && groups > 1 && s.kind == lane_kind::window) {
      window_args<T> a;
      a.x = cur, a.index = s.index.data(), a.positions = s.positions, a.k = s.k, a.filters = s.filters;
      a.w = p_.at(s.w), a.ldw = s.ldw, a.bias = s.has_bias ? p_.at(s.bias) : nullptr, a.y = next, a.relu = s.relu;
      a.groups = groups, a.group_stride = stride, a.w_blocks = s.w_blocks ? p_.at(s.w_blocks) : nullptr;
      p_.kernels->window_lanes(a);
      moved = true;
    } else {
      for (std::size_t g = 0; g < groups; ++g) moved = run_lane_step<W>(s, cur + g * stride, next + g * stride);
    }
    if (moved) std::swap(cur, next);
  }
}

template <typename T>
template <std::size_t W>
void executor<T>::lane_group(const op& o, const op_lanes& l, std::size_t first, std::size_t groups) {
  const std::size_t stride = l.max_elements * W;
  T* cur = scratch();
  T* next = cur + groups * stride;
  const std::size_t yblock = std::size_t(o.y.rpe) * o.y.ld;
  for (std::size_t g = 0; g < groups; ++g) {
    T* c = cur + g * stride;
    // the zero element that padding taps read, past everything a step writes (fuse_lanes)
    std::memset(c + l.zero * W, 0, W * sizeof(T));
    std::memset(next + g * stride + l.zero * W, 0, W * sizeof(T));
    take_in<W>(o, l, first + g * W, c);
  }
  lane_steps<W>(l, cur, next, groups, stride);
  // a vector's elements in order, rows of whole vectors: transposed back a block at a time
  const bool vector_out = o.y.rpe == 1 && l.out_storage.size() == o.y.width;
  const bool whole = vector_out && W > 1 && W == p_.kernels->lanes && o.y.ld % W == 0;
  for (std::size_t g = 0; g < groups; ++g) {
    const T* c = cur + g * stride;
    T* y = at(o.y) + (first + g * W) * yblock;
    if (whole) {
      p_.kernels->lane_store(c, o.y.width, y, yblock);
      if (o.y.ld > round_up(std::size_t(o.y.width), W))
        for (std::size_t j = 0; j < W; ++j) {
          const std::size_t from = round_up(std::size_t(o.y.width), W);
          std::memset(y + j * yblock + from, 0, (o.y.ld - from) * sizeof(T));
        }
      continue;
    }
    if (W == 1) {
      put_out(o, l, c, y);
      continue;
    }
    for (std::size_t j = 0; j < W; ++j) std::memset(y + j * yblock, 0, yblock * sizeof(T));
    for (std::size_t e = 0; e < l.out_storage.size(); ++e)
      for (std::size_t j = 0; j < W; ++j) y[j * yblock + l.out_storage[e]] = c[e * W + j];
  }
}

/// Rows [first, first + count) (events, or a sequence's rows) through the
/// steps in row form: one row after another, `ld` apart. A dense step is
/// one product over all the rows, the row engine's (which sums as the
/// lanes do); activations, and normalisations and biases with a parameter
/// per element, are the row kernels with the lane steps' arithmetic
/// (x · scale + shift fused, x + bias); other steps go one row at a time.
/// With rows_in_place the first product reads the op's input rows and the
/// last one writes its output rows; otherwise the rows are copied in and
/// out of the scratch.
template <typename T> void executor<T>::lane_rows(const op& o, const op_lanes& l, std::size_t first, std::size_t count) {
  const kernel_table<T>& kt = *p_.kernels;
  const std::size_t M = l.max_elements;
  T* const buffers[2] = {scratch(), scratch() + count * M};
  const std::size_t yblock = std::size_t(o.y.rpe) * o.y.ld;
  T* const y = at(o.y) + first * yblock;
  std::size_t last_product = l.steps.size();
  if (l.rows_in_place)
    for (std::size_t i = 0; i < l.steps.size(); ++i)
      if (l.steps[i].kind == lane_kind::window) last_product = i;
  T* cur = buffers[0];
  std::size_t ld = M;
  if (l.rows_in_place) {
    cur = const_cast<T*>(at(o.x)) + first * o.x.ld; // only read: the first step is a product
    ld = o.x.ld;
  } else {
    for (std::size_t r = 0; r < count; ++r) {
      cur[r * M + l.zero] = buffers[1][r * M + l.zero] = T(0); // what padding taps read (fuse_lanes)
      take_in<1>(o, l, first + r, cur + r * M);
    }
  }
  for (std::size_t i = 0; i < l.steps.size(); ++i) {
    const lane_step& s = l.steps[i];
    const std::size_t n = round_up(s.out, kt.lanes);
    if (s.kind == lane_kind::window && s.dense) {
      gemm_args<T> g;
      g.x = cur, g.ldx = ld, g.m = count, g.k = s.k, g.w = p_.at(s.w), g.ldw = s.ldw;
      g.n = round_up(s.filters, kt.lanes), g.bias = s.has_bias ? p_.at(s.bias) : nullptr, g.relu = s.relu;
      g.y = i == last_product ? y : cur == buffers[0] ? buffers[1] : buffers[0];
      g.ldy = i == last_product ? o.y.ld : M;
      kt.gemm(g);
      cur = g.y, ld = g.ldy;
    } else if (s.kind == lane_kind::act) {
      kt.activate(s.act, cur, count, s.out, ld);
    } else if (s.kind == lane_kind::affine && s.channels == s.out) { // parameters per element: whole rows
      kt.affine(cur, ld, p_.at(s.bias), p_.at(s.shift), cur, ld, count, n);
    } else if (s.kind == lane_kind::bias_act && s.channels == s.out) {
      kt.binary(binary_op::add, cur, ld, p_.at(s.bias), 0, cur, ld, count, n);
    } else {
      bool moved = false;
      T* other = cur == buffers[0] ? buffers[1] : buffers[0];
      for (std::size_t r = 0; r < count; ++r) moved = run_lane_step<1>(s, cur + r * M, other + r * M);
      if (moved) cur = other;
    }
  }
  if (cur == y) { // in the output already: its padding columns zero, as every op leaves them
    if (o.y.ld > o.y.width)
      for (std::size_t r = 0; r < count; ++r) std::memset(y + r * yblock + o.y.width, 0, (o.y.ld - o.y.width) * sizeof(T));
    return;
  }
  for (std::size_t r = 0; r < count; ++r) put_out(o, l, cur + r * ld, y + r * yblock);
}

/// One event's input into the one-event or lanes layout: its raw rows
/// prepared straight from the caller, or its prepared rows moved.
template <typename T>
template <std::size_t W>
void executor<T>::take_in(const op& o, const op_lanes& l, std::size_t first, T* cur) {
  if (l.raw_input >= 0 && ws_.raw[static_cast<std::size_t>(l.raw_input)].x) raw_lanes<W>(o, l, first, cur);
  else move_in<W>(o, l, first, cur);
}

/// One event's output from the one-event layout (`c`) into its block of
/// o.y (`y`), padding zero.
template <typename T> void executor<T>::put_out(const op& o, const op_lanes& l, const T* c, T* y) {
  if (o.y.rpe == 1 && l.out_storage.size() == o.y.width) { // a vector's elements in order: the row as it is
    std::memcpy(y, c, o.y.width * sizeof(T));
    std::memset(y + o.y.width, 0, (o.y.ld - o.y.width) * sizeof(T));
    return;
  }
  std::memset(y, 0, std::size_t(o.y.rpe) * o.y.ld * sizeof(T));
  for (std::size_t e = 0; e < l.out_storage.size(); ++e) y[l.out_storage[e]] = c[e];
}

/// The caller's rows of a fixed-length input, prepared ((x + offset) ·
/// scale in double) straight into lanes; a NaN or infinite value redoes the
/// group one value at a time with its default (or its error).
template <typename T>
template <std::size_t W>
void executor<T>::raw_lanes(const op& o, const op_lanes& l, std::size_t first, T* cur) {
  const std::size_t index = static_cast<std::size_t>(l.raw_input);
  const raw_source& r = ws_.raw[index];
  const input_prep& pr = p_.sequence_prep[index];
  const std::size_t n = pr.count, steps = l.packed_steps;
  const T* x = static_cast<const T*>(r.x) + first * r.event_stride;
  bool ok = false;
  if constexpr (W > 1) {
    lane_prepare_args<T> a;
    a.x = x, a.event_stride = r.event_stride, a.row_stride = r.row_stride, a.width = n, a.steps = steps;
    a.readable = r.readable - first * r.event_stride;
    a.offset = pr.offset.data(), a.scale = pr.scale.data(), a.y = cur;
    ok = p_.kernels->lane_prepare(a);
  }
  if (ok) return;
  const packing_state& ps = ws_.packings[static_cast<std::size_t>(o.x.packing)];
  for (std::size_t t = 0; t < steps; ++t)
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < W; ++j) {
        double v = static_cast<double>(x[j * r.event_stride + t * r.row_stride + i]);
        if (!(v - v == 0.0)) v = replace(v, true, index, i, ps.perm[first + j], t);
        cur[(t * n + i) * W + j] = static_cast<T>((v + pr.offset[i]) * pr.scale[i]);
      }
}

/// The op's input from the workspace into lanes.
template <typename T>
template <std::size_t W>
void executor<T>::move_in(const op& o, const op_lanes& l, std::size_t first, T* cur) {
  const T* x = at(o.x);
  // time-major packed input: step t of event b is row t · events + b
  const std::size_t ld = o.x.ld, skip = l.packed_steps ? (events_ - 1) * ld : 0; // per step, past the other events' rows
  const std::size_t stride = l.packed_steps ? ld : std::size_t(o.x.rpe) * ld;  // from one event to the next
  const T* base = x + first * stride;
  auto source = [&](std::size_t e) { return base + l.in_storage[e] + (l.packed_steps ? l.in_step[e] * skip : 0); };
  if constexpr (W > 1) {
    lane_load_args<T> a;
    a.x = base, a.event_stride = stride, a.runs = l.in_runs.data(), a.runs_count = l.in_runs.size() / 2;
    a.storage = l.in_storage.data(), a.step = l.packed_steps ? l.in_step.data() : nullptr, a.skip = skip, a.y = cur;
    p_.kernels->lane_load(a);
    for (std::uint32_t e : l.in_loose) {
      const T* src = source(e);
      for (std::size_t j = 0; j < W; ++j) cur[e * W + j] = src[j * stride];
    }
  } else if (!l.packed_steps) { // one event: runs copied whole
    for (std::size_t r = 0; r + 1 < l.in_runs.size(); r += 2)
      std::memcpy(cur + l.in_runs[r], base + l.in_storage[l.in_runs[r]], l.in_runs[r + 1] * sizeof(T));
    for (std::uint32_t e : l.in_loose) cur[e] = *source(e);
  } else {
    for (std::size_t e = 0; e < l.in_elements; ++e) cur[e] = *source(e);
  }
}

template <typename T> void executor<T>::lanes(const op& o, const op_lanes& l) {
  const std::size_t L = p_.kernels->lanes;
  const std::size_t n = l.sequence_rows ? rows_of(o.y) : events_;
  std::size_t b = 0;
  auto groups = [&]<std::size_t W>() {
    if (l.groups > 1)
      for (; b + W * l.groups <= n; b += W * l.groups) lane_group<W>(o, l, b, l.groups);
    if (!l.row_tail)
      for (; b + W <= n; b += W) lane_group<W>(o, l, b, 1);
  };
  switch (L) {
  case 16: groups.template operator()<16>(); break;
  case 8: groups.template operator()<8>(); break;
  case 4: groups.template operator()<4>(); break;
  case 2: groups.template operator()<2>(); break;
  default: break;
  }
  if (l.row_tail && b < n) return lane_rows(o, l, b, n - b); // fewer than groups × L: within the scratch
  for (; b < n; ++b) lane_group<1>(o, l, b, 1);
}

template void executor<float>::lanes(const op&, const op_lanes&);
template void executor<double>::lanes(const op&, const op_lanes&);

} // namespace hepnn::detail
