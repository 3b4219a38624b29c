#include "runtime/execute.hpp"
#include "runtime/lanes.hpp"

#include "kernels/scalar_math.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace hepnn::detail {
namespace {

constexpr std::size_t align64(std::size_t n) { return round_up(n, 64); }
/// From this many events on, a recurrent step takes its input product
/// with its state product (executor::recurrent).
constexpr std::size_t fused_step_events = 2;

template <typename T> void copy_rows(const T* x, std::size_t ldx, T* y, std::size_t ldy, std::size_t rows, std::size_t n) {
  if (x == y && ldx == ldy) return;
  for (std::size_t r = 0; r < rows; ++r) std::memcpy(y + r * ldy, x + r * ldx, n * sizeof(T));
}

template <typename T> void fill_rows(T* y, std::size_t ld, std::size_t rows, const T* row, std::size_t n) {
  for (std::size_t r = 0; r < rows; ++r) std::memcpy(y + r * ld, row, n * sizeof(T));
}

template <typename T> std::size_t scratch_elements(const plan<T>& p, const op& o, std::size_t events,
                                                   const std::vector<packing_state>& packings) {
  auto value_rows = [&](int v) {
    const auto& val = p.values[v];
    return val.sequence ? packings[val.packing].rows : events;
  };
  if (auto* m = std::get_if<op_maxout>(&o.body)) return value_rows(o.in[0]) * m->parts * p.values[o.out].ld;
  if (std::holds_alternative<op_highway>(o.body)) return value_rows(o.in[0]) * 2 * p.values[o.out].ld;
  if (auto* r = std::get_if<op_recurrent>(&o.body)) {
    const std::size_t gates = r->kind == rnn_kind::lstm ? 4 : r->kind == rnn_kind::gru ? 3 : 1;
    const std::size_t width = gates * r->ldu;
    return value_rows(o.in[0]) * width + events * (2 * width + 3 * r->ldu);
  }
  if (std::holds_alternative<op_reduce>(o.body)) return events * (p.values[o.out].ld + 1);
  if (auto* c = std::get_if<op_conv>(&o.body)) return events * c->positions * c->k;
  if (auto* l = std::get_if<op_lanes>(&o.body)) return lane_scratch(*l, p.kernels->lanes);
  if (auto* a = std::get_if<op_attention>(&o.body)) {
    const std::size_t rows = value_rows(o.in[0]);
    const auto& ps = packings[p.values[o.in[0]].packing];
    const std::size_t lds = padded<T>(std::max<std::size_t>(ps.steps, 1));
    return rows * (a->ldqkv + padded<T>(a->heads * a->value_dim)) + (a->key_dim + ps.steps) * lds +
           (ps.steps * sizeof(std::size_t) + sizeof(T) - 1) / sizeof(T) + row_align<T>;
  }
  return 0;
}

} // namespace

template <typename T>
double executor<T>::replace(double x, bool sequence, std::size_t node, std::size_t var, std::size_t event,
                            std::size_t step) const {
  const input_prep& pr = (sequence ? p_.sequence_prep : p_.vector_prep)[node];
  if (p_.replace_defaults && pr.has_default[var]) return pr.fallback[var];
  if (p_.nan_is_error) { // ±inf without a default is as wrong as NaN: the scores would be NaN
    const input_node& in = (sequence ? p_.input_sequences : p_.inputs)[node];
    std::string where = "event " + std::to_string(event);
    if (sequence) where += ", step " + std::to_string(step);
    throw input_error(p_.source + ": input '" + in.name + "' variable '" + in.variables[var].name + "' is " +
                      (std::isnan(x) ? "NaN" : x > 0 ? "+inf" : "-inf") + " and has no default (" + where + ")");
  }
  return x;
}

template <typename T> void executor<T>::sort_events(packing_state& ps) {
  const std::size_t n = events_;
  ps.perm.resize(n);
  ps.rank.resize(n);
  for (std::size_t b = 0; b < n; ++b) ps.perm[b] = b;
  // longest first; ties keep event order, so the layout is deterministic
  std::vector<std::size_t>& len_by_event = ws_.events;
  for (std::size_t b = 0; b < n; ++b) len_by_event[b] = ps.len[b];
  bool in_order = true; // already longest first (every fixed-length input): the order stays
  for (std::size_t b = 1; b < n && in_order; ++b) in_order = len_by_event[b - 1] >= len_by_event[b];
  if (!in_order) {
    const std::size_t longest = *std::max_element(len_by_event.begin(), len_by_event.begin() + static_cast<std::ptrdiff_t>(n));
    if (longest < n) {
      // a counting sort (sequences are short, batches long): the same permutation as the
      // comparison below, in linear time. ps.rank counts until the ranks are written.
      std::vector<std::size_t>& first = ps.rank; // first[L]: where events of length L start
      std::fill(first.begin(), first.begin() + static_cast<std::ptrdiff_t>(longest + 1), std::size_t{0});
      for (std::size_t b = 0; b < n; ++b) ++first[len_by_event[b]];
      std::size_t longer = 0;
      for (std::size_t l = longest + 1; l-- > 0;) {
        const std::size_t count = first[l];
        first[l] = longer;
        longer += count;
      }
      for (std::size_t b = 0; b < n; ++b) ps.perm[first[len_by_event[b]]++] = b;
    } else {
      std::sort(ps.perm.begin(), ps.perm.end(), [&](std::size_t a, std::size_t b) {
        return len_by_event[a] != len_by_event[b] ? len_by_event[a] > len_by_event[b] : a < b;
      });
    }
  }
  for (std::size_t j = 0; j < n; ++j) {
    ps.len[j] = len_by_event[ps.perm[j]];
    ps.rank[ps.perm[j]] = j;
  }
}

