#pragma once
// The compiled, immutable form of a model: a list of operations over
// "values" (the outputs of nodes), with weights packed for the kernels in one
// aligned buffer in execution order, and workspace slots assigned by
// liveness. Evaluation (execute.cpp) needs only a plan and a workspace.
//
// Layout of a value in the workspace: a row-major matrix, one row per event
// (vectors) or per (event, step) (sequences), rows padded to 64 bytes.
// Sequences of a batch are "packed" time-major: events are sorted by length
// (longest first), and the rows of step t are the events still running at t,
// so every step of a recurrent scan is one contiguous block of rows.

#include "hepnn/model.hpp"
#include "kernels/kernels.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace hepnn::detail {

struct value_info {
  bool sequence = false;
  std::size_t rpe = 1;     ///< tensors: rows per event (the product of the leading axes)
  std::size_t width = 0;   ///< real features
  std::size_t ld = 0;      ///< row stride (padded)
  std::size_t packing = 0; ///< sequences: which packing their rows follow
  int mask = -1;           ///< sequences: mask array, or -1
  int slot = -1;           ///< workspace slot
  std::size_t node = 0;    ///< IR node that produced it (messages)
  /// A fixed-length sequence input that only a lanes op reads: given as
  /// rows (gather_sequence_rows), that op reads the caller's rows itself.
  bool raw_rows = false;
};

/// How the rows of a sequence are laid out: packings derive from an input
/// sequence, or from another packing shortened by a 'valid' convolution.
struct packing_info {
  std::size_t input = 0;
  int parent = -1;
  std::size_t shrink = 0;
  std::size_t node = 0;  ///< node that created it (messages)
  std::size_t fixed = 0; ///< a tensor scanned as a sequence: every event has this many steps
  std::size_t steps = 0; ///< input packings: the input's fixed step count (0: any)
};

// ---- operations -----------------------------------------------------------

struct op_input {
  std::size_t index = 0; ///< into inputs or input_sequences
  bool sequence = false;
};
struct op_dense {
  std::size_t n_in = 0, w = 0, bias = 0; ///< arena offsets
  std::size_t ldw = 0;                   ///< row stride of the transposed matrix
  bool has_matrix = true, has_bias = false, fused_relu = false;
  act_params act;
};
struct op_affine {
  std::size_t scale = 0, shift = 0; ///< y = scale ⊙ x + shift
};
struct op_prelu {
  std::size_t alpha = 0;
};
struct op_maxout {
  std::size_t n_in = 0, parts = 0, w = 0, bias = 0;
};
struct op_highway {
  std::size_t n_in = 0, w = 0, bias = 0; ///< [transform | carry]
  act_params act;
};
enum class rnn_kind : std::uint8_t { lstm, gru, simple };
struct op_recurrent {
  rnn_kind kind = rnn_kind::lstm;
  std::size_t n_in = 0, units = 0, ldu = 0; ///< gate blocks are ldu apart
  std::size_t w = 0, u = 0, bias = 0;       ///< input kernel, recurrent kernel, input bias
  std::size_t u_h = 0, rbias = 0;           ///< GRU: candidate recurrent kernel (reset_before) / recurrent bias (reset_after)
  bool reset_after = false, go_backwards = false;
  bool aligned_output = false, zero_masked = false;
  act_params act, inner;
  int final_value = -1; ///< vector value receiving the last state, or -1
};
struct op_conv1d {
  std::size_t n_in = 0, kernel = 1, dilation = 1, left = 0; ///< left: zeros padded before step 0
  std::size_t w = 0, bias = 0;                              ///< kernel taps: [kernel][n_in × ld_out]
  act_params act;
};
struct op_embedding {
  /// For each output feature: the input feature it reads, and the table
  /// (or -1 for a plain copy) with the component.
  struct feature {
    std::size_t source = 0;
    int table = -1;
    std::size_t component = 0;
  };
  std::vector<feature> features;
  struct table {
    std::size_t offset = 0, n_out = 0, categories = 0;
  };
  std::vector<table> tables;
};
/// Sequences from several packings are joined step by step: their events
/// must have equal lengths (checked), and masks are combined with AND.
struct op_concat {
  int mask = -1; ///< a mask of its own (AND of the inputs'), or -1
};
struct op_merge {
  node_kind kind = node_kind::add;
  int mask = -1;
};
/// Per event: out element k = in element index[k] (storage offsets within
/// one event's block), or 0 for −1. Flatten, Reshape, Permute, padding,
/// cropping and RepeatVector are all such tables.
struct op_gather {
  std::vector<std::int32_t> index;
  std::size_t in_block = 0; ///< elements per event in the source
};
/// A tensor (T, F) laid out per event ↔ a sequence of T steps (time-major).
struct op_pack {
  bool to_sequence = true;
  std::size_t steps = 0;
};
/// Convolution of a fixed tensor: per event, `index` gathers each output
/// position's window (positions × k, −1 = padding zero) into scratch rows,
/// then one product with the packed kernel.
struct op_conv {
  std::vector<std::int32_t> index;
  std::size_t positions = 0, k = 0, w = 0, bias = 0;
  act_params act;
};
/// Pooling of a fixed tensor: output row p of an event combines the source
/// rows rows[start[p] .. start[p+1]) of that event.
struct op_pool {
  std::vector<std::uint32_t> start, rows;
  std::size_t in_rows = 0; ///< source rows per event
  bool max = true;
};
struct op_layer_norm {
  std::size_t gamma = 0, beta = 0; ///< arena offsets (γ = 1, β = 0 when absent: packed as such)
  double epsilon = 0;
};
/// Self-attention over each event's steps: q, k, v projections in one
/// product, then per event and head softmax(q·kᵀ/√d)·v, then the output
/// projection. Masked keys get no weight.
struct op_attention {
  std::size_t n_in = 0, heads = 0, key_dim = 0, value_dim = 0;
  std::size_t wqkv = 0, bqkv = 0, ldqkv = 0; ///< [q | k | v] columns
  std::size_t wo = 0, bo = 0;
};
enum class reduce_kind : std::uint8_t { sum, mean, max, last };
struct op_reduce {
  reduce_kind kind = reduce_kind::sum;
};
struct op_masking {
  double mask_value = 0;
};

