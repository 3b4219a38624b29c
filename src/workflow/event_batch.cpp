#include "workflow/event_batch.hpp"

#include "hepnn/errors.hpp"

#include <limits>

namespace hepnn::detail {

template <typename T>
event_batch<T>::event_batch(const basic_network<T>& net, const std::vector<json_event>& all, std::size_t first,
                            std::size_t count)
    : events(count) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const auto& node : net.inputs()) {
    auto& buf = scalars.emplace_back();
    buf.reserve(count * node.variables.size());
    for (std::size_t e = first; e < first + count; ++e) {
      const auto& in = all[e].inputs;
      auto it = in.find(node.name);
      if (it == in.end() && in.size() == 1 && net.inputs().size() == 1) it = in.begin();
      if (it == in.end()) throw input_error("event " + std::to_string(e) + " has no input node '" + node.name + "'");
      for (const auto& var : node.variables) {
        auto v = it->second.find(var.name);
        buf.push_back(static_cast<T>(v == it->second.end() ? nan : v->second));
      }
    }
  }
  for (const auto& node : net.input_sequences()) {
    auto& buf = sequence_values.emplace_back();
    auto& off = offsets.emplace_back(1, 0);
    for (std::size_t e = first; e < first + count; ++e) {
      const auto& seqs = all[e].sequences;
      auto it = seqs.find(node.name);
      if (it == seqs.end() && seqs.size() == 1 && net.input_sequences().size() == 1) it = seqs.begin();
      std::size_t steps = 0;
      if (it != seqs.end() && !it->second.empty()) steps = it->second.begin()->second.size();
      for (std::size_t t = 0; t < steps; ++t)
        for (const auto& var : node.variables) {
          auto col = it->second.find(var.name);
          buf.push_back(static_cast<T>(col == it->second.end() || t >= col->second.size() ? nan : col->second[t]));
        }
      off.push_back(off.back() + steps);
    }
  }
  for (auto& s : scalars) scalar_pointers.push_back(s.data());
  for (std::size_t k = 0; k < sequence_values.size(); ++k)
    sequences.push_back({sequence_values[k].data(), offsets[k].data()});
}

template <typename T> std::vector<sequence_input<T>> event_batch<T>::single(std::size_t e) const {
  std::vector<sequence_input<T>> out;
  for (std::size_t k = 0; k < sequence_values.size(); ++k) {
    const std::size_t width = offsets[k].back() ? sequence_values[k].size() / offsets[k].back() : 0;
    out.push_back({sequence_values[k].data() + offsets[k][e] * width, offsets[k][e + 1] - offsets[k][e]});
  }
  return out;
}

template <typename T> std::vector<const T*> event_batch<T>::single_scalars(std::size_t e) const {
  std::vector<const T*> out;
  for (const auto& s : scalars) out.push_back(s.data() + (events ? e * (s.size() / events) : 0));
  return out;
}

template struct event_batch<float>;
template struct event_batch<double>;

} // namespace hepnn::detail