template <typename T>
void executor<T>::derive(packing_state& ps, const packing_state& parent, const packing_info& info) {
  const std::size_t n = events_;
  ps.len.resize(n);
  ps.perm.resize(n);
  ps.rank.resize(n);
  for (std::size_t j = 0; j < n; ++j) {
    if (parent.len[j] < info.shrink)
      throw input_error(p_.source + ": node " + std::to_string(info.node) + " (conv1d, 'valid' padding): event " +
                        std::to_string(parent.perm[j]) + " has " + std::to_string(parent.len[j]) +
                        " steps, fewer than the " + std::to_string(info.shrink) + " the kernel span needs");
    ps.len[j] = parent.len[j] - info.shrink;
    ps.perm[j] = parent.perm[j];
    ps.rank[j] = parent.rank[j];
  }
}

template <typename T> void executor<T>::layout_steps(packing_state& ps) {
  const std::size_t n = events_;
  ps.steps = n ? ps.len[0] : 0;
  ps.count.resize(ps.steps);
  ps.offset.resize(ps.steps);
  std::size_t j = n, row = 0;
  for (std::size_t t = 0; t < ps.steps; ++t) {
    while (j > 0 && ps.len[j - 1] <= t) --j; // events are sorted longest first
    ps.count[t] = j;
    ps.offset[t] = row;
    row += j;
  }
  ps.rows = row;
}

template <typename T> void executor<T>::reserve() {
  // the same plan and the same row counts as last time: the layout stands
  bool same = ws_.plan == p_.id && ws_.events_laid_out == events_ && ws_.rows.size() == ws_.packings.size();
  for (std::size_t k = 0; same && k < ws_.packings.size(); ++k) same = ws_.rows[k] == ws_.packings[k].rows;
  if (same) return;
  ws_.plan = 0; // invalid until the layout below is complete
  std::size_t bytes = 0;
  std::size_t scratch = 0;
  for (const auto& o : p_.ops) scratch = std::max(scratch, scratch_elements(p_, o, events_, ws_.packings));
  auto slot_bytes = [&](const slot_info& s) {
    const std::size_t elements = s.sequence ? ws_.packings[s.packing].rows * s.ld : events_ * s.per_event;
    return align64(std::max<std::size_t>(elements, s.ld) * sizeof(T));
  };
  auto mask_bytes = [&](std::size_t k) { return align64(std::max<std::size_t>(ws_.packings[p_.mask_packing[k]].rows, 1)); };
  for (const auto& s : p_.slots) bytes += slot_bytes(s);
  for (std::size_t k = 0; k < p_.mask_count; ++k) bytes += mask_bytes(k);
  bytes += align64(scratch * sizeof(T)) + 64;
  if (bytes > ws_.capacity) {
    ws_.memory = make_aligned<std::byte>(bytes);
    ws_.capacity = bytes;
  }
  std::byte* at = ws_.memory.get();
  ws_.slot_ptr.resize(p_.slots.size());
  for (std::size_t s = 0; s < p_.slots.size(); ++s) {
    ws_.slot_ptr[s] = at;
    at += slot_bytes(p_.slots[s]);
  }
  ws_.mask_ptr.resize(p_.mask_count);
  for (std::size_t k = 0; k < p_.mask_count; ++k) {
    ws_.mask_ptr[k] = reinterpret_cast<std::uint8_t*>(at);
    at += mask_bytes(k);
  }
  ws_.scratch = at;
  if (ws_.keep.size() < events_) ws_.keep.resize(events_);
  ws_.rows.resize(ws_.packings.size());
  for (std::size_t k = 0; k < ws_.packings.size(); ++k) ws_.rows[k] = ws_.packings[k].rows;
  ws_.events_laid_out = events_;
  ws_.plan = p_.id;
}

template <typename T> void executor<T>::run(const std::vector<bool>* needed, const std::vector<bool>* wanted_values) {
  wanted_ = wanted_values;
  for (std::size_t i = 0; i < p_.ops.size(); ++i) {
    if (needed && !(*needed)[i]) continue;
    const op& o = p_.ops[i];
    // an output nothing reads has no slot: skip the op (a recurrent op may still give its last state)
    if (o.out >= 0 && o.y.slot < 0 && !std::holds_alternative<op_recurrent>(o.body)) continue;
    if (const auto* d = std::get_if<op_dense>(&o.body)) { // the common case, without the visit
      dense(o, *d);
      continue;
    }
    std::visit(
        [&](const auto& body) {
          using B = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<B, op_input>) return;
          else if constexpr (std::is_same_v<B, op_affine>) affine(o, body);
          else if constexpr (std::is_same_v<B, op_prelu>) prelu(o, body);
          else if constexpr (std::is_same_v<B, op_maxout>) maxout(o, body);
          else if constexpr (std::is_same_v<B, op_highway>) highway(o, body);
          else if constexpr (std::is_same_v<B, op_recurrent>) recurrent(o, body);
          else if constexpr (std::is_same_v<B, op_conv1d>) conv1d(o, body);
          else if constexpr (std::is_same_v<B, op_embedding>) embedding(o, body);
          else if constexpr (std::is_same_v<B, op_concat>) concat(o);
          else if constexpr (std::is_same_v<B, op_merge>) merge(o, body);
          else if constexpr (std::is_same_v<B, op_reduce>) reduce(o, body);
          else if constexpr (std::is_same_v<B, op_masking>) masking(o, body);
          else if constexpr (std::is_same_v<B, op_gather>) gather(o, body);
          else if constexpr (std::is_same_v<B, op_pack>) pack(o, body);
          else if constexpr (std::is_same_v<B, op_conv>) conv(o, body);
          else if constexpr (std::is_same_v<B, op_pool>) pool(o, body);
          else if constexpr (std::is_same_v<B, op_layer_norm>) layer_norm(o, body);
          else if constexpr (std::is_same_v<B, op_attention>) attention(o, body);
          else if constexpr (std::is_same_v<B, op_lanes>) lanes(o, body);
        },
        o.body);
  }
}

