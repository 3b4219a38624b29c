#include "formats/json.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <cctype>
#include <cstdint>
#include <limits>
#include <new>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hepnn::detail::json {
namespace {

std::string_view type_word(simdjson::dom::element_type t) {
  using simdjson::dom::element_type;
  switch (t) {
  case element_type::ARRAY: return "an array";
  case element_type::OBJECT: return "an object";
  case element_type::INT64:
  case element_type::UINT64:
  case element_type::DOUBLE: return "a number";
  case element_type::STRING: return "a string";
  case element_type::BOOL: return "a boolean";
  case element_type::NULL_VALUE: return "null";
  }
  return "a value";
}

bool parse_double(std::string_view s, double& out) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && std::isfinite(out);
}

/// Offset of the first JSON syntax error in `text`, or text.size() if the
/// grammar is fine (then the problem is elsewhere, e.g. a bad number).
std::size_t first_syntax_error(std::string_view text) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  auto ws = [&] {
    while (i < n && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t')) ++i;
  };
  auto string = [&]() -> bool {
    if (i >= n || text[i] != '"') return false;
    for (++i; i < n; ++i) {
      unsigned char c = static_cast<unsigned char>(text[i]);
      if (c == '"') return ++i, true;
      if (c < 0x20) return false;
      if (c == '\\') {
        if (++i >= n) return false;
        if (text[i] == 'u') {
          for (int k = 0; k < 4; ++k)
            if (++i >= n || !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
        } else if (!std::strchr("\"\\/bfnrt", text[i])) {
          return false;
        }
      }
    }
    return false;
  };
  auto scalar = [&]() -> bool {
    for (std::string_view lit : {"true", "false", "null"})
      if (text.substr(i, lit.size()) == lit) return i += lit.size(), true;
    std::size_t start = i;
    if (i < n && text[i] == '-') ++i;
    if (i >= n || !std::isdigit(static_cast<unsigned char>(text[i]))) return i = start, false;
    if (text[i] == '0') ++i;
    else
      while (i < n && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i < n && text[i] == '.') {
      if (++i >= n || !std::isdigit(static_cast<unsigned char>(text[i]))) return false;
      while (i < n && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    }
    if (i < n && (text[i] == 'e' || text[i] == 'E')) {
      ++i;
      if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
      if (i >= n || !std::isdigit(static_cast<unsigned char>(text[i]))) return false;
      while (i < n && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    }
    return true;
  };
  std::vector<char> stack; // '{' or '['
  bool expect_value = true;
  ws();
  while (true) {
    if (expect_value) {
      ws();
      if (i >= n) return i;
      if (text[i] == '{' || text[i] == '[') {
        stack.push_back(text[i++]);
        ws();
        if (i < n && (text[i] == (stack.back() == '{' ? '}' : ']'))) {
          ++i;
          stack.pop_back();
          expect_value = false;
          if (stack.empty()) break;
          continue;
        }
        if (stack.back() == '{') {
          if (!string()) return i;
          ws();
          if (i >= n || text[i] != ':') return i;
          ++i;
        }
        continue;
      }
      if (!(text[i] == '"' ? string() : scalar())) return i;
      expect_value = false;
      if (stack.empty()) break;
      continue;
    }
    ws();
    if (i >= n) return i;
    char close = stack.back() == '{' ? '}' : ']';
    if (text[i] == ',') {
      ++i;
      if (stack.back() == '{') {
        ws();
        if (!string()) return i;
        ws();
        if (i >= n || text[i] != ':') return i;
        ++i;
      }
      expect_value = true;
    } else if (text[i] == close) {
      ++i;
      stack.pop_back();
      if (stack.empty()) break;
    } else {
      return i;
    }
  }
  ws();
  return i < n ? i : n;
}

} // namespace

void context::fail(const std::string& path, const std::string& message) const {
  std::string text = source_ + ": ";
  if (!anchor_.empty() && path.compare(0, anchor_.size(), anchor_) == 0 &&
      (path.size() == anchor_.size() || path[anchor_.size()] == '/')) {
    text += anchor_;
    if (!label_.empty()) text += " (" + label_ + ")";
    if (path.size() > anchor_.size()) text += ": " + path.substr(anchor_.size() + 1);
  } else {
    text += path.empty() ? "/" : path;
  }
  throw config_error(text + ": " + message);
}

bool value::is_number() const noexcept {
  auto t = el_.type();
  return t == simdjson::dom::element_type::DOUBLE || t == simdjson::dom::element_type::INT64 ||
         t == simdjson::dom::element_type::UINT64;
}

std::string value::type_name() const { return std::string(type_word(el_.type())); }

value value::at(std::string_view key) const {
  auto v = find(key);
  if (!v) fail("missing key '" + std::string(key) + "'");
  return *v;
}

std::optional<value> value::find(std::string_view key) const {
  if (!is_object()) fail("expected an object, got " + type_name());
  simdjson::dom::object obj = el_.get_object().value_unsafe();
  simdjson::dom::element child;
  if (obj.at_key(key).get(child) != simdjson::SUCCESS) return std::nullopt;
  return value(child, path_ + "/" + std::string(key), *ctx_);
}

std::vector<std::pair<std::string, value>> value::members() const {
  if (!is_object()) fail("expected an object, got " + type_name());
  std::vector<std::pair<std::string, value>> out;
  simdjson::dom::object obj = el_.get_object().value_unsafe();
  for (auto field : obj)
    out.emplace_back(std::string(field.key), value(field.value, path_ + "/" + std::string(field.key), *ctx_));
  return out;
}

std::vector<value> value::items() const {
  if (!is_array()) fail("expected an array, got " + type_name());
  std::vector<value> out;
  std::size_t k = 0;
  simdjson::dom::array array = el_.get_array().value_unsafe();
  for (auto child : array) out.emplace_back(child, path_ + "/" + std::to_string(k++), *ctx_);
  return out;
}

std::size_t value::size() const {
  if (!is_array()) fail("expected an array, got " + type_name());
  simdjson::dom::array array = el_.get_array().value_unsafe();
  return array.size();
}

double value::number() const {
  double d = 0;
  switch (el_.type()) {
  case simdjson::dom::element_type::DOUBLE: return el_.get_double().value_unsafe();
  case simdjson::dom::element_type::INT64: return static_cast<double>(el_.get_int64().value_unsafe());
  case simdjson::dom::element_type::UINT64: return static_cast<double>(el_.get_uint64().value_unsafe());
  case simdjson::dom::element_type::STRING:
    if (parse_double(el_.get_string().value_unsafe(), d)) return d;
    fail("'" + std::string(el_.get_string().value_unsafe()) + "' is not a finite number");
  default: fail("expected a number, got " + type_name());
  }
}

std::size_t value::index() const {
  double d = number();
  if (d < 0) fail("negative value " + scalar_text() + " where an index or count is expected");
  if (d != std::floor(d) || d > 9.0e15) fail("expected a non-negative integer, got " + scalar_text());
  return static_cast<std::size_t>(d);
}

std::string value::string() const {
  if (!is_string()) fail("expected a string, got " + type_name());
  return std::string(el_.get_string().value_unsafe());
}

bool value::boolean() const {
  if (el_.type() != simdjson::dom::element_type::BOOL) fail("expected true or false, got " + type_name());
  return el_.get_bool().value_unsafe();
}

void value::numbers(std::vector<double>& out) const {
  if (!is_array()) fail("expected an array of numbers, got " + type_name());
  simdjson::dom::array array = el_.get_array().value_unsafe();
  out.reserve(out.size() + array.size());
  std::size_t k = 0;
  for (auto child : array) {
    switch (child.type()) {
    case simdjson::dom::element_type::DOUBLE: out.push_back(child.get_double().value_unsafe()); break;
    case simdjson::dom::element_type::INT64: out.push_back(static_cast<double>(child.get_int64().value_unsafe())); break;
    case simdjson::dom::element_type::UINT64: out.push_back(static_cast<double>(child.get_uint64().value_unsafe())); break;
    default: out.push_back(value(child, path_ + "/" + std::to_string(k), *ctx_).number()); break;
    }
    ++k;
  }
}

std::string value::scalar_text() const {
  switch (el_.type()) {
  case simdjson::dom::element_type::STRING: return std::string(el_.get_string().value_unsafe());
  case simdjson::dom::element_type::INT64: return std::to_string(el_.get_int64().value_unsafe());
  case simdjson::dom::element_type::UINT64: return std::to_string(el_.get_uint64().value_unsafe());
  case simdjson::dom::element_type::DOUBLE: {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, el_.get_double().value_unsafe());
    return std::string(buf, r.ptr);
  }
  case simdjson::dom::element_type::BOOL: return el_.get_bool().value_unsafe() ? "true" : "false";
  case simdjson::dom::element_type::NULL_VALUE: return "null";
  default: fail("expected a string or number, got " + type_name());
  }
}

value parse(simdjson::dom::parser& parser, const text& text, const context& ctx) {
  simdjson::dom::element root;
  auto err = parser.parse(reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), false).get(root);
  if (err != simdjson::SUCCESS) {
    std::string_view body = text.view();
    std::size_t at = first_syntax_error(body);
    std::string where;
    if (at < body.size() || err != simdjson::EMPTY) {
      std::size_t line = 1, col = 1;
      for (std::size_t k = 0; k < at && k < body.size(); ++k) {
        if (body[k] == '\n') ++line, col = 1;
        else ++col;
      }
      where = " at line " + std::to_string(line) + ", column " + std::to_string(col);
    }
    throw config_error(ctx.source() + ": not valid JSON" + where + ": " + simdjson::error_message(err));
  }
  return value(root, "", ctx);
}

