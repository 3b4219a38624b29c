#pragma once
// The compute kernels behind the execution plan. The same source
// (kernels_impl.cpp) is compiled once per instruction set (SSE2 baseline,
// AVX2+FMA, AVX-512) and the best table for the running CPU is picked at
// run time, so the default build runs on any x86-64 machine.
//
// Data layout everywhere: row-major matrices, one row per event or time step,
// features along the row. Every row is padded to a multiple of
// `row_align<T>` elements (64 bytes) so kernels work on whole vectors; the
// padding lanes hold finite don't-care values.

#include "hepnn/model.hpp"

#include <cstddef>
#include <cstdint>

namespace hepnn::detail {

template <typename T> inline constexpr std::size_t row_align = 64 / sizeof(T);
/// Doubles per vector on the widest instruction set: see kernel_table::prepare.
inline constexpr std::size_t prepare_period = 8;

constexpr std::size_t round_up(std::size_t n, std::size_t a) { return (n + a - 1) / a * a; }
template <typename T> constexpr std::size_t padded(std::size_t n) { return round_up(n, row_align<T>); }

/// Activation with its parameters as the kernels see it.
struct act_params {
  activation_function function = activation_function::linear;
  double alpha = 0, beta = 0, cap = 0;
  static act_params from(const activation& a) { return {a.function, a.alpha, a.beta, a.cap}; }
  bool is_plain_relu() const { return activation{function, alpha, beta, cap}.is_plain_relu(); }
};

/// y[m × n] = (c ? c : bias ? bias : 0) + x[m × k] · w[k × n], then relu if asked.
/// w is a transposed weight matrix (k × n, row stride ldw); n is a multiple of
/// row_align<T>. ldw may be smaller than n when the columns beyond ldw are
/// don't-care outputs: then rows are read into the next one, and a vector
/// of readable slack must follow the matrix. c may alias y.
template <typename T> struct gemm_args {
  const T* x = nullptr;
  std::size_t ldx = 0, m = 0, k = 0;
  const T* w = nullptr;
  std::size_t ldw = 0, n = 0;
  const T* c = nullptr;
  std::size_t ldc = 0;
  const T* bias = nullptr;
  T* y = nullptr;
  std::size_t ldy = 0;
  bool relu = false;
  /// At most one vector of outputs: sum over k in interleaved partial sums
  /// (a dense layer's last, narrow product; see gemm in kernels_impl.cpp).
  bool split_k = false;
  /// Optional second product added after the first, in the same
  /// accumulators: y = init + x·w + x2·w2 (a recurrent step's input and
  /// state products in one pass). Not with split_k.
  const T* x2 = nullptr;
  std::size_t ldx2 = 0, k2 = 0;
  const T* w2 = nullptr;
  std::size_t ldw2 = 0;
};

/// One LSTM step in one pass (kernel_table::lstm_step): for a vector of
/// units at a time, the four gates' pre-activations z = init + x·w + h·u
/// stay in registers and the cell follows, so z is never stored. init is
/// xp's rows, or the bias when x is given. The state is read from `h` and
/// written to `h_next`, another buffer: a later block of units of the same
/// rows still reads the old state. A masked row copies its h; c stays.
template <typename T> struct lstm_step_args {
  const T* xp = nullptr; ///< [rows × 4·ldu] input projections, or null
  std::size_t ldxp = 0;
  const T* x = nullptr; ///< [rows × k] inputs (when xp is null)
  std::size_t ldx = 0, k = 0;
  const T* w = nullptr;    ///< [k × 4·ldu]
  const T* bias = nullptr; ///< [4·ldu]
  const T* u = nullptr;    ///< [units × 4·ldu]
  const T* h = nullptr;    ///< [rows × ldu] each, h and h_next
  T* h_next = nullptr;
  T* c = nullptr;
  std::size_t rows = 0, units = 0, ldu = 0;
  act_params act, inner;
  const std::uint8_t* keep = nullptr;
};

/// One event's LSTM over all its steps (kernel_table::lstm_sequence): the
/// steps of lstm_step with one row, back to back in one call, without the
/// executor's work between steps.
template <typename T> struct lstm_sequence_args {
  const T* xp = nullptr; ///< [steps × 4·ldu] input projections (bias included)
  std::size_t ldxp = 0, steps = 0;
  const T* u = nullptr; ///< [units × 4·ldu]
  std::size_t units = 0, ldu = 0;
  T* h = nullptr;     ///< state, in and out
  T* c = nullptr;     ///< cell, in and out
  T* spare = nullptr; ///< ldu values: the state being written takes turns with h
  T* y = nullptr;     ///< [steps × ldu] every step's state, or null
  bool zero_masked = false; ///< y of a masked step is zeros (else the kept state)
  const std::uint8_t* keep = nullptr; ///< per step, or null
  act_params act, inner;
};

/// Recurrent cell updates on `rows` active events. Gate blocks are `ldu`
/// apart in z / xp / m rows; `keep` (one byte per row, or null) marks the
/// steps that are not masked: a masked step leaves the state unchanged.
template <typename T> struct lstm_args {
  T* z = nullptr; ///< [rows × 4·ldu] pre-activations i f c o (clobbered)
  std::size_t ldz = 0;
  T* h = nullptr;
  T* c = nullptr;
  std::size_t lds = 0;
  std::size_t rows = 0, units = 0, ldu = 0;
  act_params act, inner;
  const std::uint8_t* keep = nullptr;
};

template <typename T> struct gru_args {
  const T* xp = nullptr; ///< input projections z r h (with biases)
  std::size_t ldxp = 0;
  T* m = nullptr;        ///< reset_after: h·Uᵀ (+ b¹_h); reset_before: h·U_zrᵀ, then the candidate
  std::size_t ldm = 0;
  T* h = nullptr;
  std::size_t ldh = 0;
  T* rh = nullptr; ///< reset_before: receives r ⊙ h
  std::size_t rows = 0, units = 0, ldu = 0;
  act_params act, inner;
  const std::uint8_t* keep = nullptr;
};

/// Self-attention of one event (all heads): the event's step t is row
/// offset[t] + event of `qkv` (rows [q | k | v], q pre-scaled by 1/√key_dim)
/// and of `out`. Masked keys get no weight; with no unmasked key the
/// output is zero.
template <typename T> struct attention_args {
  const T* qkv = nullptr;
  std::size_t ld = 0;
  const std::size_t* offset = nullptr;
  std::size_t event = 0, len = 0, heads = 0, key_dim = 0, value_dim = 0;
  const std::uint8_t* keep = nullptr; ///< per row, or null
  T* out = nullptr;
  std::size_t ldo = 0;
  T* scratch = nullptr;      ///< (key_dim + len) · round_up(len, row_align) values
  std::size_t* keys = nullptr; ///< len entries
};

/// Windowed products of the lane engine (conv, dense on fixed tensors):
/// y[p, f] = bias[f] + Σ_q x[index[p·k + q]] · w[q·ldw + f], summed in q
/// order from the bias, then relu if asked. Element ids index x; every id
/// is valid (padding reads a zero element). Two layouts:
///  - lanes: element e of `lanes` events at x + e·lanes (one vector), y
///    element (p·filters + f) likewise: one event per vector lane;
///  - one event: element e at x + e, y[p·filters + f]; y needs one vector
///    of slack after the last element, and w and bias rows readable as
///    whole vectors (padded).
/// Both compute each output with the same operations in the same order,
/// so an event's result does not depend on which layout computed it.
template <typename T> struct window_args {
  const T* x = nullptr;
  const std::int32_t* index = nullptr;
  std::size_t positions = 0, k = 0, filters = 0;
  const T* w = nullptr;
  std::size_t ldw = 0;
  const T* bias = nullptr; ///< or null: zero
  T* y = nullptr;
  bool relu = false;
  /// window_pool (lanes only): `positions` pooled outputs, index rows
  /// grouped by pool_size source positions each; y[pooled · filters + f]
  std::size_t pool_size = 0;
  bool pool_max = false;
  /// lanes only: `groups` blocks of `lanes` events each, `group_stride`
  /// elements of T apart in x and in y (every step of the block at once:
  /// each weight broadcast then serves several vectors of events)
  std::size_t groups = 1, group_stride = 0;
  /// groups: w repacked for them, or null: blocks of lane_block_filters
  /// filters (the last one narrower), each k × its width, one after another
  const T* w_blocks = nullptr;
};

/// The lane engine's dense steps on AVX-512: lane_groups blocks of events
/// at a time, lane_block_filters filters per block of repacked weights
/// (their product is the accumulator count, within the 32 registers).
constexpr std::size_t lane_groups = 4, lane_block_filters = 6;

/// The element-wise steps of the lane engine, in the same two layouts as
/// window_args (`lanes`: one event per vector lane; otherwise one event,
/// element e at e), with the same arithmetic in both.
enum class lane_map_kind : std::uint8_t { gather, pool_max, pool_avg, affine, bias };
template <typename T> struct lane_map_args {
  lane_map_kind kind = lane_map_kind::gather;
  const T* x = nullptr;
  T* y = nullptr;                       ///< may equal x for affine and bias
  const std::int32_t* index = nullptr;  ///< gather: per output element; pool: source elements
  const std::uint32_t* start = nullptr; ///< pool: output e combines index[start[e] .. start[e+1])
  std::size_t out = 0;                  ///< output elements
  const T* scale = nullptr;             ///< affine: y = x·scale + shift (fused where FMA exists); bias: y = x + scale
  const T* shift = nullptr;
  std::size_t channels = 1; ///< parameters repeat every `channels` elements
  bool lanes = false;
};

/// Runs of elements that lie one after another in each event's source
/// (a row of an image, a step's variables), moved into one event per vector
/// lane by transposing lanes × lanes blocks in registers: events j = 0 ..
/// lanes-1 start at x + j · event_stride, element e at offset storage[e]
/// (+ step[e] · skip), and lands at y + e · lanes. A run starts at a
/// multiple of 64 bytes of a row padded to 64 bytes, so each block's whole
/// vectors stay inside the row.
template <typename T> struct lane_load_args {
  const T* x = nullptr;
  std::size_t event_stride = 0;
  const std::uint32_t* runs = nullptr; ///< (first element, count) pairs
  std::size_t runs_count = 0;
  const std::uint32_t* storage = nullptr;
  const std::uint32_t* step = nullptr; ///< or null
  std::size_t skip = 0;
  T* y = nullptr;
};

/// A fixed-length input's raw rows prepared ((x + offset) · scale in
/// double, as kernel_table::prepare) straight into lanes: event j's step t
/// variable i at x[j · event_stride + t · row_stride + i] lands at element
/// t · width + i. Returns false if any value is NaN or infinite.
template <typename T> struct lane_prepare_args {
  const T* x = nullptr;
  std::size_t event_stride = 0, row_stride = 0, width = 0, steps = 0;
  std::size_t readable = 0; ///< values readable from x
  const double* offset = nullptr; ///< per variable
  const double* scale = nullptr;
  T* y = nullptr;
};

enum class binary_op : std::uint8_t { add, subtract, multiply, maximum, minimum };

template <typename T> struct kernel_table {
  const char* isa;
  void (*gemm)(const gemm_args<T>&);
  /// In place on rows × n (n real columns, row stride ld).
  void (*activate)(const act_params&, T* y, std::size_t rows, std::size_t n, std::size_t ld);
  void (*lstm_cell)(const lstm_args<T>&);
  /// false, writing nothing, where it does not apply (float64; gates other
  /// than sigmoid or hard_sigmoid with tanh): then gemm + lstm_cell.
  bool (*lstm_step)(const lstm_step_args<T>&);
  /// false, writing nothing, where lstm_step would be.
  bool (*lstm_sequence)(const lstm_sequence_args<T>&);
  /// reset_after: the whole update from xp and m.
  void (*gru_after)(const gru_args<T>&);
  /// reset_before, first half: z and r into m (activated), r ⊙ h into rh.
  void (*gru_gates)(const gru_args<T>&);
  /// reset_before, second half: m holds z (block 0) and the candidate
  /// pre-activation (block 2); updates h.
  void (*gru_update)(const gru_args<T>&);
  /// h = keep ? act(z) : h
  void (*rnn_cell)(const act_params&, T* z, std::size_t ldz, T* h, std::size_t ldh, std::size_t rows,
                   std::size_t n, const std::uint8_t* keep);
  /// y = a op b (rows × n)
  void (*binary)(binary_op, const T* a, std::size_t lda, const T* b, std::size_t ldb, T* y, std::size_t ldy,
                 std::size_t rows, std::size_t n);
  /// y = w ⊙ x + c (rows × n)
  void (*affine)(const T* x, std::size_t ldx, const T* w, const T* c, T* y, std::size_t ldy, std::size_t rows,
                 std::size_t n);
  /// Input preprocessing of rows of raw values: y = (x + offset) · scale,
  /// computed in double; returns false if any x is NaN or infinite (then
  /// the caller redoes those values with their defaults). offset and scale
  /// continue periodically (entry k is variable k mod n) for
  /// n · prepare_period entries.
  bool (*prepare)(const T* x, std::size_t ldx, const double* offset, const double* scale, T* y, std::size_t ldy,
                  std::size_t rows, std::size_t n);
  void (*attention)(const attention_args<T>&);
  void (*window_lanes)(const window_args<T>&);
  void (*window_event)(const window_args<T>&);
  void (*lane_map)(const lane_map_args<T>&);
  void (*lane_load)(const lane_load_args<T>&);
  void (*window_pool)(const window_args<T>&);
  bool (*lane_prepare)(const lane_prepare_args<T>&);
  /// The inverse of lane_load for a vector: elements [0, n) of `lanes`
  /// events (x + e · lanes) to rows y + j · ldy, each row zero from n to n
  /// rounded up to whole vectors.
  void (*lane_store)(const T* x, std::size_t n, T* y, std::size_t ldy);
  std::size_t lanes; ///< elements per vector of this instruction set
};

/// The table for the best instruction set of this CPU, or the one named by
/// the environment variable HEPNN_ISA (sse2, avx2, avx512) when set.
template <typename T> const kernel_table<T>& kernels();

/// Every table this CPU can run (for tests that compare them).
template <typename T> std::size_t kernel_count();
template <typename T> const kernel_table<T>& kernels_at(std::size_t i);

} // namespace hepnn::detail
