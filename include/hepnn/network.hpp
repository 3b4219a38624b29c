#pragma once
/// \file network.hpp
/// A compiled network: immutable, safe to evaluate from many threads at once
/// (each thread with its own `workspace`), and allocation-free per call once
/// its workspace has grown to the largest input seen.
///
/// Three ways to evaluate:
///  * name-keyed (`compute`, `scan`): lwtnn's map-based habits, for migration;
///  * fast path (`bind` once, then `evaluate`): contiguous buffers in the
///    caller's variable order, outputs written into a caller buffer;
///  * batch path (`evaluate_batch`): many events at once, with
///    variable-length sequences, for scoring files.
///
/// Inputs are raw values; each variable is fed as (x + offset) · scale. A NaN
/// or ±inf value with a `default` in the network is replaced by the default
/// first (Athena's NanReplacer); a NaN without a default is an input_error,
/// unless the network was built with nan_policy::pass.

#include "hepnn/model.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hepnn {

namespace detail {
template <typename T> struct plan;
}

enum class nan_policy : std::uint8_t {
  error, ///< a NaN input without a default throws input_error
  pass,  ///< NaN is fed to the network as it is
};

struct network_options {
  /// Replace NaN / ±inf inputs by the variable's default, when it has one.
  bool replace_defaults = true;
  nan_policy nan = nan_policy::error;
  /// Events per internal tile of the batch path (bounds workspace memory).
  std::size_t batch_tile = 256;
  /// Force the kernels of one instruction set ("sse2", "avx2", "avx512");
  /// empty: the best this CPU runs (or the HEPNN_ISA environment variable).
  std::string isa;
};

/// The instruction sets whose kernels this CPU can run, best first.
std::vector<std::string> available_isas();

/// The order in which the caller passes variables (lwtnn's InputOrder): for
/// each input node, its name and the variable names in buffer order.
struct input_order {
  std::vector<std::pair<std::string, std::vector<std::string>>> scalar;
  std::vector<std::pair<std::string, std::vector<std::string>>> sequence;
};

/// One event's sequence: `steps` rows of the node's variables, row-major.
template <typename T> struct sequence_input {
  const T* values = nullptr;
  std::size_t steps = 0;
};

/// A batch's sequences: event b owns rows offsets[b] .. offsets[b+1] of `values`
/// (row-major, one row per step); `offsets` has n + 1 entries.
template <typename T> struct sequence_batch {
  const T* values = nullptr;
  const std::size_t* offsets = nullptr;
};

using value_map = std::map<std::string, double>;
using vector_map = std::map<std::string, std::vector<double>>;
using node_map = std::map<std::string, value_map>;
using seq_node_map = std::map<std::string, vector_map>;

/// Per-thread scratch memory for evaluation. It grows to the largest input
/// seen and is then reused without allocating. Any network may use it, but
/// only one thread at a time.
class workspace {
public:
  workspace();
  ~workspace();
  workspace(workspace&&) noexcept;
  workspace& operator=(workspace&&) noexcept;
  /// Bytes reserved for activations.
  std::size_t bytes() const noexcept;

  struct state;
  state& get() noexcept { return *state_; }

private:
  std::unique_ptr<state> state_;
};

/// Variable names resolved against one network (see basic_network::bind).
class binding {
public:
  /// Values written per event by evaluate: the selected outputs' labels, in order.
  std::size_t output_size() const noexcept { return output_size_; }
  /// Selected outputs as (name, offset of its first label in the output row).
  const std::vector<std::pair<std::string, std::size_t>>& outputs() const noexcept { return output_names_; }

private:
  template <typename T> friend class basic_network;
  struct source {
    std::size_t node = 0;             ///< position in the caller's order
    std::vector<std::size_t> columns; ///< caller column of each network variable
    std::size_t stride = 0;           ///< caller variables per row
    bool in_order = false;            ///< columns are 0, 1, 2, ...
  };
  const void* plan_ = nullptr;
  std::vector<source> scalars_, sequences_;
  std::size_t caller_scalars_ = 0, caller_sequences_ = 0;
  std::vector<std::size_t> selected_; ///< plan output indices
  std::vector<std::pair<std::string, std::size_t>> output_names_;
  std::size_t output_size_ = 0;
  std::vector<bool> needed_ops_, wanted_values_;
};

template <typename T> class basic_network {
public:
  using value_type = T;

  explicit basic_network(const model& m, const network_options& options = {});
  /// Reads and compiles a network file.
  explicit basic_network(const std::filesystem::path& file, const network_options& options = {});

  const std::vector<input_node>& inputs() const noexcept;
  const std::vector<input_node>& input_sequences() const noexcept;
  std::vector<std::string> output_names() const;
  const std::vector<std::string>& labels(std::string_view output) const;
  bool is_sequence_output(std::string_view output) const;
  /// The instruction set of the kernels in use ("avx512", "avx2", "sse2").
  std::string_view isa() const noexcept;

  /// Resolves the caller's variable order once; `outputs` selects the outputs
  /// evaluate writes (default: every output, in file order). Throws
  /// config_error naming a network variable the order does not provide.
  binding bind(const input_order& order, const std::vector<std::string>& outputs = {}) const;
  /// The network's own order (every input node with its variables).
  input_order native_order() const;

  /// One event. `scalars[k]` points to the values of the k-th scalar node of
  /// the binding's order; `out` receives binding.output_size() values.
  void evaluate(const binding& b, std::span<const T* const> scalars, std::span<const sequence_input<T>> sequences,
                std::span<T> out, workspace& ws) const;

  /// `n` events. `scalars[k]` points to n rows of the k-th scalar node's
  /// variables; `out` receives n rows of binding.output_size() values.
  void evaluate_batch(const binding& b, std::size_t n, std::span<const T* const> scalars,
                      std::span<const sequence_batch<T>> sequences, std::span<T> out, workspace& ws) const;

  /// Every vector output as output → label → value (lwtnn LightweightGraph style).
  std::map<std::string, value_map> compute_all(const node_map& inputs, const seq_node_map& sequences = {}) const;
  /// One output (the only one, or the one named).
  value_map compute(const node_map& inputs, const seq_node_map& sequences = {}, std::string_view output = {}) const;
  /// A sequence output, label → one value per step.
  vector_map scan(const node_map& inputs, const seq_node_map& sequences = {}, std::string_view output = {}) const;

private:
  std::shared_ptr<const detail::plan<T>> plan_;
  std::size_t output_index(std::string_view name) const;
};

extern template class basic_network<float>;
extern template class basic_network<double>;

/// float32 evaluation, the default in reconstruction software.
using network = basic_network<float>;
/// float64 evaluation.
using network64 = basic_network<double>;

} // namespace hepnn