template <typename T> void executor<T>::dense(const op& o, const op_dense& d) {
  const std::size_t n = rows_of(o.y);
  const T* x = at(o.x);
  T* y = at(o.y);
  if (d.has_matrix) {
    gemm_args<T> g;
    g.x = x, g.ldx = o.x.ld, g.m = n, g.k = d.n_in;
    g.w = p_.at(d.w), g.ldw = d.ldw, g.n = o.y.ld;
    g.bias = d.has_bias ? p_.at(d.bias) : nullptr;
    g.y = y, g.ldy = o.y.ld, g.relu = d.fused_relu;
    g.split_k = o.y.ld == p_.kernels->lanes;
    p_.kernels->gemm(g);
  } else {
    copy_rows(x, o.x.ld, y, o.y.ld, n, o.y.ld);
    if (d.has_bias)
      for (std::size_t r = 0; r < n; ++r)
        p_.kernels->binary(binary_op::add, y + r * o.y.ld, 0, p_.at(d.bias), 0, y + r * o.y.ld, 0, 1, o.y.ld);
  }
  if (!d.fused_relu && d.act.function != activation_function::linear) p_.kernels->activate(d.act, y, n, o.y.width, o.y.ld);
}

template <typename T> void executor<T>::affine(const op& o, const op_affine& a) {
  p_.kernels->affine(at(o.x), o.x.ld, p_.at(a.scale), p_.at(a.shift), at(o.y), o.y.ld, rows_of(o.y), o.y.ld);
}

template <typename T> void executor<T>::prelu(const op& o, const op_prelu& a) {
  const value_info& xv = p_.values[o.in[0]];
  const value_info& yv = p_.values[o.out];
  const T* x = rows(o.in[0]);
  T* y = rows(o.out);
  const T* alpha = p_.at(a.alpha);
  for (std::size_t r = 0; r < row_count(yv); ++r)
    for (std::size_t i = 0; i < yv.ld; ++i) {
      T v = x[r * xv.ld + i];
      y[r * yv.ld + i] = v > 0 ? v : alpha[i] * v;
    }
}

template <typename T> void executor<T>::maxout(const op& o, const op_maxout& a) {
  const value_info& xv = p_.values[o.in[0]];
  const value_info& yv = p_.values[o.out];
  const std::size_t n = row_count(yv), ld = yv.ld, wide = a.parts * ld;
  T* tmp = scratch();
  gemm_args<T> g;
  g.x = rows(o.in[0]), g.ldx = xv.ld, g.m = n, g.k = a.n_in;
  g.w = p_.at(a.w), g.ldw = wide, g.n = wide, g.bias = p_.at(a.bias);
  g.y = tmp, g.ldy = wide;
  p_.kernels->gemm(g);
  T* y = rows(o.out);
  copy_rows(tmp, wide, y, ld, n, ld);
  for (std::size_t k = 1; k < a.parts; ++k) p_.kernels->binary(binary_op::maximum, y, ld, tmp + k * ld, wide, y, ld, n, ld);
}

template <typename T> void executor<T>::highway(const op& o, const op_highway& a) {
  const value_info& xv = p_.values[o.in[0]];
  const value_info& yv = p_.values[o.out];
  const std::size_t n = row_count(yv), ld = yv.ld, wide = 2 * ld;
  T* tmp = scratch();
  gemm_args<T> g;
  g.x = rows(o.in[0]), g.ldx = xv.ld, g.m = n, g.k = a.n_in;
  g.w = p_.at(a.w), g.ldw = wide, g.n = wide, g.bias = p_.at(a.bias);
  g.y = tmp, g.ldy = wide;
  p_.kernels->gemm(g);
  p_.kernels->activate(a.act, tmp, n, yv.width, wide);
  p_.kernels->activate(act_params{activation_function::sigmoid, 0, 0, 0}, tmp + ld, n, yv.width, wide);
  const T* x = rows(o.in[0]);
  T* y = rows(o.out);
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t i = 0; i < ld; ++i) {
      const T c = tmp[r * wide + ld + i];
      y[r * ld + i] = c * tmp[r * wide + i] + (T(1) - c) * x[r * xv.ld + i];
    }
}

