// hepnn.Network: loading, numpy batches through evaluate_batch (GIL
// released), name-keyed single events, pickling through the network text.
#include "arrays.hpp"
#include "bindings.hpp"

#include "hepnn/errors.hpp"

#include <pybind11/stl.h>

#include <cstdint>
#include <span>

namespace hepnn::python {

py_network::py_network(std::shared_ptr<const model> m, bool float64, std::string isa)
    : model_(std::move(m)), float64_(float64), isa_(std::move(isa)) {
  network_options o;
  o.isa = isa_;
  if (float64_) n64_.emplace(*model_, o);
  else n32_.emplace(*model_, o);
}

const binding& py_network::binding_for(const std::vector<std::string>& outputs) const {
  std::lock_guard lock(mutex_);
  auto it = bindings_.find(outputs);
  if (it == bindings_.end()) {
    binding b = float64_ ? n64_->bind(n64_->native_order(), outputs) : n32_->bind(n32_->native_order(), outputs);
    it = bindings_.emplace(outputs, std::move(b)).first; // map nodes never move: the reference stays valid
  }
  return it->second;
}

std::shared_ptr<const void> py_network::tagger_for(const tagger_key& key,
                                                   const std::function<std::shared_ptr<const void>()>& make) const {
  std::lock_guard lock(mutex_);
  auto& t = taggers_[key];
  if (!t) t = make();
  return t;
}

workspace& thread_workspace() {
  thread_local workspace ws;
  return ws;
}

bool parse_precision(const std::string& precision) {
  if (precision == "float32") return false;
  if (precision == "float64") return true;
  throw py::value_error("precision must be \"float32\" or \"float64\", not \"" + precision + "\"");
}

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

/// The inputs of one evaluate() call, laid out for evaluate_batch.
template <typename T> struct batch_inputs {
  std::size_t n = 0;
  bool have_n = false;
  std::string n_from;
  std::vector<carray<T>> keep; // references to the arrays the pointers below point into
  std::vector<const T*> scalars;
  std::vector<std::vector<T>> packed;
  std::vector<std::vector<std::size_t>> offsets;
  std::vector<sequence_batch<T>> sequences;

  void events(std::size_t count, const std::string& what) {
    if (!have_n) {
      n = count, have_n = true, n_from = what;
    } else if (count != n) {
      throw input_error(what + " has " + std::to_string(count) + " events, but " + n_from + " has " + std::to_string(n));
    }
  }
};

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

std::vector<std::string> output_list(const py::object& outputs) {
  if (outputs.is_none()) return {};
  if (py::isinstance<py::str>(outputs)) return {outputs.cast<std::string>()};
  return outputs.cast<std::vector<std::string>>();
}

template <typename T>
py::dict evaluate(const py_network& self, const basic_network<T>& net, const py::dict& inputs, const py::object& sequences,
                  const py::object& outputs) {
  const std::string& src = self.get_model().source;
  const binding& b = self.binding_for(output_list(outputs));
  const py::dict seqs = sequences.is_none() ? py::dict() : py::dict(sequences);
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
  const std::size_t n = in.n, width = b.output_size();
  py::array_t<T> out({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(width)});
  T* dst = out.mutable_data();
  if (n) {
    py::gil_scoped_release release;
    net.evaluate_batch(b, n, in.scalars, in.sequences, std::span<T>(dst, n * width), thread_workspace());
  }
  py::dict result;
  for (const auto& [name, offset] : b.outputs()) {
    const auto labels = static_cast<py::ssize_t>(net.labels(name).size());
    if (b.outputs().size() == 1) result[py::str(name)] = out;
    else
      result[py::str(name)] = out[py::make_tuple(py::slice(py::none(), py::none(), py::none()),
                                                 py::slice(static_cast<py::ssize_t>(offset), static_cast<py::ssize_t>(offset) + labels, 1))];
  }
  return result;
}

/// Name-keyed inputs as the C++ compute() takes them.
std::pair<node_map, seq_node_map> named_inputs(const py::dict& inputs, const py::object& sequences) {
  try {
    return {inputs.cast<node_map>(), sequences.is_none() ? seq_node_map{} : sequences.cast<seq_node_map>()};
  } catch (const py::cast_error&) {
    throw input_error("compute: expected inputs as {node: {variable: number}} and sequences as "
                      "{node: {variable: [number per step]}}");
  }
}

template <typename T>
py::dict compute(const basic_network<T>& net, const py::dict& inputs, const py::object& sequences, const py::object& output) {
  auto [in, seq] = named_inputs(inputs, sequences);
  const std::string name = output.is_none() ? std::string() : output.cast<std::string>();
  value_map r;
  {
    py::gil_scoped_release release;
    r = net.compute(in, seq, name);
  }
  return py::cast(r);
}

template <typename T> py::dict compute_all(const basic_network<T>& net, const py::dict& inputs, const py::object& sequences) {
  auto [in, seq] = named_inputs(inputs, sequences);
  std::map<std::string, value_map> r;
  {
    py::gil_scoped_release release;
    r = net.compute_all(in, seq);
  }
  return py::cast(r);
}

py::dict node_dict(const std::vector<input_node>& nodes) {
  py::dict d;
  for (const auto& n : nodes) {
    py::list vars;
    for (const auto& v : n.variables) vars.append(v.name);
    d[py::str(n.name)] = vars;
  }
  return d;
}

std::shared_ptr<py_network> load(const py::object& source, const std::string& precision, const std::string& isa) {
  const bool f64 = parse_precision(precision);
  std::string text;
  std::string path;
  if (py::isinstance<py::str>(source)) {
    text = source.cast<std::string>();
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || text[first] != '{') path = std::move(text), text.clear();
  } else if (py::isinstance<py::bytes>(source)) {
    text = source.cast<std::string>();
  } else if (py::hasattr(source, "__fspath__")) {
    path = py::str(source.attr("__fspath__")()).cast<std::string>();
  } else {
    throw py::type_error("Network(): expected a path or the network's JSON text");
  }
  py::gil_scoped_release release;
  auto m = std::make_shared<const model>(path.empty() ? parse_network(text, "network text") : read_network(path));
  return std::make_shared<py_network>(std::move(m), f64, isa);
}

