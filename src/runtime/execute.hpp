#pragma once
// Runs a plan on a tile of events. All memory comes from the workspace,
// which only grows: after the largest tile has been seen once, evaluation
// allocates nothing.

#include "hepnn/errors.hpp"
#include "hepnn/network.hpp"
#include "runtime/plan.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>
#include <string>
#include <vector>

namespace hepnn::detail {

/// The float or the double member of a pair kept in the workspace for both precisions.
template <typename T> std::vector<T>& by_precision(std::vector<float>& f32, std::vector<double>& f64) {
  if constexpr (std::is_same_v<T, float>) return f32;
  else return f64;
}
template <typename T> std::vector<const T*>& by_precision(std::vector<const float*>& f32, std::vector<const double*>& f64) {
  if constexpr (std::is_same_v<T, float>) return f32;
  else return f64;
}


/// Row layout of one packing for the current tile (see plan.hpp).
struct packing_state {
  std::vector<std::size_t> len;    ///< by sorted position, longest first
  std::vector<std::size_t> perm;   ///< sorted position → event
  std::vector<std::size_t> rank;   ///< event → sorted position
  std::vector<std::size_t> count;  ///< per step: events still running
  std::vector<std::size_t> offset; ///< per step: first row
  std::size_t rows = 0, steps = 0;
};

/// Where a fixed-length sequence input's rows are in the caller's memory,
/// for the lanes op that reads them itself (value_info::raw_rows); x is
/// null when this tile's rows went through the workspace as usual.
struct raw_source {
  const void* x = nullptr;      ///< the first event's first row
  std::size_t event_stride = 0; ///< values from one event's rows to the next's
  std::size_t row_stride = 0;   ///< values from one step to the next
  std::size_t readable = 0;     ///< values readable from x
};

} // namespace hepnn::detail

struct hepnn::workspace::state {
  detail::aligned_array<std::byte> memory;
  std::size_t capacity = 0;
  std::vector<detail::packing_state> packings;
  std::vector<std::byte*> slot_ptr;
  std::vector<std::uint8_t*> mask_ptr;
  std::vector<std::uint8_t> keep;
  std::byte* scratch = nullptr;
  std::vector<std::size_t> events; ///< sort helper
  std::vector<detail::raw_source> raw; ///< per input sequence
  // the layout above was made for this plan, event count and packing rows
  std::uint64_t plan = 0;
  std::size_t events_laid_out = 0;
  std::vector<std::size_t> rows;
  // scratch of the workflow layers (ftag tagger) built on top of a network
  std::vector<float> tagger_inputs32;
  std::vector<double> tagger_inputs64;
  std::vector<std::size_t> tagger_offsets, tagger_order;
  std::vector<const float*> tagger_ptrs32;
  std::vector<const double*> tagger_ptrs64;
  // scratch of the tau evaluator
  std::vector<std::size_t> tau_tracks, tau_clusters;
  std::vector<float> tau_inputs32, tau_outputs32;
  std::vector<double> tau_inputs64, tau_outputs64;
};