template <typename T> void executor<T>::recurrent(const op& o, const op_recurrent& r) {
  const value_info& xv = p_.values[o.in[0]];
  const packing_state& ps = ws_.packings[xv.packing];
  const std::size_t gates = r.kind == rnn_kind::lstm ? 4 : r.kind == rnn_kind::gru ? 3 : 1;
  const std::size_t width = gates * r.ldu, ldu = r.ldu;
  const std::size_t n_ev = events_;
  T* xp = scratch();
  T* zb = xp + ps.rows * width; // gathered input projections (go_backwards)
  T* m = zb + n_ev * width;     // gate pre-activations
  T* h = m + n_ev * width;
  T* c = h + n_ev * ldu;
  T* rh = c + n_ev * ldu;
  const std::uint8_t* mask = xv.mask >= 0 ? ws_.mask_ptr[xv.mask] : nullptr;

  // Many events: each step computes bias + x·W + h·U in one product, so the
  // input projections never go through memory (for a batch they outgrow
  // L2 and came back from L3). One event reuses W best up front, over all
  // its steps. Both sum in the same order: the results are the same bits.
  const bool fused = n_ev >= fused_step_events && !r.go_backwards && r.kind != rnn_kind::gru;
  const T* xin = rows(o.in[0]);
  if (!fused) {
    gemm_args<T> g;
    g.x = xin, g.ldx = xv.ld, g.m = ps.rows, g.k = r.n_in;
    g.w = p_.at(r.w), g.ldw = width, g.n = width, g.bias = p_.at(r.bias);
    g.y = xp, g.ldy = width;
    p_.kernels->gemm(g);
  }
  std::fill(h, h + n_ev * ldu, T(0));
  std::fill(c, c + n_ev * ldu, T(0));

  const bool store_sequence = p_.values[o.out].slot >= 0 && (!wanted_ || (*wanted_)[o.out]);
  T* y = store_sequence ? rows(o.out) : nullptr;
  auto final_state = [&] {
    if (r.final_value < 0 || p_.values[r.final_value].slot < 0) return;
    T* out = rows(r.final_value);
    for (std::size_t j = 0; j < n_ev; ++j) std::memcpy(out + ps.perm[j] * ldu, h + j * ldu, ldu * sizeof(T));
  };
  if (n_ev == 1 && !fused && !r.go_backwards && r.kind == rnn_kind::lstm) {
    // one event: its rows are its steps in order (offset[t] = t)
    lstm_sequence_args<T> q;
    q.xp = xp, q.ldxp = width, q.steps = ps.steps, q.u = p_.at(r.u), q.units = r.units, q.ldu = ldu;
    q.h = h, q.c = c, q.spare = rh, q.y = y, q.zero_masked = r.zero_masked, q.keep = mask;
    q.act = r.act, q.inner = r.inner;
    if (p_.kernels->lstm_sequence(q)) return final_state();
  }
  std::size_t active = n_ev; // rows active in the step before
  for (std::size_t t = 0; t < ps.steps; active = ps.count[t], ++t) {
    const std::size_t n = ps.count[t];
    const T* xrow = xp + ps.offset[t] * width;
    const std::uint8_t* keep = mask ? mask + ps.offset[t] : nullptr;
    if (r.go_backwards) {
      // event j sees its own steps in reverse: step len_j − 1 − t
      for (std::size_t j = 0; j < n; ++j) {
        const std::size_t row = ps.offset[ps.len[j] - 1 - t] + j;
        std::memcpy(zb + j * width, xp + row * width, width * sizeof(T));
        if (mask) ws_.keep[j] = mask[row];
      }
      xrow = zb;
      keep = mask ? ws_.keep.data() : nullptr;
    }
    gemm_args<T> s;
    s.x = h, s.ldx = ldu, s.m = n, s.k = r.units, s.w = p_.at(r.u);
    if (fused) {
      s.x = xin + ps.offset[t] * xv.ld, s.ldx = xv.ld, s.k = r.n_in, s.w = p_.at(r.w), s.bias = p_.at(r.bias);
      s.x2 = h, s.ldx2 = ldu, s.k2 = r.units, s.w2 = p_.at(r.u), s.ldw2 = width; // U's rows (gates · ldu)
    }
    switch (r.kind) {
    case rnn_kind::lstm: {
      lstm_step_args<T> st;
      if (fused) st.x = s.x, st.ldx = s.ldx, st.k = s.k, st.w = s.w, st.bias = s.bias;
      else st.xp = xrow, st.ldxp = width;
      st.u = p_.at(r.u), st.h = h, st.h_next = rh, st.c = c;
      st.rows = n, st.units = r.units, st.ldu = ldu, st.act = r.act, st.inner = r.inner, st.keep = keep;
      if (p_.kernels->lstm_step(st)) {
        // rows that stopped before this step keep their last state in both buffers
        std::memcpy(rh + n * ldu, h + n * ldu, (active - n) * ldu * sizeof(T));
        std::swap(h, rh);
        break;
      }
      s.ldw = width, s.n = width, s.c = fused ? nullptr : xrow, s.ldc = width, s.y = m, s.ldy = width;
      p_.kernels->gemm(s);
      lstm_args<T> a;
      a.z = m, a.ldz = width, a.h = h, a.c = c, a.lds = ldu, a.rows = n, a.units = r.units, a.ldu = ldu;
      a.act = r.act, a.inner = r.inner, a.keep = keep;
      p_.kernels->lstm_cell(a);
      break;
    }
    case rnn_kind::gru: {
      gru_args<T> a;
      a.xp = xrow, a.ldxp = width, a.m = m, a.ldm = width, a.h = h, a.ldh = ldu, a.rh = rh;
      a.rows = n, a.units = r.units, a.ldu = ldu, a.act = r.act, a.inner = r.inner, a.keep = keep;
      if (r.reset_after) {
        s.ldw = width, s.n = width, s.bias = p_.at(r.rbias), s.y = m, s.ldy = width;
        p_.kernels->gemm(s);
        p_.kernels->gru_after(a);
      } else {
        s.ldw = 2 * ldu, s.n = 2 * ldu, s.y = m, s.ldy = width;
        p_.kernels->gemm(s);
        p_.kernels->gru_gates(a);
        gemm_args<T> cand;
        cand.x = rh, cand.ldx = ldu, cand.m = n, cand.k = r.units, cand.w = p_.at(r.u_h), cand.ldw = ldu, cand.n = ldu;
        cand.c = xrow + 2 * ldu, cand.ldc = width, cand.y = m + 2 * ldu, cand.ldy = width;
        p_.kernels->gemm(cand);
        p_.kernels->gru_update(a);
      }
      break;
    }
    case rnn_kind::simple:
      s.ldw = ldu, s.n = ldu, s.c = fused ? nullptr : xrow, s.ldc = width, s.y = m, s.ldy = ldu;
      p_.kernels->gemm(s);
      p_.kernels->rnn_cell(r.act, m, ldu, h, ldu, n, r.units, keep);
      break;
    }
    if (y && r.go_backwards && r.aligned_output) {
      // Bidirectional: the output of input step len − 1 − t goes back to that step
      for (std::size_t j = 0; j < n; ++j) {
        T* row = y + (ps.offset[ps.len[j] - 1 - t] + j) * ldu;
        if (r.zero_masked && keep && !keep[j]) std::fill(row, row + ldu, T(0));
        else std::memcpy(row, h + j * ldu, ldu * sizeof(T));
      }
    } else if (y) {
      std::memcpy(y + ps.offset[t] * ldu, h, n * ldu * sizeof(T));
      if (r.zero_masked && keep)
        for (std::size_t j = 0; j < n; ++j)
          if (!keep[j]) std::fill(y + (ps.offset[t] + j) * ldu, y + (ps.offset[t] + j + 1) * ldu, T(0));
    }
  }
  final_state();
}

