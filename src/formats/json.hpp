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

/// JSON text followed by the zeroed padding simdjson reads past its end.
/// Texts of a megabyte or more live in memory advised for transparent huge
/// pages: on a virtual machine each first touch of a 4 KiB page costs
/// 10-20 us, which was a quarter of a fresh process's load of a 3 MB network.
class text {
public:
  text() = default;
  explicit text(std::string_view s); ///< a copy of `s`
  text(text&& o) noexcept { swap(o); }
  text& operator=(text&& o) noexcept {
    text t(std::move(o));
    swap(t);
    return *this;
  }
  text(const text&) = delete;
  text& operator=(const text&) = delete;
  ~text();

  const char* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  std::string_view view() const noexcept { return {data_, size_}; }

  /// Room for `size` bytes and the padding, zero-filled (for readers that
  /// fill it themselves).
  static text with_size(std::size_t size);
  char* bytes() noexcept { return data_; }

private:
  void swap(text& o) noexcept {
    std::swap(data_, o.data_), std::swap(size_, o.size_), std::swap(mapped_, o.mapped_), std::swap(map_, o.map_);
  }
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t mapped_ = 0; ///< bytes of an anonymous mapping holding data_; 0: from new[]
  char* map_ = nullptr;
};

/// Parses `text` with `parser`; a syntax error names the file and the line
/// and column where parsing stopped.
value parse(simdjson::dom::parser& parser, const text& text, const context& ctx);

/// Reads a whole file ("-": standard input) into a padded buffer; throws
/// `config_error` naming the file.
text load_file(const std::string& path);

} // namespace hepnn::detail::json
