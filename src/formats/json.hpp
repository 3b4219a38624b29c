#pragma once
// Path-aware access to a simdjson DOM. Every error names the file, the JSON
// pointer of the offending value and, when set, the layer or node being read:
//   net.json: /layers/3 (lstm): components/i/U/17: expected a number, got an object
// simdjson stays internal: nothing here reaches a public header.

#include "hepnn/errors.hpp"

#include <simdjson.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hepnn::detail::json {

/// What is being read: the file name and an optional anchor (a JSON pointer
/// prefix such as "/layers/3" with a label such as "lstm").
class context {
public:
  explicit context(std::string source) : source_(std::move(source)) {}
  const std::string& source() const noexcept { return source_; }
  void set_anchor(std::string pointer, std::string label) {
    anchor_ = std::move(pointer);
    label_ = std::move(label);
  }
  void clear_anchor() { anchor_.clear(), label_.clear(); }
  [[noreturn]] void fail(const std::string& path, const std::string& message) const;

private:
  std::string source_;
  std::string anchor_;
  std::string label_;
};

/// A JSON value together with its pointer.
class value {
public:
  value(simdjson::dom::element el, std::string path, const context& ctx)
      : el_(el), path_(std::move(path)), ctx_(&ctx) {}

  const std::string& path() const noexcept { return path_; }
  simdjson::dom::element raw() const noexcept { return el_; }
  [[noreturn]] void fail(const std::string& message) const { ctx_->fail(path_, message); }

  bool is_null() const noexcept { return el_.type() == simdjson::dom::element_type::NULL_VALUE; }
  bool is_object() const noexcept { return el_.type() == simdjson::dom::element_type::OBJECT; }
  bool is_array() const noexcept { return el_.type() == simdjson::dom::element_type::ARRAY; }
  bool is_string() const noexcept { return el_.type() == simdjson::dom::element_type::STRING; }
  bool is_number() const noexcept;

  /// Required member of an object.
  value at(std::string_view key) const;
  /// Optional member of an object (an error if this is not an object).
  std::optional<value> find(std::string_view key) const;
  /// Members in file order (duplicates included).
  std::vector<std::pair<std::string, value>> members() const;
  /// Elements of an array.
  std::vector<value> items() const;
  std::size_t size() const; ///< array length

  /// A number; a quoted number such as "1.5" is accepted as lwtnn does.
  double number() const;
  /// A non-negative integer (index or count).
  std::size_t index() const;
  std::string string() const;
  bool boolean() const;
  /// An array of numbers appended to `out`.
  void numbers(std::vector<double>& out) const;
  /// Text form of a scalar (for lwtnn's string-valued "miscellaneous").
  std::string scalar_text() const;

  std::string type_name() const;

private:
  simdjson::dom::element el_;
  std::string path_;
  const context* ctx_;
};

/// Parses `text` (already padded) with `parser`; a syntax error names the
/// file and the line and column where parsing stopped.
value parse(simdjson::dom::parser& parser, const simdjson::padded_string& text, const context& ctx);

/// Reads a whole file into a padded buffer; throws `E` naming the file.
simdjson::padded_string load_file(const std::string& path);

} // namespace hepnn::detail::json