template <typename T> void executor<T>::conv1d(const op& o, const op_conv1d& cv) {
  const value_info& xv = p_.values[o.in[0]];
  const value_info& yv = p_.values[o.out];
  const packing_state& pin = ws_.packings[xv.packing];
  const packing_state& pout = ws_.packings[yv.packing];
  const T* x = rows(o.in[0]);
  T* y = rows(o.out);
  fill_rows(y, yv.ld, pout.rows, p_.at(cv.bias), yv.ld);
  for (std::size_t k = 0; k < cv.kernel; ++k) {
    const T* w = p_.at(cv.w) + k * cv.n_in * yv.ld;
    const std::ptrdiff_t shift = static_cast<std::ptrdiff_t>(k * cv.dilation) - static_cast<std::ptrdiff_t>(cv.left);
    gemm_args<T> g;
    g.ldx = xv.ld, g.k = cv.n_in, g.w = w, g.ldw = yv.ld, g.n = yv.ld, g.ldc = yv.ld, g.ldy = yv.ld;
    if (events_ == 1) {
      // one event: its steps are consecutive rows, so each tap is one product
      const std::ptrdiff_t t0 = std::max<std::ptrdiff_t>(0, -shift);
      const std::ptrdiff_t t1 = std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(pout.steps),
                                                         static_cast<std::ptrdiff_t>(pin.steps) - shift);
      if (t1 <= t0) continue;
      g.x = x + static_cast<std::size_t>(t0 + shift) * xv.ld, g.m = static_cast<std::size_t>(t1 - t0);
      g.c = g.y = y + static_cast<std::size_t>(t0) * yv.ld;
      p_.kernels->gemm(g);
      continue;
    }
    for (std::size_t t = 0; t < pout.steps; ++t) {
      const std::ptrdiff_t s = static_cast<std::ptrdiff_t>(t) + shift;
      if (s < 0 || s >= static_cast<std::ptrdiff_t>(pin.steps)) continue;
      const std::size_t n = std::min(pout.count[t], pin.count[static_cast<std::size_t>(s)]);
      if (n == 0) continue;
      g.x = x + pin.offset[static_cast<std::size_t>(s)] * xv.ld, g.m = n;
      g.c = g.y = y + pout.offset[t] * yv.ld;
      p_.kernels->gemm(g);
    }
  }
  p_.kernels->activate(cv.act, y, pout.rows, yv.width, yv.ld);
}

