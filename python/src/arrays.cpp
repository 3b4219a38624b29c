#include "arrays.hpp"

#include "hepnn/errors.hpp"

namespace hepnn::python {

template <typename T> carray<T> as_array(py::handle obj, const std::string& what) {
  // numpy hands back the same object when it already has this type and layout
  auto a = carray<T>::ensure(obj);
  if (!a) {
    PyErr_Clear();
    throw input_error(what + ": cannot be read as an array of numbers (got a " +
                      std::string(py::str(py::type::handle_of(obj).attr("__name__"))) + ")");
  }
  return a;
}

template carray<float> as_array<float>(py::handle, const std::string&);
template carray<double> as_array<double>(py::handle, const std::string&);

std::string shape_text(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

std::vector<std::string> field_names(py::handle table) {
  std::vector<std::string> out;
  if (py::isinstance<py::array>(table)) {
    const py::object names = py::reinterpret_borrow<py::array>(table).dtype().attr("names");
    if (!names.is_none())
      for (auto n : names) out.push_back(py::cast<std::string>(n));
    return out;
  }
  if (py::hasattr(table, "keys"))
    for (auto k : table.attr("keys")()) out.push_back(py::cast<std::string>(py::str(k)));
  return out;
}

carray<double> column(py::handle table, const std::string& table_name, const std::string& field, std::size_t ndim) {
  py::object col;
  try {
    col = table[py::str(field)];
  } catch (const py::error_already_set&) {
    throw input_error(table_name + " has no field '" + field + "'");
  }
  auto a = as_array<double>(col, table_name + " field '" + field + "'");
  if (static_cast<std::size_t>(a.ndim()) != ndim)
    throw input_error(table_name + " field '" + field + "': expected " + std::to_string(ndim) + " dimension(s), got shape " +
                      shape_text(a));
  return a;
}

py::array structured(std::size_t n, const std::vector<std::pair<std::string, std::string>>& fields) {
  py::list spec;
  for (const auto& [name, type] : fields) spec.append(py::make_tuple(name, type));
  const py::module_ np = py::module_::import("numpy");
  return np.attr("zeros")(n, np.attr("dtype")(spec));
}

template <typename T> void set_field(py::array& table, const std::string& name, const std::vector<T>& values) {
  table[py::str(name)] = py::array_t<T>(static_cast<py::ssize_t>(values.size()), values.data());
}

template void set_field<float>(py::array&, const std::string&, const std::vector<float>&);
template void set_field<double>(py::array&, const std::string&, const std::vector<double>&);
template void set_field<int>(py::array&, const std::string&, const std::vector<int>&);
template void set_field<signed char>(py::array&, const std::string&, const std::vector<signed char>&);

} // namespace hepnn::python
