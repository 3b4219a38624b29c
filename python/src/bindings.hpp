#pragma once
// Shared declarations of the Python module's sources.

#include "hepnn/ftag.hpp"
#include "hepnn/io.hpp"
#include "hepnn/network.hpp"

#include <pybind11/pybind11.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace hepnn::python {

namespace py = pybind11;

/// A network as Python sees it: the model (kept for names and pickling) and
/// the compiled network in the chosen precision. Immutable apart from the
/// caches, which a mutex guards, so one object serves many threads.
class py_network {
public:
  py_network(std::shared_ptr<const model> m, bool float64, std::string isa);

  const model& get_model() const { return *model_; }
  bool float64() const { return float64_; }
  const std::string& forced_isa() const { return isa_; }
  const network* f32() const { return n32_ ? &*n32_ : nullptr; }
  const network64* f64() const { return n64_ ? &*n64_ : nullptr; }
  std::string_view isa() const { return n32_ ? n32_->isa() : n64_->isa(); }

  /// The binding of the network's own order with the given outputs (all when empty).
  const binding& binding_for(const std::vector<std::string>& outputs) const;

  /// The ftag tagger for the fields a caller provides (cached per field set and options).
  using tagger_key = std::tuple<std::vector<std::string>, std::vector<std::string>, bool, int, int>;
  /// `make` builds it when the key is new (a basic_tagger<T> of this network's precision).
  std::shared_ptr<const void> tagger_for(const tagger_key& key,
                                         const std::function<std::shared_ptr<const void>()>& make) const;

private:
  std::shared_ptr<const model> model_;
  bool float64_ = false;
  std::string isa_;
  std::optional<network> n32_;
  std::optional<network64> n64_;
  mutable std::mutex mutex_;
  mutable std::map<std::vector<std::string>, binding> bindings_;
  mutable std::map<tagger_key, std::shared_ptr<const void>> taggers_;
};

/// Per-thread scratch memory of the engine (a workspace serves one thread at a time).
workspace& thread_workspace();

/// "float32" / "float64" → true for float64; anything else is a ValueError.
bool parse_precision(const std::string& precision);

using network_class = py::class_<py_network, std::shared_ptr<py_network>>;

network_class init_network(py::module_& m);
void init_fields(network_class& cls);
void init_tau(py::module_& m);
void init_tools(py::module_& m);

} // namespace hepnn::python