template <typename T> void executor<T>::embedding(const op& o, const op_embedding& e) {
  const value_info& xv = p_.values[o.in[0]];
  const value_info& yv = p_.values[o.out];
  const packing_state& ps = ws_.packings[xv.packing];
  const T* x = rows(o.in[0]);
  T* y = rows(o.out);
  for (std::size_t row = 0; row < ps.rows; ++row) {
    const T* xr = x + row * xv.ld;
    T* yr = y + row * yv.ld;
    for (std::size_t f = 0; f < e.features.size(); ++f) {
      const auto& feat = e.features[f];
      const T v = xr[feat.source];
      if (feat.table < 0) {
        yr[f] = v;
        continue;
      }
      const auto& tab = e.tables[static_cast<std::size_t>(feat.table)];
      if (!(v >= 0) || v != std::floor(v) || static_cast<double>(v) >= static_cast<double>(tab.categories))
        throw input_error(p_.source + ": node " + std::to_string(o.node) + " (embedding): value " +
                          std::to_string(static_cast<double>(v)) + " of feature " + std::to_string(feat.source) +
                          " is not a category index below " + std::to_string(tab.categories));
      yr[f] = p_.at(tab.offset)[feat.component * tab.categories + static_cast<std::size_t>(v)];
    }
    for (std::size_t f = e.features.size(); f < yv.ld; ++f) yr[f] = T(0);
  }
}

template <typename T> void executor<T>::same_lengths(const op& o) {
  const value_info& yv = p_.values[o.out];
  if (!yv.sequence) return;
  const packing_state& want = ws_.packings[yv.packing];
  for (int v : o.in) {
    const value_info& xv = p_.values[v];
    if (xv.packing == yv.packing) continue;
    const packing_state& got = ws_.packings[xv.packing];
    for (std::size_t b = 0; b < events_; ++b)
      if (got.len[got.rank[b]] != want.len[want.rank[b]])
        throw input_error(p_.source + ": node " + std::to_string(o.node) + " joins sequences step by step, but event " +
                          std::to_string(b) + " has " + std::to_string(want.len[want.rank[b]]) + " steps in one and " +
                          std::to_string(got.len[got.rank[b]]) + " in another");
  }
}

template <typename T> void executor<T>::combine_masks(const op& o, int mask) {
  if (mask < 0) return;
  const value_info& yv = p_.values[o.out];
  std::uint8_t* keep = ws_.mask_ptr[static_cast<std::size_t>(mask)];
  const std::size_t rows = row_count(yv);
  std::fill(keep, keep + rows, std::uint8_t(1));
  for (int v : o.in) {
    const value_info& xv = p_.values[v];
    if (xv.mask < 0) continue;
    const std::uint8_t* m = ws_.mask_ptr[static_cast<std::size_t>(xv.mask)];
    for (std::size_t r = 0; r < rows; ++r) keep[r] = keep[r] & m[r];
  }
}

template <typename T> void executor<T>::concat(const op& o) {
  same_lengths(o);
  const value_info& yv = p_.values[o.out];
  T* y = rows(o.out);
  const std::size_t n = row_count(yv);
  for (std::size_t r = 0; r < n; ++r) {
    T* yr = y + r * yv.ld;
    std::size_t at = 0;
    for (int v : o.in) {
      const value_info& xv = p_.values[v];
      std::memcpy(yr + at, rows(v) + r * xv.ld, xv.width * sizeof(T));
      at += xv.width;
    }
    std::fill(yr + at, yr + yv.ld, T(0));
  }
  combine_masks(o, std::get<op_concat>(o.body).mask);
}

template <typename T> void executor<T>::merge(const op& o, const op_merge& mg) {
  same_lengths(o);
  const value_info& yv = p_.values[o.out];
  T* y = rows(o.out);
  const std::size_t n = row_count(yv);
  binary_op bop = binary_op::add;
  switch (mg.kind) {
  case node_kind::subtract: bop = binary_op::subtract; break;
  case node_kind::multiply: bop = binary_op::multiply; break;
  case node_kind::maximum: bop = binary_op::maximum; break;
  case node_kind::minimum: bop = binary_op::minimum; break;
  default: break;
  }
  const value_info& first = p_.values[o.in[0]];
  copy_rows(rows(o.in[0]), first.ld, y, yv.ld, n, yv.ld);
  for (std::size_t k = 1; k < o.in.size(); ++k)
    p_.kernels->binary(bop, y, yv.ld, rows(o.in[k]), p_.values[o.in[k]].ld, y, yv.ld, n, yv.ld);
  if (mg.kind == node_kind::average) {
    const T inv = T(1) / static_cast<T>(o.in.size());
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t i = 0; i < yv.ld; ++i) y[r * yv.ld + i] *= inv;
  }
  combine_masks(o, mg.mask);
}

