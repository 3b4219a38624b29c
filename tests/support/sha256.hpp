#pragma once
// SHA-256 (FIPS 180-4), for checksums that reference dumps give.

#include <cstddef>
#include <cstdint>
#include <string>

namespace hepnn::test {

class sha256 {
public:
  sha256();
  void update(const void* data, std::size_t n);
  /// The digest as 64 lower-case hex digits (ends the computation).
  std::string hex();

private:
  void block(const unsigned char* p);
  std::uint32_t h_[8];
  unsigned char buf_[64];
  std::size_t used_ = 0;
  std::uint64_t bits_ = 0;
};

} // namespace hepnn::test
