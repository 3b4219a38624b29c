#pragma once
// Access to the reference data in ../shared (zoo, lwtnn-test-data, ...).
// A missing folder is a test failure, never a skip.

#include "formats/json.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace hepnn::test {

/// The shared folder (HEPNN_SHARED_DIR at configure time).
std::filesystem::path shared_dir();

/// Sub-folders of `dir` that contain every file in `needed`, sorted by name.
std::vector<std::string> cases_with(const std::filesystem::path& dir, const std::vector<std::string>& needed);

/// A parsed JSON document that keeps its buffer and parser alive.
class json_file {
public:
  explicit json_file(const std::filesystem::path& path);
  const detail::json::value& root() const { return *root_; }

private:
  detail::json::text text_;
  detail::json::context ctx_;
  simdjson::dom::parser parser_;
  std::unique_ptr<detail::json::value> root_;
};

/// lwtnn's regression-test rule (tests/reg-test.py): absolute difference when
/// the mean magnitude is at most 1, relative otherwise.
double lwtnn_rule_difference(double expected, double actual);

/// Equal as JSON values (numbers to `relative`); `where` receives the path of
/// the first difference.
bool json_equal(const detail::json::value& a, const detail::json::value& b, double relative, std::string& where);

/// gtest parameter names must be alphanumeric.
std::string test_name(std::string s);

} // namespace hepnn::test
