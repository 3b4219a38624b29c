#pragma once
// A small streaming JSON writer with deterministic output: keys in the order
// written, numbers either in shortest round-trip form or with 17 significant
// digits.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hepnn::detail {

class json_writer {
public:
  enum class numbers { shortest, digits17 };
  explicit json_writer(int indent = 2, numbers style = numbers::shortest) : indent_(indent), style_(style) {}

  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  json_writer& key(std::string_view k);
  json_writer& value(std::string_view s);
  json_writer& value(const char* s) { return value(std::string_view(s)); }
  json_writer& value(double d);
  json_writer& value(std::size_t n);
  json_writer& value(int n);
  json_writer& value(bool b);
  json_writer& null();
  /// An array of numbers on one line.
  json_writer& numbers_inline(const std::vector<double>& v);
  json_writer& sizes_inline(const std::vector<std::size_t>& v);

  const std::string& str() const noexcept { return out_; }
  std::string take() { return std::move(out_); }

private:
  struct level {
    bool array;
    bool empty;
  };
  std::string out_;
  std::vector<level> stack_;
  int indent_;
  numbers style_;
  bool after_key_ = false;

  void before_value();
  void newline();
  void number(double d);
};

/// Appends `s` as a JSON string literal (quoted, escaped).
void append_json_string(std::string& out, std::string_view s);

} // namespace hepnn::detail
