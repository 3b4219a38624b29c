#pragma once
// Helpers to run a network over the zoo's JSON events in every API and
// compare outputs.

#include "hepnn/network.hpp"
#include "workflow/json_events.hpp"

#include <map>
#include <string>
#include <vector>

namespace hepnn::test {

/// output → label → value, per event.
using event_outputs = std::vector<std::map<std::string, std::map<std::string, double>>>;

/// Reads `events[i].outputs` of an outputs.json-like file.
event_outputs read_expected(const std::string& path);

/// Name-keyed evaluation of every event.
template <typename T>
event_outputs evaluate_named(const basic_network<T>& net, const std::vector<detail::json_event>& events);

/// One evaluate_batch call over every event (native variable order).
template <typename T>
event_outputs evaluate_batched(const basic_network<T>& net, const std::vector<detail::json_event>& events,
                               std::size_t tile = 256);

/// One evaluate() call per event (native variable order).
template <typename T>
event_outputs evaluate_fast(const basic_network<T>& net, const std::vector<detail::json_event>& events);

struct comparison {
  double max_abs = 0;
  std::size_t values = 0;
  std::size_t within_1e6 = 0;
  std::string worst; ///< where the largest difference is
};

/// Compares every expected value. With `single_output`, a network with one
/// output is compared to the single expected output whatever its name
/// (lwtnn's sequential format names no outputs).
comparison compare(const event_outputs& expected, const event_outputs& actual, bool single_output = false);

} // namespace hepnn::test