/// A chain of operations on fixed tensors run by the lane engine (lanes.cpp):
/// per group of as many events as a vector has lanes, every element of a
/// tensor is one vector (one event per lane), so narrow tensors (a few
/// channels) waste no lanes on padding; leftover events run one at a time
/// with the same arithmetic. Tensors are numbered compactly (row · width +
/// column); index tables hold those element ids, with `zero` for padding.
/// window_pool: a window whose outputs only a pooling with windows of 2-4
/// positions reads; in lanes the pooled outputs come straight from the
/// accumulators (one event at a time: the two steps as they are).
/// Dense chains (op_lanes::groups > 1) take 4 groups at once and run what
/// is left over in row form (op_lanes::row_tail); their rows may be a
/// sequence's (op_lanes::sequence_rows), each row a lane's.
enum class lane_kind : std::uint8_t { window, pool_max, pool_avg, affine, bias_act, act, gather, window_pool };
struct lane_step {
  lane_kind kind = lane_kind::window;
  std::vector<std::int32_t> index; ///< window: positions × k; gather: per output element; pool: source elements
  std::vector<std::uint32_t> start; ///< pool: output element e combines index[start[e] .. start[e+1])
  std::size_t positions = 0, k = 0, filters = 0; ///< window
  std::size_t w = 0, ldw = 0, bias = 0, shift = 0; ///< arena offsets (affine: bias = scale)
  bool has_bias = false, relu = false;
  bool dense = false;        ///< window: a dense layer on a vector (one position, taps in order)
  std::size_t w_blocks = 0;  ///< dense in a dense chain: w repacked (window_args::w_blocks), or 0
  act_params act;            ///< bias_act, act
  std::size_t channels = 0;  ///< affine, bias_act: per-column parameters repeat every `channels`
  std::size_t out = 0;       ///< output elements
  /// window_pool: the pooling step (one-event form), and the window's index
  /// rows by pooled position (pool_size source positions each; lanes form)
  std::vector<std::int32_t> pool_index, fused_index;
  std::vector<std::uint32_t> pool_start;
  std::size_t pool_size = 0, pooled = 0;
  bool pool_max = false;
};
struct op_lanes {
  std::vector<lane_step> steps;
  std::vector<std::uint32_t> in_storage, out_storage; ///< element → offset in the event's block
  std::vector<std::uint32_t> in_step; ///< packed input: each element's step
  /// (first element, count): runs of input elements one after another in
  /// a row, from a 64-byte boundary (kernel_table::lane_load); the others
  /// are in_loose, moved one by one
  std::vector<std::uint32_t> in_runs, in_loose;
  std::size_t in_elements = 0;
  std::size_t packed_steps = 0; ///< the input is a sequence of this fixed length (time-major rows), or 0
  int raw_input = -1; ///< the input sequence whose rows this op may read straight from the caller (value_info::raw_rows)
  std::size_t zero = 0;         ///< the element id that reads as zero
  std::size_t max_elements = 0; ///< per lane, in each of the two buffers
  /// blocks of `lanes` events whose windows run together (dense chains;
  /// one weight broadcast serves a vector of each)
  std::size_t groups = 1;
  /// rows left over from whole groups (fewer than groups × lanes) go
  /// through the steps together in row form (products as the row engine's
  /// GEMM) rather than a vector or one row at a time
  bool row_tail = false;
  /// row_tail, and every step a vector's dense layer, activation, normalisation
  /// or bias: the rows are read from the op's input and the products written
  /// to its output where they can be, without copies
  bool rows_in_place = false;
  bool sequence_rows = false; ///< the chain runs on a sequence's rows (each a lane), not on events
};

