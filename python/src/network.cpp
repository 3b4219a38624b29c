// hepnn.Network: loading, numpy batches through evaluate_batch (GIL
// released), name-keyed single events, pickling through the network text.
#include "arrays.hpp"
#include "batch.hpp"
#include "bindings.hpp"

#include "hepnn/errors.hpp"

#include <pybind11/stl.h>

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
  const batch_inputs<T> in = gather_inputs(net, src, inputs, seqs);
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