namespace hepnn::detail {

template <typename T> class executor {
public:
  executor(const plan<T>& p, workspace::state& ws) : p_(p), ws_(ws) {}

  /// Lays out a tile of `n` events. `length(i, b)` gives the step count of
  /// input sequence i for event b.
  template <class Length> void begin(std::size_t n, const Length& length) {
    events_ = n;
    ws_.raw.assign(p_.input_sequences.size(), {});
    ws_.packings.resize(p_.packings.size());
    for (std::size_t k = 0; k < p_.packings.size(); ++k) {
      const packing_info& info = p_.packings[k];
      packing_state& ps = ws_.packings[k];
      if (info.fixed > 0) { // a tensor scanned as a sequence: every event has the same steps
        ps.len.assign(n, info.fixed);
        ps.perm.resize(n);
        ps.rank.resize(n);
        for (std::size_t b = 0; b < n; ++b) ps.perm[b] = ps.rank[b] = b;
      } else if (info.parent < 0) {
        ps.len.resize(n);
        ws_.events.resize(n);
        for (std::size_t b = 0; b < n; ++b) {
          ps.len[b] = length(info.input, b);
          if (info.steps && ps.len[b] != info.steps) wrong_steps(info, b, ps.len[b]);
        }
        sort_events(ps);
      } else {
        derive(ps, ws_.packings[static_cast<std::size_t>(info.parent)], info);
      }
      layout_steps(ps);
    }
    reserve();
  }

  /// Fills vector input `index` from `raw(event, variable)`.
  template <class Raw> void gather_vector(std::size_t index, const Raw& raw) {
    const input_prep& pr = p_.vector_prep[index];
    const std::size_t n = pr.count;
    for (int v : p_.vector_inputs[index]) {
      const std::size_t ld = p_.values[v].ld;
      T* y = rows(v);
      for (std::size_t b = 0; b < events_; ++b) {
        T* row = y + b * ld;
        for (std::size_t i = 0; i < n; ++i) {
          double x = static_cast<double>(raw(b, i));
          if (__builtin_expect(!(x - x == 0.0), 0)) x = replace(x, false, index, i, b, 0);
          row[i] = static_cast<T>((x + pr.offset[i]) * pr.scale[i]);
        }
        for (std::size_t i = n; i < ld; ++i) row[i] = T(0);
      }
    }
  }

  /// After a prepare() that met a NaN or infinite input: in each of `count`
  /// prepared rows (row r at y + r·ldy) holding a value that is not finite
  /// (a non-finite input always gives one), each non-finite input raw(r, i)
  /// is redone with its default, or its error; at(r) gives row r's event
  /// and step. Rows are visited in order, so the error names the first.
  template <class Raw, class At>
  void fix_rows(bool sequence, std::size_t index, T* y, std::size_t ldy, std::size_t count, const Raw& raw, const At& at) {
    const input_prep& pr = (sequence ? p_.sequence_prep : p_.vector_prep)[index];
    for (std::size_t r = 0; r < count; ++r) {
      T* row = y + r * ldy;
      // all-ones exponents (NaN, ±inf), tested on the bits: a loop the compiler vectorises
      using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
      constexpr U exponent = sizeof(T) == 4 ? U(0x7f800000u) : U(0x7ff0000000000000ull);
      U special = 0;
      for (std::size_t i = 0; i < pr.count; ++i) {
        U u;
        std::memcpy(&u, row + i, sizeof u);
        special |= U((u & exponent) == exponent);
      }
      if (!special) continue;
      const auto [event, step] = at(r);
      for (std::size_t i = 0; i < pr.count; ++i) {
        U u;
        std::memcpy(&u, row + i, sizeof u);
        if ((u & exponent) != exponent) continue; // a finite input: its prepared value is finite too
        const double x = static_cast<double>(raw(r, i));
        if (x - x == 0.0) continue; // finite, only its preparation overflowed: kept as it is
        row[i] = p_.replace_defaults && pr.has_default[i]
                     ? static_cast<T>(pr.prepared_default[i]) // (default + offset) · scale, computed at load
                     : static_cast<T>((replace(x, sequence, index, i, event, step) + pr.offset[i]) * pr.scale[i]);
      }
    }
  }
  static std::pair<std::size_t, std::size_t> event_alone(std::size_t b) { return {b, 0}; }

  /// Fills vector input `index` from rows of `stride` values whose first
  /// variables are the network's, in order (the common, fast case).
  void gather_vector_rows(std::size_t index, const T* src, std::size_t stride) {
    const input_prep& pr = p_.vector_prep[index];
    const std::size_t n = pr.count;
    const double* off = pr.offset.data();
    const double* sc = pr.scale.data();
    for (int v : p_.vector_inputs[index]) {
      const std::size_t ld = p_.values[v].ld;
      T* y = rows(v);
      if (!p_.kernels->prepare(src, stride, off, sc, y, ld, events_, n))
        fix_rows(false, index, y, ld, events_, [&](std::size_t b, std::size_t i) { return src[b * stride + i]; }, event_alone);
    }
  }

  /// Fills vector input `index` from rows of `stride` values holding the
  /// network's variables at `columns`: gathered into place, then prepared
  /// there by the vectorised kernel (the values are already of type T, so
  /// the arithmetic is that of gather_vector).
  void gather_vector_columns(std::size_t index, const T* src, std::size_t stride, const std::size_t* columns) {
    const input_prep& pr = p_.vector_prep[index];
    const std::size_t n = pr.count;
    const double* off = pr.offset.data();
    const double* sc = pr.scale.data();
    for (int v : p_.vector_inputs[index]) {
      const std::size_t ld = p_.values[v].ld;
      T* y = rows(v);
      for (std::size_t b = 0; b < events_; ++b) {
        T* row = y + b * ld;
        const T* s = src + b * stride;
        for (std::size_t i = 0; i < n; ++i) row[i] = s[columns[i]];
        for (std::size_t i = n; i < ld; ++i) row[i] = T(0);
      }
      if (!p_.kernels->prepare(y, ld, off, sc, y, ld, events_, n))
        fix_rows(false, index, y, ld, events_, [&](std::size_t b, std::size_t i) { return src[b * stride + columns[i]]; },
                 event_alone);
    }
  }

  /// Fills sequence input `index` from `raw(event, step, variable)`.
  template <class Raw> void gather_sequence(std::size_t index, const Raw& raw) {
    const input_prep& pr = p_.sequence_prep[index];
    const std::size_t n = pr.count;
    for (int v : p_.sequence_inputs[index]) {
      const value_info& val = p_.values[v];
      const packing_state& ps = ws_.packings[val.packing];
      T* y = rows(v);
      for (std::size_t j = 0; j < events_; ++j) {
        const std::size_t b = ps.perm[j];
        for (std::size_t t = 0; t < ps.len[j]; ++t) {
          T* row = y + (ps.offset[t] + j) * val.ld;
          for (std::size_t i = 0; i < n; ++i) {
            double x = static_cast<double>(raw(b, t, i));
            if (__builtin_expect(!(x - x == 0.0), 0)) x = replace(x, true, index, i, b, t);
            row[i] = static_cast<T>((x + pr.offset[i]) * pr.scale[i]);
          }
        }
      }
    }
  }

  /// Fills sequence input `index` from rows of `stride` values whose first
  /// variables are the network's, in order: event b's step t is row
  /// offsets[b] + t of `src`. Runs of steps with the same row distance in
  /// the packing (every step of a fixed-length input) are one kernel call.
  void gather_sequence_rows(std::size_t index, const T* src, const std::size_t* offsets, std::size_t stride) {
    const input_prep& pr = p_.sequence_prep[index];
    const std::size_t n = pr.count;
    const double* off = pr.offset.data();
    const double* sc = pr.scale.data();
    for (int v : p_.sequence_inputs[index]) {
      const value_info& val = p_.values[v];
      const packing_state& ps = ws_.packings[val.packing];
      T* y = rows(v);
      if (std::size_t apart = 0; fixed_length_rows(ps, offsets, apart)) {
        if (val.raw_rows && stride >= n) { // its lanes op reads these rows itself
          const std::size_t first = offsets[ps.perm[0]] * stride;
          ws_.raw[index] = {src + first, apart * stride, stride,
                            ((events_ - 1) * apart + ps.len[0] - 1) * stride + n};
          continue;
        }
        // every event has every step, and event j's rows start `apart` rows
        // after event j-1's: one kernel call per step writes that step's rows
        // of all events, which lie one after another (time-major packing)
        for (std::size_t t = 0; t < ps.len[0]; ++t) {
          const T* from = src + (offsets[ps.perm[0]] + t) * stride;
          T* row = y + ps.offset[t] * val.ld;
          if (!p_.kernels->prepare(from, apart * stride, off, sc, row, val.ld, events_, n)) // rare: a NaN or infinity
            fix_rows(true, index, row, val.ld, events_, [&](std::size_t j, std::size_t i) { return from[j * apart * stride + i]; },
                     [&](std::size_t j) { return std::pair{ps.perm[j], t}; });
        }
        continue;
      }
      for (std::size_t j = 0; j < events_; ++j) {
        const std::size_t b = ps.perm[j], len = ps.len[j];
        const T* from = src + offsets[b] * stride;
        for (std::size_t t = 0; t < len;) {
          std::size_t end = t + 1; // steps t..end-1 are count[t] rows apart
          while (end < len && ps.count[end] == ps.count[t]) ++end;
          T* row = y + (ps.offset[t] + j) * val.ld;
          const std::size_t ldy = ps.count[t] * val.ld;
          if (!p_.kernels->prepare(from + t * stride, stride, off, sc, row, ldy, end - t, n)) // rare: a NaN or infinity
            fix_rows(true, index, row, ldy, end - t, [&](std::size_t r, std::size_t i) { return from[(t + r) * stride + i]; },
                     [&](std::size_t r) { return std::pair{b, t + r}; });
          t = end;
        }
      }
    }
  }

  /// Whether every event of `ps` has its full length of steps, in rows of
  /// the source a constant `apart` rows from one event to the next (in
  /// packing order): a fixed-length input of a contiguous batch.
  bool fixed_length_rows(const packing_state& ps, const std::size_t* offsets, std::size_t& apart) const {
    if (events_ < 2 || ps.len.empty() || ps.len[0] == 0) return false;
    const std::size_t len = ps.len[0];
    for (std::size_t t = 0; t < len; ++t)
      if (ps.count[t] != events_) return false;
    if (offsets[ps.perm[1]] <= offsets[ps.perm[0]]) return false;
    apart = offsets[ps.perm[1]] - offsets[ps.perm[0]];
    if (apart < len) return false;
    for (std::size_t j = 1; j < events_; ++j)
      if (ps.len[j] != len || offsets[ps.perm[j]] != offsets[ps.perm[0]] + j * apart) return false;
    return true;
  }

  /// Runs the operations; `needed` (per op) may skip those no requested
  /// output depends on.
  void run(const std::vector<bool>* needed, const std::vector<bool>* wanted_values);

  T* rows(int v) const { return reinterpret_cast<T*>(ws_.slot_ptr[p_.values[v].slot]); }
  const packing_state& packing(std::size_t k) const { return ws_.packings[k]; }

private:
  const plan<T>& p_;
  workspace::state& ws_;
  std::size_t events_ = 0;
  const std::vector<bool>* wanted_ = nullptr;

  std::size_t row_count(const value_info& v) const { return v.sequence ? ws_.packings[v.packing].rows : events_ * v.rpe; }
  [[noreturn]] void wrong_steps(const packing_info& info, std::size_t event, std::size_t given) const;
  std::uint8_t* mask(const value_info& v) { return v.mask < 0 ? nullptr : ws_.mask_ptr[v.mask]; }
  T* scratch() { return reinterpret_cast<T*>(ws_.scratch); }
  T* at(const value_ref& r) const { return reinterpret_cast<T*>(ws_.slot_ptr[r.slot]); }
  std::size_t rows_of(const value_ref& r) const {
    return r.packing < 0 ? events_ * r.rpe : ws_.packings[static_cast<std::size_t>(r.packing)].rows;
  }

  /// A NaN or infinite input: its default, an error, or itself.
  double replace(double x, bool sequence, std::size_t node, std::size_t var, std::size_t event, std::size_t step) const;

  void sort_events(packing_state& ps);
  void derive(packing_state& ps, const packing_state& parent, const packing_info& info);
  void layout_steps(packing_state& ps);
  void reserve();

  void dense(const op& o, const op_dense& d);
  void affine(const op& o, const op_affine& a);
  void prelu(const op& o, const op_prelu& a);
  void maxout(const op& o, const op_maxout& a);
  void highway(const op& o, const op_highway& a);
  void recurrent(const op& o, const op_recurrent& r);
  void conv1d(const op& o, const op_conv1d& c);
  void embedding(const op& o, const op_embedding& e);
  void concat(const op& o);
  void merge(const op& o, const op_merge& m);
  void reduce(const op& o, const op_reduce& r);
  void masking(const op& o, const op_masking& m);
  void gather(const op& o, const op_gather& g);
  void pack(const op& o, const op_pack& p);
  void conv(const op& o, const op_conv& c);
  void pool(const op& o, const op_pool& p);
  void layer_norm(const op& o, const op_layer_norm& l);
  void attention(const op& o, const op_attention& a);
  void lanes(const op& o, const op_lanes& l);
  template <std::size_t W> void lane_group(const op& o, const op_lanes& l, std::size_t first, std::size_t groups);
  template <std::size_t W> void lane_steps(const op_lanes& l, T*& cur, T*& next, std::size_t groups, std::size_t stride);
  template <std::size_t W> bool run_lane_step(const lane_step& s, T* cur, T* next);
  void lane_rows(const op& o, const op_lanes& l, std::size_t first, std::size_t count);
  template <std::size_t W> void take_in(const op& o, const op_lanes& l, std::size_t first, T* cur);
  void put_out(const op& o, const op_lanes& l, const T* c, T* y);
  template <std::size_t W> void raw_lanes(const op& o, const op_lanes& l, std::size_t first, T* cur);
  template <std::size_t W> void move_in(const op& o, const op_lanes& l, std::size_t first, T* cur);
  /// Sequences from other packings than the output's must have the same lengths.
  void same_lengths(const op& o);
  void combine_masks(const op& o, int mask);
};

} // namespace hepnn::detail