using op_body = std::variant<op_input, op_dense, op_affine, op_prelu, op_maxout, op_highway, op_recurrent, op_conv1d,
                             op_embedding, op_concat, op_merge, op_reduce, op_masking, op_gather, op_pack, op_conv,
                             op_pool, op_layer_norm, op_attention, op_lanes>;

/// What an operation needs to know of a value at run time, kept inside the
/// op so that the hot path touches one cache line per operation.
struct value_ref {
  int slot = -1;
  std::uint32_t ld = 0, width = 0, rpe = 1;
  std::int32_t packing = -1; ///< -1: a vector (one row per event)
};

struct op {
  op_body body;
  std::vector<int> in;
  int out = -1;
  bool in_place = false; ///< out shares its slot with in[0]
  value_ref x, y;        ///< in[0] and out, filled once slots are assigned
  std::size_t node = 0;
  int layer = -1;
};

struct output_info {
  std::string name;
  std::vector<std::string> labels;
  int vector_value = -1;   ///< the output as a vector (last step for sequences)
  int sequence_value = -1; ///< the output as a sequence, or -1
};

struct slot_info {
  bool sequence = false;
  std::size_t packing = 0;
  std::size_t ld = 0;        ///< sequences: row stride
  std::size_t per_event = 0; ///< tensors: elements per event (rows · ld)
};

template <typename T> struct aligned_delete {
  void operator()(T* p) const noexcept;
};
template <typename T> using aligned_array = std::unique_ptr<T[], aligned_delete<T>>;
template <typename T> aligned_array<T> make_aligned(std::size_t n); ///< zero-filled

/// Preprocessing of one input node, in flat arrays for the gather loop.
struct input_prep {
  std::size_t count = 0; ///< variables
  /// Per variable, then repeated: `prepare` reads offset and scale as one
  /// periodic run of count · prepare_period entries.
  std::vector<double> offset, scale;
  std::vector<double> fallback;
  std::vector<std::uint8_t> has_default;
  std::vector<double> prepared_default; ///< (fallback + offset) · scale, in double as a value is prepared
};

template <typename T> struct plan {
  /// Unique for the life of the process: workspaces remember the plan they
  /// were laid out for by this number (an address could be reused).
  std::uint64_t id = 0;
  std::string source;
  std::vector<input_node> inputs, input_sequences;
  std::vector<input_prep> vector_prep, sequence_prep;
  std::vector<value_info> values;
  std::vector<packing_info> packings;
  std::size_t mask_count = 0;
  std::vector<std::size_t> mask_packing; ///< packing whose rows each mask follows
  std::vector<op> ops;
  std::vector<output_info> outputs;
  std::vector<slot_info> slots;
  /// Values filled from each input / input sequence (several nodes may read one input).
  std::vector<std::vector<int>> vector_inputs, sequence_inputs;
  aligned_array<T> arena; ///< all packed weights, in execution order
  std::size_t arena_size = 0;
  const kernel_table<T>* kernels = nullptr;
  bool replace_defaults = true;
  bool nan_is_error = true;
  std::size_t batch_tile = 256;

  const T* at(std::size_t offset) const { return arena.get() + offset; }
};

struct compile_settings {
  bool replace_defaults = true;
  bool nan_is_error = true;
  std::size_t batch_tile = 256;
  std::string isa; ///< empty: the default table
};

template <typename T> std::shared_ptr<const plan<T>> compile(const model& m, const compile_settings& s);

} // namespace hepnn::detail
