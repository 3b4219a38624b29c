#pragma once
// Runs a plan on a tile of events. All memory comes from the workspace,
// which only grows: after the largest tile has been seen once, evaluation
// allocates nothing.

#include "hepnn/errors.hpp"
#include "hepnn/network.hpp"
#include "runtime/plan.hpp"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace hepnn::detail {

/// Row layout of one packing for the current tile (see plan.hpp).
struct packing_state {
  std::vector<std::size_t> len;    ///< by sorted position, longest first
  std::vector<std::size_t> perm;   ///< sorted position → event
  std::vector<std::size_t> rank;   ///< event → sorted position
  std::vector<std::size_t> count;  ///< per step: events still running
  std::vector<std::size_t> offset; ///< per step: first row
  std::size_t rows = 0, steps = 0;
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
};

namespace hepnn::detail {

template <typename T> class executor {
public:
  executor(const plan<T>& p, workspace::state& ws) : p_(p), ws_(ws) {}

  /// Lays out a tile of `n` events. `length(i, b)` gives the step count of
  /// input sequence i for event b.
  template <class Length> void begin(std::size_t n, const Length& length) {
    events_ = n;
    ws_.packings.resize(p_.packings.size());
    for (std::size_t k = 0; k < p_.packings.size(); ++k) {
      const packing_info& info = p_.packings[k];
      packing_state& ps = ws_.packings[k];
      if (info.parent < 0) {
        ps.len.resize(n);
        ws_.events.resize(n);
        for (std::size_t b = 0; b < n; ++b) ps.len[b] = length(info.input, b);
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
    for (int v : p_.vector_inputs[index]) {
      const value_info& val = p_.values[v];
      T* y = rows(v);
      const auto& vars = p_.inputs[index].variables;
      for (std::size_t b = 0; b < events_; ++b) {
        T* row = y + b * val.ld;
        for (std::size_t i = 0; i < vars.size(); ++i) row[i] = prepare(raw(b, i), vars[i], p_.inputs[index], b, nullptr);
        for (std::size_t i = vars.size(); i < val.ld; ++i) row[i] = T(0);
      }
    }
  }

  /// Fills sequence input `index` from `raw(event, step, variable)`.
  template <class Raw> void gather_sequence(std::size_t index, const Raw& raw) {
    for (int v : p_.sequence_inputs[index]) {
      const value_info& val = p_.values[v];
      const packing_state& ps = ws_.packings[val.packing];
      T* y = rows(v);
      const auto& vars = p_.input_sequences[index].variables;
      for (std::size_t j = 0; j < events_; ++j) {
        const std::size_t b = ps.perm[j];
        for (std::size_t t = 0; t < ps.len[j]; ++t) {
          T* row = y + (ps.offset[t] + j) * val.ld;
          for (std::size_t i = 0; i < vars.size(); ++i)
            row[i] = prepare(raw(b, t, i), vars[i], p_.input_sequences[index], b, &t);
          for (std::size_t i = vars.size(); i < val.ld; ++i) row[i] = T(0);
        }
      }
    }
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

  std::size_t row_count(const value_info& v) const { return v.sequence ? ws_.packings[v.packing].rows : events_; }
  std::uint8_t* mask(const value_info& v) { return v.mask < 0 ? nullptr : ws_.mask_ptr[v.mask]; }
  T* scratch() { return reinterpret_cast<T*>(ws_.scratch); }

  template <typename V> T prepare(V raw, const variable& var, const input_node& node, std::size_t event, const std::size_t* step) {
    double x = static_cast<double>(raw);
    if (!std::isfinite(x)) {
      if (p_.replace_defaults && var.default_value) {
        x = *var.default_value;
      } else if (std::isnan(x) && p_.nan_is_error) {
        std::string where = "event " + std::to_string(event);
        if (step) where += ", step " + std::to_string(*step);
        throw input_error(p_.source + ": input '" + node.name + "' variable '" + var.name +
                          "' is NaN and has no default (" + where + ")");
      }
    }
    return static_cast<T>((x + var.offset) * var.scale);
  }

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
};

} // namespace hepnn::detail
