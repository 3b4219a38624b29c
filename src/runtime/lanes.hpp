#pragma once
// The lane engine (plan.hpp, op_lanes): chains of operations on fixed
// tensors (convolutions, pooling, normalisation, activations, reshapes and
// the dense layers between them) evaluated with one event per vector lane;
// on AVX-512 also chains of dense layers, on events or on a sequence's rows.

#include "runtime/plan.hpp"

namespace hepnn::detail {

/// Replaces each chain of lane-capable operations that holds a convolution,
/// a pooling or (AVX-512) two dense layers by one op_lanes. Runs before slots are assigned.
/// Weights repacked for it are appended to `arena` (the plan's, being built).
template <typename T> void fuse_lanes(plan<T>& p, std::vector<T>& arena);

/// Scratch elements an op_lanes needs with `lanes` lanes.
std::size_t lane_scratch(const op_lanes& l, std::size_t lanes);

} // namespace hepnn::detail
