#include "support/events.hpp"

#include "support/shared_data.hpp"
#include "workflow/event_batch.hpp"

#include <cmath>
#include <limits>

namespace hepnn::test {

event_outputs read_expected(const std::string& path) {
  json_file f(path);
  event_outputs out;
  for (const auto& e : f.root().at("events").items()) {
    auto& ev = out.emplace_back();
    for (const auto& [name, labels] : e.at("outputs").members())
      for (const auto& [label, v] : labels.members()) ev[name][label] = v.number();
  }
  return out;
}

template <typename T>
event_outputs evaluate_named(const basic_network<T>& net, const std::vector<detail::json_event>& events) {
  event_outputs out;
  for (const auto& e : events) {
    auto all = net.compute_all(e.inputs, e.sequences);
    auto& ev = out.emplace_back();
    for (const auto& [name, values] : all)
      for (const auto& [label, v] : values) ev[name][label] = v;
  }
  return out;
}

namespace {

template <typename T>
void unpack(const basic_network<T>& net, const binding& b, const std::vector<T>& flat, std::size_t count,
            event_outputs& out) {
  for (std::size_t e = 0; e < count; ++e) {
    auto& ev = out.emplace_back();
    for (const auto& [name, offset] : b.outputs()) {
      const auto& labels = net.labels(name);
      for (std::size_t i = 0; i < labels.size(); ++i)
        ev[name][labels[i]] = static_cast<double>(flat[e * b.output_size() + offset + i]);
    }
  }
}

} // namespace

template <typename T>
event_outputs evaluate_batched(const basic_network<T>& net, const std::vector<detail::json_event>& events,
                               std::size_t tile) {
  const binding b = net.bind(net.native_order());
  detail::event_batch<T> in(net, events, 0, events.size());
  std::vector<T> flat(events.size() * b.output_size());
  workspace ws;
  (void)tile;
  net.evaluate_batch(b, events.size(), in.scalar_pointers, in.sequences, flat, ws);
  event_outputs out;
  unpack(net, b, flat, events.size(), out);
  return out;
}

template <typename T>
event_outputs evaluate_fast(const basic_network<T>& net, const std::vector<detail::json_event>& events) {
  const binding b = net.bind(net.native_order());
  workspace ws;
  event_outputs out;
  for (std::size_t e = 0; e < events.size(); ++e) {
    detail::event_batch<T> in(net, events, e, 1);
    std::vector<T> flat(b.output_size());
    net.evaluate(b, in.single_scalars(0), in.single(0), flat, ws);
    unpack(net, b, flat, 1, out);
  }
  return out;
}

comparison compare(const event_outputs& expected, const event_outputs& actual, bool single_output) {
  comparison c;
  if (expected.size() != actual.size()) {
    c.max_abs = std::numeric_limits<double>::infinity();
    c.worst = "event counts differ: " + std::to_string(expected.size()) + " vs " + std::to_string(actual.size());
    return c;
  }
  for (std::size_t e = 0; e < expected.size(); ++e) {
    for (const auto& [name, labels] : expected[e]) {
      auto out = actual[e].find(name);
      if (out == actual[e].end() && single_output && expected[e].size() == 1 && actual[e].size() == 1)
        out = actual[e].begin();
      for (const auto& [label, v] : labels) {
        double d = std::numeric_limits<double>::infinity();
        if (out != actual[e].end())
          if (auto it = out->second.find(label); it != out->second.end()) d = std::fabs(it->second - v);
        if (!(d <= c.max_abs)) {
          c.max_abs = d;
          c.worst = "event " + std::to_string(e) + " output " + name + " label " + label;
        }
        ++c.values;
        c.within_1e6 += d <= 1e-6;
      }
    }
  }
  return c;
}

template event_outputs evaluate_named<float>(const basic_network<float>&, const std::vector<detail::json_event>&);
template event_outputs evaluate_named<double>(const basic_network<double>&, const std::vector<detail::json_event>&);
template event_outputs evaluate_batched<float>(const basic_network<float>&, const std::vector<detail::json_event>&,
                                               std::size_t);
template event_outputs evaluate_batched<double>(const basic_network<double>&, const std::vector<detail::json_event>&,
                                                std::size_t);
template event_outputs evaluate_fast<float>(const basic_network<float>&, const std::vector<detail::json_event>&);
template event_outputs evaluate_fast<double>(const basic_network<double>&, const std::vector<detail::json_event>&);

} // namespace hepnn::test
