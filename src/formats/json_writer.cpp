#include "formats/json_writer.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace hepnn::detail {

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    case '\b': out += "\\b"; break;
    case '\f': out += "\\f"; break;
    default:
      if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += ch;
      }
    }
  }
  out += '"';
}

void json_writer::newline() {
  if (indent_ < 0) return;
  out_ += '\n';
  out_.append(stack_.size() * static_cast<std::size_t>(indent_), ' ');
}

void json_writer::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (stack_.empty()) return;
  if (!stack_.back().empty) out_ += ',';
  stack_.back().empty = false;
  newline();
}

json_writer& json_writer::begin_object() {
  before_value();
  out_ += '{';
  stack_.push_back({false, true});
  return *this;
}

json_writer& json_writer::end_object() {
  bool empty = stack_.back().empty;
  stack_.pop_back();
  if (!empty) newline();
  out_ += '}';
  return *this;
}

json_writer& json_writer::begin_array() {
  before_value();
  out_ += '[';
  stack_.push_back({true, true});
  return *this;
}

json_writer& json_writer::end_array() {
  bool empty = stack_.back().empty;
  stack_.pop_back();
  if (!empty) newline();
  out_ += ']';
  return *this;
}

json_writer& json_writer::key(std::string_view k) {
  before_value();
  append_json_string(out_, k);
  out_ += indent_ < 0 ? ":" : ": ";
  after_key_ = true;
  return *this;
}

json_writer& json_writer::value(std::string_view s) {
  before_value();
  append_json_string(out_, s);
  return *this;
}

void json_writer::number(double d) {
  if (!std::isfinite(d)) {
    out_ += "null"; // JSON has no NaN or infinity
    return;
  }
  char buf[40];
  if (style_ == numbers::digits17) {
    int n = std::snprintf(buf, sizeof buf, "%.17g", d);
    out_.append(buf, static_cast<std::size_t>(n));
    return;
  }
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
  out_ += text;
  // keep integers recognisable as floating point, as Python's json does
  if (text.find_first_of(".eE") == std::string_view::npos) out_ += ".0";
}

json_writer& json_writer::value(double d) {
  before_value();
  number(d);
  return *this;
}

json_writer& json_writer::value(std::size_t n) {
  before_value();
  out_ += std::to_string(n);
  return *this;
}

json_writer& json_writer::value(int n) {
  before_value();
  out_ += std::to_string(n);
  return *this;
}

json_writer& json_writer::value(bool b) {
  before_value();
  out_ += b ? "true" : "false";
  return *this;
}

json_writer& json_writer::null() {
  before_value();
  out_ += "null";
  return *this;
}

json_writer& json_writer::numbers_inline(const std::vector<double>& v) {
  before_value();
  out_ += '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out_ += indent_ < 0 ? "," : ", ";
    number(v[i]);
  }
  out_ += ']';
  return *this;
}

json_writer& json_writer::sizes_inline(const std::vector<std::size_t>& v) {
  before_value();
  out_ += '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out_ += indent_ < 0 ? "," : ", ";
    out_ += std::to_string(v[i]);
  }
  out_ += ']';
  return *this;
}

} // namespace hepnn::detail
