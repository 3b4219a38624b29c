#pragma once
// numpy arrays laid out for evaluate_batch: scalar rows used in place,
// sequences as (values, offsets), (padded, lengths) or padded arrays.

#include "arrays.hpp"

#include "hepnn/errors.hpp"
#include "hepnn/network.hpp"

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hepnn::python {

namespace py = pybind11;

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

/// Every input node of `net` from `inputs` and `seqs` (input_error naming
/// `source` and the node on anything missing, unknown or misshapen).
template <typename T>
batch_inputs<T> gather_inputs(const basic_network<T>& net, const std::string& source, const py::dict& inputs,
                              const py::dict& seqs);

} // namespace hepnn::python
