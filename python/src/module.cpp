// The extension module hepnn._hepnn (re-exported by the package hepnn).
#include "bindings.hpp"

#include "hepnn/errors.hpp"
#include "hepnn/version.hpp"

namespace py = pybind11;
using namespace hepnn::python;
using hepnn::config_error;
using hepnn::input_error;

PYBIND11_MODULE(_hepnn, m) {
  m.doc() = "hepnn: exact and fast evaluation of Keras-trained HEP networks (lwtnn-compatible), from numpy.";
  // hepnn.Error ⊂ ValueError: bad files and bad inputs are bad values to Python
  static py::exception<hepnn::error> base(m, "Error", PyExc_ValueError);
  static py::exception<config_error> config(m, "ConfigError", base.ptr());
  static py::exception<input_error> input(m, "InputError", base.ptr());
  base.doc() = "Root of hepnn's errors (a ValueError); the message is the C++ one.";
  config.doc() = "A network file, model or configuration that cannot be used (loading, converting).";
  input.doc() = "Bad input at evaluation time: a missing node or field, a wrong shape, a NaN without a default.";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const config_error& e) {
      PyErr_SetString(config.ptr(), e.what());
    } catch (const input_error& e) {
      PyErr_SetString(input.ptr(), e.what());
    } catch (const hepnn::error& e) {
      PyErr_SetString(base.ptr(), e.what());
    }
  });
  m.attr("__version__") = HEPNN_VERSION_STRING;
  auto network = init_network(m);
  init_fields(network);
  init_tau(m);
  init_tools(m);
}
