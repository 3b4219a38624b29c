// Value types and columns.
#include "hepnn/root.hpp"

#include <cstring>

namespace hepnn::root {

std::size_t width(value_type t) {
  switch (t) {
  case value_type::boolean:
  case value_type::int8:
  case value_type::uint8: return 1;
  case value_type::int16:
  case value_type::uint16: return 2;
  case value_type::int32:
  case value_type::uint32:
  case value_type::float32: return 4;
  case value_type::int64:
  case value_type::uint64:
  case value_type::float64: return 8;
  case value_type::string: return 0;
  }
  return 0;
}

const char* type_name(value_type t) {
  switch (t) {
  case value_type::boolean: return "bool";
  case value_type::int8: return "int8";
  case value_type::uint8: return "uint8";
  case value_type::int16: return "int16";
  case value_type::uint16: return "uint16";
  case value_type::int32: return "int32";
  case value_type::uint32: return "uint32";
  case value_type::int64: return "int64";
  case value_type::uint64: return "uint64";
  case value_type::float32: return "float32";
  case value_type::float64: return "float64";
  case value_type::string: return "string";
  }
  return "?";
}

std::size_t column::size() const { return type == value_type::string ? strings.size() : values.size() / width(type); }

namespace {
template <class T> T at(const std::vector<unsigned char>& v, std::size_t i) {
  T x;
  std::memcpy(&x, v.data() + i * sizeof(T), sizeof(T));
  return x;
}
} // namespace

double column::as_double(std::size_t i) const {
  switch (type) {
  case value_type::float32: return at<float>(values, i);
  case value_type::float64: return at<double>(values, i);
  case value_type::uint64: return double(at<std::uint64_t>(values, i));
  default: return double(as_int64(i));
  }
}

std::int64_t column::as_int64(std::size_t i) const {
  switch (type) {
  case value_type::boolean:
  case value_type::uint8: return at<std::uint8_t>(values, i);
  case value_type::int8: return at<std::int8_t>(values, i);
  case value_type::int16: return at<std::int16_t>(values, i);
  case value_type::uint16: return at<std::uint16_t>(values, i);
  case value_type::int32: return at<std::int32_t>(values, i);
  case value_type::uint32: return at<std::uint32_t>(values, i);
  case value_type::int64: return at<std::int64_t>(values, i);
  case value_type::uint64: return std::int64_t(at<std::uint64_t>(values, i));
  case value_type::float32: return std::int64_t(at<float>(values, i));
  case value_type::float64: return std::int64_t(at<double>(values, i));
  case value_type::string: break;
  }
  return 0;
}

std::uint64_t column::as_uint64(std::size_t i) const {
  if (type == value_type::uint64) return at<std::uint64_t>(values, i);
  return std::uint64_t(as_int64(i));
}

} // namespace hepnn::root
