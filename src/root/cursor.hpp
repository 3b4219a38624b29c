#pragma once
// A bounds-checked big-endian reader over a byte range. Every read past the
// end throws input_error naming the file and what was being read.

#include "hepnn/errors.hpp"

#include <cstdint>
#include <cstring>
#include <string>

namespace hepnn::root::detail {

class cursor {
public:
  /// `origin` is the displacement of data[0] in ROOT's object-reference
  /// numbering (the key length for an object read from a key).
  cursor(const unsigned char* data, std::size_t size, const std::string* where, std::int64_t origin = 0)
      : data_(data), size_(size), where_(where), origin_(origin) {}

  std::size_t pos() const { return pos_; }
  std::size_t size() const { return size_; }
  std::size_t left() const { return size_ - pos_; }
  const unsigned char* here() const { return data_ + pos_; }
  const unsigned char* data() const { return data_; }
  /// ROOT's displacement of the current position (for class and object tags).
  std::int64_t displacement() const { return origin_ + static_cast<std::int64_t>(pos_); }

  [[noreturn]] void fail(const std::string& what) const {
    throw input_error(*where_ + ": " + what + " (at byte " + std::to_string(pos_) + " of " + std::to_string(size_) + ")");
  }
  void need(std::size_t n, const char* what) const {
    if (n > left()) fail(std::string("truncated ") + what + ": " + std::to_string(n) + " bytes needed, " + std::to_string(left()) + " left");
  }
  void skip(std::size_t n, const char* what = "data") { need(n, what), pos_ += n; }
  void seek(std::size_t p, const char* what) {
    if (p > size_) fail(std::string(what) + " points past the end of its record");
    pos_ = p;
  }

  template <class T> T read(const char* what) {
    need(sizeof(T), what);
    T v = load<T>(data_ + pos_);
    pos_ += sizeof(T);
    return v;
  }
  std::uint8_t u8(const char* w) { return read<std::uint8_t>(w); }
  std::int16_t i16(const char* w) { return read<std::int16_t>(w); }
  std::uint16_t u16(const char* w) { return read<std::uint16_t>(w); }
  std::int32_t i32(const char* w) { return read<std::int32_t>(w); }
  std::uint32_t u32(const char* w) { return read<std::uint32_t>(w); }
  std::int64_t i64(const char* w) { return read<std::int64_t>(w); }

  /// A TString: one length byte, or 255 and a 4-byte length, then the characters.
  std::string tstring(const char* what) {
    std::uint32_t n = u8(what);
    if (n == 255) n = u32(what);
    need(n, what);
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }
  /// A NUL-terminated string (class names of new-class tags).
  std::string cstring(const char* what) {
    const void* end = std::memchr(data_ + pos_, 0, left());
    if (!end) fail(std::string("unterminated ") + what);
    std::size_t n = static_cast<const unsigned char*>(end) - (data_ + pos_);
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n + 1;
    return s;
  }

  /// Big-endian load of an arithmetic type.
  template <class T> static T load(const unsigned char* p) {
    unsigned char b[sizeof(T)];
    for (std::size_t i = 0; i < sizeof(T); ++i) b[i] = p[sizeof(T) - 1 - i];
    T v;
    std::memcpy(&v, b, sizeof(T));
    return v;
  }

  const std::string& where() const { return *where_; }

private:
  const unsigned char* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  const std::string* where_;
  std::int64_t origin_;
};

} // namespace hepnn::root::detail
