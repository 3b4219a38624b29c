#pragma once
// JSON events laid out in a network's own variable order, as the fast and
// batch paths take them (missing values become NaN).

#include "hepnn/network.hpp"
#include "workflow/json_events.hpp"

#include <vector>

namespace hepnn::detail {

template <typename T> struct event_batch {
  std::size_t events = 0;
  std::vector<std::vector<T>> scalars;             ///< per input node: events × variables
  std::vector<std::vector<T>> sequence_values;     ///< per sequence node: steps × variables
  std::vector<std::vector<std::size_t>> offsets;   ///< per sequence node: events + 1
  std::vector<const T*> scalar_pointers;
  std::vector<sequence_batch<T>> sequences;

  /// Events [first, first + count). A network with a single input node
  /// accepts it under any name (lwtnn's sequential files name none).
  event_batch(const basic_network<T>& net, const std::vector<json_event>& all, std::size_t first, std::size_t count);

  /// The sequences of event `e` for evaluate().
  std::vector<sequence_input<T>> single(std::size_t e) const;
  std::vector<const T*> single_scalars(std::size_t e) const;
};

} // namespace hepnn::detail
