// Checking numpy inputs and laying them out for evaluate_batch. Arrays of
// the network's precision that are C-contiguous are used in place; the
// offsets, which the engine trusts, are checked here.
#include "batch.hpp"

#include "hepnn/errors.hpp"

#include <algorithm>

namespace hepnn::python {
namespace {

std::string names_of(const std::vector<input_node>& nodes) {
  std::string s;
  for (const auto& n : nodes) s += (s.empty() ? "'" : ", '") + n.name + "'";
  return s.empty() ? "none" : s;
}

const input_node* find_node(const std::vector<input_node>& nodes, const std::string& name) {
  for (const auto& n : nodes)
    if (n.name == name) return &n;
  return nullptr;
}

/// Offsets or lengths: a 1-D integer array.
carray<std::int64_t> integer_array(py::handle obj, const std::string& what) {
  const py::array raw = py::array::ensure(obj);
  if (!raw || (raw.dtype().kind() != 'i' && raw.dtype().kind() != 'u')) {
    PyErr_Clear();
    throw input_error(what + ": expected a 1-D array of integers");
  }
  auto a = carray<std::int64_t>::ensure(raw);
  if (!a || a.ndim() != 1) {
    PyErr_Clear();
    throw input_error(what + ": expected a 1-D array of integers, got shape " + shape_text(raw));
  }
  return a;
}

template <typename T>
void add_scalar(batch_inputs<T>& in, const input_node& node, py::handle obj) {
  const std::string what = "input '" + node.name + "'";
  auto a = as_array<T>(obj, what);
  std::size_t per_event = 1;
  for (py::ssize_t d = 1; d < a.ndim(); ++d) per_event *= static_cast<std::size_t>(a.shape(d));
  if (a.ndim() < 2 || per_event != node.variables.size())
    throw input_error(what + ": expected an array of shape (n, " + std::to_string(node.variables.size()) +
                      ") (or (n, ...) holding " + std::to_string(node.variables.size()) +
                      " values per event, e.g. an image (n, H, W, C)), got shape " + shape_text(a));
  in.events(static_cast<std::size_t>(a.shape(0)), what);
  in.scalars.push_back(a.data());
  in.keep.push_back(std::move(a));
}

/// Padded (n, T, width) with per-event lengths (null: every step used).
template <typename T>
void add_padded(batch_inputs<T>& in, const std::string& what, carray<T> a, const carray<std::int64_t>* lengths) {
  const std::size_t n = static_cast<std::size_t>(a.shape(0)), steps = static_cast<std::size_t>(a.shape(1)),
                    width = static_cast<std::size_t>(a.shape(2));
  in.events(n, what);
  auto& off = in.offsets.emplace_back(n + 1, 0);
  bool full = true;
  if (lengths) {
    if (static_cast<std::size_t>(lengths->size()) != n)
      throw input_error(what + ": " + std::to_string(lengths->size()) + " lengths for " + std::to_string(n) + " events");
    const std::int64_t* len = lengths->data();
    for (std::size_t e = 0; e < n; ++e) {
      if (len[e] < 0 || static_cast<std::size_t>(len[e]) > steps)
        throw input_error(what + ": event " + std::to_string(e) + " has length " + std::to_string(len[e]) +
                          ", outside 0.." + std::to_string(steps));
      off[e + 1] = off[e] + static_cast<std::size_t>(len[e]);
      full = full && static_cast<std::size_t>(len[e]) == steps;
    }
  } else {
    for (std::size_t e = 0; e < n; ++e) off[e + 1] = off[e] + steps;
  }
  if (full) { // every step used: the padded array is already the packed layout
    in.packed.emplace_back();
    in.sequences.push_back({a.data(), off.data()});
    in.keep.push_back(std::move(a));
    return;
  }
  auto& buf = in.packed.emplace_back(off[n] * width);
  const T* src = a.data();
  for (std::size_t e = 0; e < n; ++e)
    std::copy(src + e * steps * width, src + (e * steps + off[e + 1] - off[e]) * width, buf.begin() + static_cast<std::ptrdiff_t>(off[e] * width));
  in.sequences.push_back({buf.data(), off.data()});
}

template <typename T>
void add_sequence(batch_inputs<T>& in, const input_node& node, py::handle obj) {
  const std::string what = "sequence '" + node.name + "'";
  const std::size_t width = node.variables.size();
  const std::string layouts = "(values (steps, " + std::to_string(width) + "), offsets (n + 1,)), (padded (n, T, " +
                              std::to_string(width) + "), lengths (n,)) or a padded array (n, T, " + std::to_string(width) + ")";
  const bool pair = (py::isinstance<py::tuple>(obj) || py::isinstance<py::list>(obj)) && py::len(obj) == 2;
  auto values = as_array<T>(pair ? py::handle(obj[py::int_(0)]) : obj, what);
  if (values.ndim() < 2 || static_cast<std::size_t>(values.shape(values.ndim() - 1)) != width ||
      (!pair && values.ndim() != 3) || values.ndim() > 3)
    throw input_error(what + ": expected " + layouts + ", got values of shape " + shape_text(values));
  if (!pair) return add_padded<T>(in, what, std::move(values), nullptr);
  const auto second = integer_array(obj[py::int_(1)], what + (values.ndim() == 2 ? " offsets" : " lengths"));
  if (values.ndim() == 3) return add_padded<T>(in, what, std::move(values), &second);
  // values + offsets: checked here, since the engine trusts them
  const std::size_t count = static_cast<std::size_t>(second.size()), rows = static_cast<std::size_t>(values.shape(0));
  if (count == 0) throw input_error(what + " offsets: empty (n + 1 entries needed, the first 0)");
  const std::int64_t* o = second.data();
  auto& off = in.offsets.emplace_back(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (o[i] < 0 || (i && o[i] < o[i - 1]) || static_cast<std::size_t>(o[i]) > rows)
      throw input_error(what + " offsets: entry " + std::to_string(i) + " is " + std::to_string(o[i]) +
                        " (offsets must rise from 0 to at most the " + std::to_string(rows) + " rows of the values)");
    off[i] = static_cast<std::size_t>(o[i]);
  }
  in.events(count - 1, what);
  in.packed.emplace_back();
  in.sequences.push_back({values.data(), off.data()});
  in.keep.push_back(std::move(values));
}

} // namespace

template <typename T>
batch_inputs<T> gather_inputs(const basic_network<T>& net, const std::string& src, const py::dict& inputs,
                              const py::dict& seqs) {
  for (auto item : inputs)
    if (!find_node(net.inputs(), py::str(item.first)))
      throw input_error(src + ": no input node '" + std::string(py::str(item.first)) + "' (the network's inputs: " +
                        names_of(net.inputs()) + ")");
  for (auto item : seqs)
    if (!find_node(net.input_sequences(), py::str(item.first)))
      throw input_error(src + ": no sequence input '" + std::string(py::str(item.first)) +
                        "' (the network's sequences: " + names_of(net.input_sequences()) + ")");
  batch_inputs<T> in;
  in.packed.reserve(net.input_sequences().size());
  in.offsets.reserve(net.input_sequences().size());
  for (const auto& node : net.inputs()) {
    if (!inputs.contains(node.name)) throw input_error(src + ": no array given for input node '" + node.name + "'");
    add_scalar(in, node, inputs[py::str(node.name)]);
  }
  for (const auto& node : net.input_sequences()) {
    if (!seqs.contains(node.name)) throw input_error(src + ": no array given for sequence input '" + node.name + "'");
    add_sequence(in, node, seqs[py::str(node.name)]);
  }
  return in;
}

template batch_inputs<float> gather_inputs<float>(const basic_network<float>&, const std::string&, const py::dict&,
                                                  const py::dict&);
template batch_inputs<double> gather_inputs<double>(const basic_network<double>&, const std::string&, const py::dict&,
                                                    const py::dict&);

} // namespace hepnn::python
