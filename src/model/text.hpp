#pragma once
// Small text helpers for messages and reports.

#include <algorithm>
#include <cctype>
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

/// ASCII lower case (for case-blind name matching, as Python's casefold on ASCII).
inline std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

} // namespace hepnn::detail