namespace {
constexpr std::size_t huge_page = std::size_t{2} << 20;
constexpr std::size_t huge_from = std::size_t{1} << 20; // smaller texts: plain new[]
} // namespace

text text::with_size(std::size_t size) {
  if (size > std::numeric_limits<std::size_t>::max() / 2) throw std::bad_alloc();
  const std::size_t need = size + simdjson::SIMDJSON_PADDING;
  text t;
  t.size_ = size;
#if defined(MADV_HUGEPAGE)
  if (need >= huge_from) {
    // a huge-page-aligned start inside a mapping one huge page longer
    const std::size_t len = (need + huge_page - 1) / huge_page * huge_page + huge_page;
    void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
      char* base = static_cast<char*>(p);
      const auto misalign = reinterpret_cast<std::uintptr_t>(base) % huge_page;
      char* start = misalign ? base + (huge_page - misalign) : base;
      ::madvise(start, len - huge_page, MADV_HUGEPAGE); // advice only: without THP, plain pages
      t.map_ = base, t.mapped_ = len, t.data_ = start;
      return t;
    }
  }
#endif
  t.data_ = new char[need]();
  return t;
}

text::text(std::string_view s) {
  text t = with_size(s.size());
  if (!s.empty()) std::memcpy(t.data_, s.data(), s.size());
  swap(t);
}