template <typename F> decltype(auto) dispatch(const py_network& self, F&& f) {
  return self.float64() ? f(*self.f64()) : f(*self.f32());
}

} // namespace

network_class init_network(py::module_& m) {
  network_class cls(m, "Network", R"doc(
A compiled network, immutable and safe to use from many threads at once.

Network(source, precision="float32", isa=None)

source: a network file (hepnn or lwtnn JSON, as path or os.PathLike), or
the network's JSON text itself (a str starting with '{', or bytes).
precision: "float32" (as Athena evaluates) or "float64".
isa: force the kernels of one instruction set ("sse2", "avx2", "avx512");
None takes the best this CPU runs.
Raises ConfigError (with the C++ message naming file, JSON path and layer)
when the network cannot be used.)doc");
  cls.def(py::init([](const py::object& source, const std::string& precision, const std::optional<std::string>& isa) {
             return load(source, precision, isa.value_or(""));
           }),
           py::arg("source"), py::arg("precision") = "float32", py::arg("isa") = py::none())
      .def_property_readonly(
          "inputs", [](const py_network& self) { return node_dict(self.get_model().inputs); },
          "Vector (and image) input nodes: {node: [variable names in order]}.")
      .def_property_readonly(
          "input_sequences", [](const py_network& self) { return node_dict(self.get_model().input_sequences); },
          "Sequence input nodes: {node: [variable names in order]}.")
      .def_property_readonly(
          "sequence_steps",
          [](const py_network& self) {
            py::dict d;
            for (const auto& n : self.get_model().input_sequences)
              d[py::str(n.name)] = n.steps ? py::object(py::int_(n.steps)) : py::object(py::none());
            return d;
          },
          "{sequence node: fixed step count, or None when events may give any number}.")
      .def_property_readonly(
          "outputs",
          [](const py_network& self) {
            py::dict d;
            for (const auto& o : self.get_model().outputs) d[py::str(o.name)] = py::cast(o.labels);
            return d;
          },
          "Outputs: {name: [labels]}, in file order.")
      .def_property_readonly(
          "isa", [](const py_network& self) { return std::string(self.isa()); },
          "The instruction set of the kernels in use (\"avx512\", \"avx2\", \"sse2\").")
      .def_property_readonly(
          "precision", [](const py_network& self) { return self.float64() ? "float64" : "float32"; },
          "\"float32\" or \"float64\".")
      .def_property_readonly(
          "source", [](const py_network& self) { return self.get_model().source; },
          "Where the network came from (prefixes error messages).")
      .def(
          "evaluate",
          [](const py_network& self, const py::dict& inputs, const py::object& sequences, const py::object& outputs) {
            return dispatch(self, [&](const auto& net) { return evaluate(self, net, inputs, sequences, outputs); });
          },
          py::arg("inputs"), py::arg("sequences") = py::none(), py::arg("outputs") = py::none(), R"doc(
Evaluates n events at once; returns {output: array (n, n_labels)}.

inputs: {node: array (n, n_variables)}, variables in the order of
  .inputs[node]; an image node takes (n, H, W, C) (any shape whose trailing
  axes hold the node's values in row-major order).
sequences: {node: sequence} for each node of .input_sequences, where a
  sequence is one of
    (values, offsets): values (total_steps, n_variables), event i owning
      rows offsets[i] .. offsets[i+1] (offsets: n + 1 integers);
    (padded, lengths): padded (n, T, n_variables), event i using its first
      lengths[i] steps;
    padded: (n, T, n_variables) with every step used (fixed-shape inputs).
outputs: an output name or a list of them (default: every output).

Arrays in the network's precision and C-contiguous are used without
copying; others are converted once. NaN or inf take the variable's default
when it has one. The GIL is released while the network runs. With several
outputs, each result is a view into one (n, total labels) array.
Raises InputError (C++ message) on a missing node, a wrong shape or a NaN
without a default.)doc")
      .def(
          "compute",
          [](const py_network& self, const py::dict& inputs, const py::object& sequences, const py::object& output) {
            return dispatch(self, [&](const auto& net) { return compute(net, inputs, sequences, output); });
          },
          py::arg("inputs"), py::arg("sequences") = py::none(), py::arg("output") = py::none(), R"doc(
One event by name, as the C++ compute() (lwtnn's LightweightGraph style).

inputs: {node: {variable: value}}; sequences: {node: {variable: [value per
step]}}; output: the output to compute (needed when there are several).
Returns {label: value}.)doc")
      .def(
          "compute_all",
          [](const py_network& self, const py::dict& inputs, const py::object& sequences) {
            return dispatch(self, [&](const auto& net) { return compute_all(net, inputs, sequences); });
          },
          py::arg("inputs"), py::arg("sequences") = py::none(),
          "One event by name; every vector output as {output: {label: value}}.")
      .def(
          "to_json",
          [](const py_network& self, bool lwtnn) {
            write_options o;
            o.lwtnn = lwtnn;
            return write_network(self.get_model(), o);
          },
          py::arg("lwtnn") = false, R"doc(
The network file's text (hepnn's graph JSON; the same network always gives
the same text). lwtnn=True: a file lwtnn itself reads (ConfigError when
the network needs hepnn's extensions).)doc")
      .def(
          "save",
          [](const py_network& self, const py::object& path, bool lwtnn) {
            write_options o;
            o.lwtnn = lwtnn;
            const std::string p = py::str(py::module_::import("os").attr("fspath")(path));
            py::gil_scoped_release release;
            save_network(self.get_model(), p, o);
          },
          py::arg("path"), py::arg("lwtnn") = false,
          "Writes the network file (through a temporary file renamed on success).")
      .def("__repr__",
           [](const py_network& self) {
             const auto& mo = self.get_model();
             std::string s = "<hepnn.Network '" + mo.source + "' " + (self.float64() ? "float64" : "float32") + " " +
                             std::string(self.isa()) + ":";
             for (const auto& n : mo.inputs) s += " " + n.name + "(" + std::to_string(n.variables.size()) + ")";
             for (const auto& n : mo.input_sequences) s += " " + n.name + "[" + std::to_string(n.variables.size()) + "]";
             s += " ->";
             for (const auto& o : mo.outputs) s += " " + o.name + "(" + std::to_string(o.labels.size()) + ")";
             return s + ">";
           })
      .def(py::pickle(
          [](const py_network& self) {
            // the network text: a worker rebuilds the same network (and picks its own ISA unless one was forced)
            return py::make_tuple(write_network(self.get_model()), self.float64() ? "float64" : "float32",
                                  self.forced_isa(), self.get_model().source);
          },
          [](const py::tuple& t) {
            if (t.size() != 4) throw py::value_error("hepnn.Network: not a pickled network");
            const auto text = t[0].cast<std::string>(), source = t[3].cast<std::string>();
            const bool f64 = parse_precision(t[1].cast<std::string>());
            model mo = parse_network(text, source);
            mo.source = source;
            return std::make_shared<py_network>(std::make_shared<const model>(std::move(mo)), f64, t[2].cast<std::string>());
          }));
  return cls;
}

} // namespace hepnn::python
