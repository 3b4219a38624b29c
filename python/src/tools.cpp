// hepnn.convert, hepnn.vardict, hepnn.varspec: the converter and the
// variables-file makers of the CLI, returning objects and text.
#include "bindings.hpp"

#include "hepnn/errors.hpp"
#include "hepnn/keras.hpp"
#include "hepnn/tau.hpp"
#include "hepnn/variables.hpp"

#include <pybind11/stl.h>

namespace hepnn::python {
namespace {

std::string path_of(const py::object& p) { return py::str(py::module_::import("os").attr("fspath")(p)); }

/// A variables file given as a path, its JSON text, or a dict.
variables_spec variables_of(const py::object& v) {
  if (py::isinstance<py::dict>(v)) return parse_variables(std::string(py::str(py::module_::import("json").attr("dumps")(v))), "variables dict");
  if (py::isinstance<py::str>(v)) {
    const std::string s = v.cast<std::string>();
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && s[first] == '{') return parse_variables(s, "variables text");
  }
  return read_variables(path_of(v));
}

} // namespace

void init_tools(py::module_& m) {
  m.def(
      "convert",
      [](const py::object& model_file, const py::object& weights, const py::object& variables, bool lwtnn,
         const std::string& precision, const std::optional<std::string>& isa) {
        const bool f64 = parse_precision(precision);
        const std::string mf = path_of(model_file), wf = weights.is_none() ? std::string() : path_of(weights);
        std::optional<variables_spec> vars;
        if (!variables.is_none()) vars = variables_of(variables);
        convert_options o;
        o.lwtnn = lwtnn;
        py::gil_scoped_release release;
        auto c = convert_keras(mf, wf, vars ? &*vars : nullptr, o);
        return std::make_shared<py_network>(std::make_shared<const model>(std::move(c.network)), f64, isa.value_or(""));
      },
      py::arg("model"), py::arg("weights") = py::none(), py::arg("variables") = py::none(), py::arg("lwtnn") = false,
      py::arg("precision") = "float32", py::arg("isa") = py::none(), R"doc(
Converts a Keras model into a Network, without Keras (as `hepnn convert`).

model: a full-model .h5 (Keras 1/2, tf.keras up to 2.15), a Keras 3
  .keras archive, or an architecture JSON (to_json()) with `weights`.
variables: lwtnn variables file (path, JSON text or dict) giving names,
  offsets, scales, defaults and labels, matched to the Keras inputs and
  outputs by order; None: template names (node_N / variable_N / out_N).
lwtnn: build only what lwtnn evaluates like Keras (ConfigError otherwise).
Network.to_json() / .save() give the network file.)doc");

  m.def(
      "template_variables",
      [](const py::object& model_file, const py::object& weights) {
        const std::string mf = path_of(model_file), wf = weights.is_none() ? std::string() : path_of(weights);
        py::gil_scoped_release release;
        return write_variables(convert_keras(mf, wf).template_variables);
      },
      py::arg("model"), py::arg("weights") = py::none(),
      "The variables file to fill in for a Keras model (JSON text), as `hepnn convert MODEL -o VARS.json`.");

  m.def(
      "vardict",
      [](const py::object& scale_dict, const py::object& var_dict, const std::string& tagger,
         const std::optional<std::string>& sequence_name, const std::string& tracks_name) {
        ftag::vardict_options o;
        o.scale_dict = path_of(scale_dict);
        o.var_dict = path_of(var_dict);
        o.tagger = tagger;
        o.sequence_name = sequence_name;
        o.tracks_name = tracks_name;
        py::gil_scoped_release release;
        return ftag::umami_vardict(o);
      },
      py::arg("scale_dict"), py::arg("var_dict"), py::arg("tagger"), py::arg("sequence_name") = py::none(),
      py::arg("tracks_name") = "", R"doc(
umami's create_lwtnn_vardict.py (as `hepnn vardict`): the lwtnn variables
file, as JSON text, from umami's scale dict (JSON) and variables YAML.
tagger chooses DL1 / DIPS / UMAMI and names the output; sequence_name is
Athena's track collection (e.g. "tracks_r22default_sd0sort"); tracks_name
the training's. Pass the text as convert(..., variables=text).)doc");

  m.def(
      "varspec",
      [](const py::object& model_file, const py::object& preproc) {
        const std::string mf = path_of(model_file), pf = path_of(preproc);
        py::gil_scoped_release release;
        return write_variables(tau::varspec_from_model(mf, pf));
      },
      py::arg("model"), py::arg("preproc"), R"doc(
rnn-tauid's fill-lwtnn-varspec.py (as `hepnn varspec --model`): the
variables file, as JSON text, of a tau-ID Keras model from its preproc.h5.)doc");

  m.def("available_isas", &available_isas, "The instruction sets whose kernels this CPU runs, best first.");
}

} // namespace hepnn::python