text::~text() {
  if (mapped_) ::munmap(map_, mapped_);
  else delete[] data_;
}

namespace {
/// All of a stream that cannot seek (standard input, a pipe, a FIFO).
text read_stream(std::FILE* f, const std::string& name) {
  std::string all;
  char buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) all.append(buf, n);
  if (std::ferror(f)) throw config_error(name + ": cannot read: " + std::strerror(errno));
  return text(all);
}

/// A regular file, read at its size when opened (a file that shrinks while
/// being read gives what was there; one that grows, its first bytes).
text read_regular(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw config_error(path + ": cannot read the file: " + std::strerror(errno));
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_fd{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw config_error(path + ": cannot read the file: " + std::strerror(errno));
  text t = text::with_size(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < t.size()) {
    const ssize_t r = ::read(fd, t.bytes() + got, t.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw config_error(path + ": cannot read the file: " + std::strerror(errno));
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  if (got < t.size()) return text(std::string_view(t.data(), got));
  return t;
}
} // namespace

text load_file(const std::string& path) {
  if (path == "-") return read_stream(stdin, "standard input");
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) { // a FIFO, /dev/stdin
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw config_error(path + ": cannot read the file: " + std::strerror(errno));
    auto t = read_stream(f, path);
    std::fclose(f);
    return t;
  }
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) throw config_error(path + ": is a directory, not a file");
  return read_regular(path);
}

} // namespace hepnn::detail::json