template <typename T> void executor<T>::reduce(const op& o, const op_reduce& rd) {
  const value_info& xv = p_.values[o.in[0]];
  const value_info& yv = p_.values[o.out];
  if (!xv.sequence) { // global pooling of a fixed tensor: over all its rows
    const T* x = rows(o.in[0]);
    T* y = rows(o.out);
    const binary_op bop = rd.kind == reduce_kind::max ? binary_op::maximum : binary_op::add;
    for (std::size_t b = 0; b < events_; ++b) {
      const T* block = x + b * xv.rpe * xv.ld;
      T* out = y + b * yv.ld;
      std::memcpy(out, block, yv.ld * sizeof(T));
      for (std::size_t r = 1; r < xv.rpe; ++r) p_.kernels->binary(bop, out, 0, block + r * xv.ld, 0, out, 0, 1, yv.ld);
      if (rd.kind == reduce_kind::mean) {
        const T inv = T(1) / static_cast<T>(xv.rpe);
        for (std::size_t i = 0; i < yv.ld; ++i) out[i] *= inv;
      }
    }
    return;
  }
  const packing_state& ps = ws_.packings[xv.packing];
  const T* x = rows(o.in[0]);
  T* y = rows(o.out);
  const std::size_t ld = yv.ld;
  if (rd.kind == reduce_kind::last) {
    for (std::size_t j = 0; j < events_; ++j) {
      T* out = y + ps.perm[j] * ld;
      if (ps.len[j] == 0) std::fill(out, out + ld, T(0));
      else std::memcpy(out, x + (ps.offset[ps.len[j] - 1] + j) * xv.ld, ld * sizeof(T));
    }
    return;
  }
  const std::uint8_t* keep = xv.mask >= 0 ? ws_.mask_ptr[xv.mask] : nullptr;
  T* acc = scratch();
  T* counts = acc + events_ * ld;
  const T start = rd.kind == reduce_kind::max ? -std::numeric_limits<T>::infinity() : T(0);
  std::fill(acc, acc + events_ * ld, start);
  std::fill(counts, counts + events_, T(0));
  const binary_op bop = rd.kind == reduce_kind::max ? binary_op::maximum : binary_op::add;
  for (std::size_t t = 0; t < ps.steps; ++t) {
    const std::size_t n = ps.count[t];
    const T* block = x + ps.offset[t] * xv.ld;
    if (!keep) {
      p_.kernels->binary(bop, acc, ld, block, xv.ld, acc, ld, n, ld);
      for (std::size_t j = 0; j < n; ++j) counts[j] += T(1);
      continue;
    }
    for (std::size_t j = 0; j < n; ++j)
      if (keep[ps.offset[t] + j]) {
        p_.kernels->binary(bop, acc + j * ld, ld, block + j * xv.ld, xv.ld, acc + j * ld, ld, 1, ld);
        counts[j] += T(1);
      }
  }
  for (std::size_t j = 0; j < events_; ++j) {
    T* out = y + ps.perm[j] * ld;
    const T* a = acc + j * ld;
    const T cnt = counts[j];
    for (std::size_t i = 0; i < ld; ++i) {
      T v = a[i];
      if (rd.kind == reduce_kind::mean) v = cnt > 0 ? v / cnt : T(0);
      if (rd.kind == reduce_kind::max && cnt == 0) v = T(0);
      out[i] = v;
    }
  }
}

template <typename T> void executor<T>::masking(const op& o, const op_masking& mk) {
  const value_info& xv = p_.values[o.in[0]];
  const value_info& yv = p_.values[o.out];
  const std::size_t n = row_count(yv);
  const T* x = rows(o.in[0]);
  T* y = rows(o.out);
  std::uint8_t* keep = ws_.mask_ptr[yv.mask];
  const T value = static_cast<T>(mk.mask_value);
  for (std::size_t r = 0; r < n; ++r) {
    const T* xr = x + r * xv.ld;
    bool any = false;
    for (std::size_t i = 0; i < xv.width && !any; ++i) any = xr[i] != value;
    keep[r] = any;
    if (!any) std::fill(y + r * yv.ld, y + (r + 1) * yv.ld, T(0));
    else if (y != x) std::memcpy(y + r * yv.ld, xr, yv.ld * sizeof(T));
  }
}

template <typename T>
void executor<T>::wrong_steps(const packing_info& info, std::size_t event, std::size_t given) const {
  throw input_error(p_.source + ": input '" + p_.input_sequences[info.input].name + "' has a fixed shape of " +
                    std::to_string(info.steps) + " steps, but event " + std::to_string(event) + " gives " +
                    std::to_string(given));
}

template <typename T> void executor<T>::gather(const op& o, const op_gather& g) {
  const T* x = at(o.x);
  T* y = at(o.y);
  const std::size_t block = g.index.size();
  const std::int32_t* idx = g.index.data();
  for (std::size_t b = 0; b < events_; ++b) {
    const T* xb = x + b * g.in_block;
    T* yb = y + b * block;
    for (std::size_t k = 0; k < block; ++k) yb[k] = idx[k] < 0 ? T(0) : xb[idx[k]];
  }
}

template <typename T> void executor<T>::pack(const op& o, const op_pack& pk) {
  // per event (n, T rows) ↔ time-major (T, n rows); every event has T steps
  const T* x = at(o.x);
  T* y = at(o.y);
  const std::size_t ld = o.y.ld, steps = pk.steps;
  for (std::size_t b = 0; b < events_; ++b)
    for (std::size_t t = 0; t < steps; ++t) {
      const std::size_t per_event = b * steps + t, time_major = t * events_ + b;
      const std::size_t from = pk.to_sequence ? per_event : time_major, to = pk.to_sequence ? time_major : per_event;
      std::memcpy(y + to * ld, x + from * o.x.ld, ld * sizeof(T));
    }
}

