#pragma once
/// \file errors.hpp
/// The exceptions hepnn throws. Every message says where the problem is:
/// the file, the JSON path or field, and the layer / node / variable involved.

#include <stdexcept>
#include <string>

namespace hepnn {

/// Root of all hepnn exceptions.
class error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// A network file, model or configuration that cannot be used (thrown while
/// loading, converting or compiling).
class config_error : public error {
public:
  using error::error;
};

/// Bad input at evaluation time: a missing variable, a wrong length, a NaN
/// without a default, an invalid embedding index.
class input_error : public error {
public:
  using error::error;
};

} // namespace hepnn
