#pragma once
// Small text helpers for messages and reports.

#include <string>
#include <vector>

namespace hepnn::detail {

/// "a, b, c"
inline std::string join(const std::vector<std::string>& items, const char* separator = ", ") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

} // namespace hepnn::detail