template <typename T> void executor<T>::conv(const op& o, const op_conv& c) {
  const T* x = at(o.x);
  T* cols = scratch();
  const std::size_t block = static_cast<std::size_t>(o.x.rpe) * o.x.ld, table = c.positions * c.k;
  const std::int32_t* idx = c.index.data();
  for (std::size_t b = 0; b < events_; ++b) {
    const T* xb = x + b * block;
    T* cb = cols + b * table;
    for (std::size_t k = 0; k < table; ++k) cb[k] = idx[k] < 0 ? T(0) : xb[idx[k]];
  }
  gemm_args<T> g;
  g.x = cols, g.ldx = c.k, g.m = events_ * c.positions, g.k = c.k;
  g.w = p_.at(c.w), g.ldw = o.y.ld, g.n = o.y.ld, g.bias = p_.at(c.bias);
  g.y = at(o.y), g.ldy = o.y.ld, g.relu = c.act.is_plain_relu();
  p_.kernels->gemm(g);
  if (!g.relu && c.act.function != activation_function::linear)
    p_.kernels->activate(c.act, at(o.y), g.m, o.y.width, o.y.ld);
}

template <typename T> void executor<T>::pool(const op& o, const op_pool& pl) {
  const T* x = at(o.x);
  T* y = at(o.y);
  const std::size_t ld = o.y.ld, positions = pl.start.size() - 1;
  for (std::size_t b = 0; b < events_; ++b) {
    const T* xb = x + b * pl.in_rows * o.x.ld;
    for (std::size_t p = 0; p < positions; ++p) {
      T* out = y + (b * positions + p) * ld;
      const std::size_t first = pl.start[p], last = pl.start[p + 1];
      std::memcpy(out, xb + pl.rows[first] * o.x.ld, ld * sizeof(T));
      for (std::size_t k = first + 1; k < last; ++k) { // short rows: a plain loop beats a kernel call per row
        const T* row = xb + pl.rows[k] * o.x.ld;
        if (pl.max)
          for (std::size_t i = 0; i < ld; ++i) out[i] = row[i] > out[i] ? row[i] : out[i];
        else
          for (std::size_t i = 0; i < ld; ++i) out[i] += row[i];
      }
      if (!pl.max) {
        const T inv = T(1) / static_cast<T>(last - first);
        for (std::size_t i = 0; i < ld; ++i) out[i] *= inv;
      }
    }
  }
}

template <typename T> void executor<T>::layer_norm(const op& o, const op_layer_norm& ln) {
  const T* x = at(o.x);
  T* y = at(o.y);
  const T* gamma = p_.at(ln.gamma);
  const T* beta = p_.at(ln.beta);
  const std::size_t n = rows_of(o.y), w = o.y.width;
  for (std::size_t r = 0; r < n; ++r) {
    const T* xr = x + r * o.x.ld;
    T* yr = y + r * o.y.ld;
    double mean = 0, var = 0;
    for (std::size_t i = 0; i < w; ++i) mean += static_cast<double>(xr[i]);
    mean /= static_cast<double>(w);
    for (std::size_t i = 0; i < w; ++i) {
      const double d = static_cast<double>(xr[i]) - mean;
      var += d * d;
    }
    const double inv = 1.0 / std::sqrt(var / static_cast<double>(w) + ln.epsilon);
    for (std::size_t i = 0; i < w; ++i)
      yr[i] = static_cast<T>((static_cast<double>(xr[i]) - mean) * inv * static_cast<double>(gamma[i]) + static_cast<double>(beta[i]));
    for (std::size_t i = w; i < o.y.ld; ++i) yr[i] = T(0);
  }
}

template <typename T> void executor<T>::attention(const op& o, const op_attention& a) {
  const value_info& xv = p_.values[o.in[0]];
  const packing_state& ps = ws_.packings[xv.packing];
  const std::uint8_t* keep = xv.mask >= 0 ? ws_.mask_ptr[xv.mask] : nullptr;
  const std::size_t rows = ps.rows, vw = a.heads * a.value_dim;
  const std::size_t ldo = padded<T>(vw);
  T* qkv = scratch();
  T* ctx = qkv + rows * a.ldqkv;
  T* score = ctx + rows * ldo;
  gemm_args<T> g;
  g.x = at(o.x), g.ldx = o.x.ld, g.m = rows, g.k = a.n_in;
  g.w = p_.at(a.wqkv), g.ldw = a.ldqkv, g.n = a.ldqkv, g.bias = p_.at(a.bqkv), g.y = qkv, g.ldy = a.ldqkv;
  p_.kernels->gemm(g);
  attention_args<T> at_args;
  at_args.qkv = qkv, at_args.ld = a.ldqkv, at_args.offset = ps.offset.data();
  at_args.heads = a.heads, at_args.key_dim = a.key_dim, at_args.value_dim = a.value_dim;
  at_args.keep = keep, at_args.out = ctx, at_args.ldo = ldo;
  at_args.scratch = score;
  at_args.keys = reinterpret_cast<std::size_t*>(score + (a.key_dim + ps.steps) * padded<T>(std::max<std::size_t>(ps.steps, 1)));
  for (std::size_t j = 0; j < events_; ++j) {
    at_args.event = j, at_args.len = ps.len[j];
    p_.kernels->attention(at_args);
  }
  gemm_args<T> og;
  og.x = ctx, og.ldx = ldo, og.m = rows, og.k = vw;
  og.w = p_.at(a.wo), og.ldw = o.y.ld, og.n = o.y.ld, og.bias = p_.at(a.bo), og.y = at(o.y), og.ldy = o.y.ld;
  p_.kernels->gemm(og);
}

template class executor<float>;
template class executor<double>;

} // namespace hepnn::detail
