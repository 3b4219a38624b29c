#pragma once
// numpy helpers: arrays in the engine's precision, columns of structured
// arrays (or mappings of arrays), and result tables.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace hepnn::python {

namespace py = pybind11;

template <typename T> using carray = py::array_t<T, py::array::c_style | py::array::forcecast>;

/// `obj` as a C-contiguous array of T: the same object when it already is
/// one (no copy), else converted once. Not numeric: input_error naming `what`.
template <typename T> carray<T> as_array(py::handle obj, const std::string& what);

/// "(3, 4)"
std::string shape_text(const py::array& a);

/// The field names of a numpy structured array, or the keys of a mapping
/// (an h5py group, a dict of arrays).
std::vector<std::string> field_names(py::handle table);

/// One field of a table as doubles (C-contiguous), with the given number of
/// dimensions; input_error naming the table and field otherwise.
carray<double> column(py::handle table, const std::string& table_name, const std::string& field, std::size_t ndim);

/// An empty 1-D structured array of n rows with the given (name, numpy type) fields.
py::array structured(std::size_t n, const std::vector<std::pair<std::string, std::string>>& fields);

/// Writes `values` (n of them) into field `name` of a structured array.
template <typename T> void set_field(py::array& table, const std::string& name, const std::vector<T>& values);

} // namespace hepnn::python
