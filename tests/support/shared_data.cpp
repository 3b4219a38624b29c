#include "support/shared_data.hpp"

#include <algorithm>
#include <cmath>

namespace hepnn::test {

std::filesystem::path shared_dir() { return std::filesystem::path(HEPNN_SHARED_DIR); }

std::vector<std::string> cases_with(const std::filesystem::path& dir, const std::vector<std::string>& needed) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_directory()) continue;
    bool ok = true;
    for (const auto& f : needed) ok = ok && std::filesystem::exists(entry.path() / f);
    if (ok) out.push_back(entry.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

json_file::json_file(const std::filesystem::path& path)
    : text_(detail::json::load_file(path.string())), ctx_(path.string()) {
  root_ = std::make_unique<detail::json::value>(detail::json::parse(parser_, text_, ctx_));
}

double lwtnn_rule_difference(double expected, double actual) {
  const double d = std::fabs(expected - actual);
  const double mean = std::fabs((expected + actual) / 2);
  return mean <= 1 ? d : d / mean;
}

bool json_equal(const detail::json::value& a, const detail::json::value& b, double relative, std::string& where) {
  where = a.path().empty() ? "/" : a.path();
  if (a.is_number() && b.is_number()) {
    const double x = a.number(), y = b.number();
    return x == y || std::fabs(x - y) <= relative * std::fabs(y);
  }
  if (a.raw().type() != b.raw().type()) return false;
  if (a.is_object()) {
    auto ma = a.members(), mb = b.members();
    if (ma.size() != mb.size()) return false;
    for (const auto& [k, v] : ma) {
      auto other = b.find(k);
      if (!other || !json_equal(v, *other, relative, where)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    auto ia = a.items(), ib = b.items();
    if (ia.size() != ib.size()) return false;
    for (std::size_t i = 0; i < ia.size(); ++i)
      if (!json_equal(ia[i], ib[i], relative, where)) return false;
    return true;
  }
  return a.scalar_text() == b.scalar_text();
}

std::string test_name(std::string s) {
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

} // namespace hepnn::test
