// numpy's legacy RandomState: MT19937 seeded from a 32-bit integer, and
// shuffle's Fisher-Yates walk from the last row down, drawing each index by
// masked rejection on 32-bit outputs.
#include "hepnn/ntuple.hpp"

#include <array>
#include <numeric>

namespace hepnn::ntuple {
namespace {

class mt19937 {
public:
  explicit mt19937(std::uint32_t seed) {
    s_[0] = seed;
    for (std::uint32_t i = 1; i < n; ++i) s_[i] = 1812433253u * (s_[i - 1] ^ (s_[i - 1] >> 30)) + i;
    i_ = n;
  }
  std::uint32_t next() {
    if (i_ >= n) twist();
    std::uint32_t y = s_[i_++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
  }

private:
  static constexpr std::uint32_t n = 624, m = 397;
  std::array<std::uint32_t, n> s_{};
  std::uint32_t i_ = 0;
  void twist() {
    for (std::uint32_t k = 0; k < n; ++k) {
      const std::uint32_t y = (s_[k] & 0x80000000u) | (s_[(k + 1) % n] & 0x7fffffffu);
      s_[k] = s_[(k + m) % n] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
    }
    i_ = 0;
  }
};

/// A uniform integer in [0, max], as numpy draws bounded indices.
std::uint64_t interval(mt19937& g, std::uint64_t max) {
  if (max == 0) return 0;
  std::uint64_t mask = max;
  for (int s = 1; s <= 32; s *= 2) mask |= mask >> s;
  if (max <= 0xffffffffu) {
    for (;;) {
      const std::uint64_t v = g.next() & mask;
      if (v <= max) return v;
    }
  }
  for (;;) {
    const std::uint64_t v = ((std::uint64_t(g.next()) << 32) | g.next()) & mask;
    if (v <= max) return v;
  }
}

} // namespace

std::vector<std::size_t> numpy_shuffle_order(std::size_t n, std::uint32_t seed) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  mt19937 g(seed);
  for (std::size_t i = n; i-- > 1;) std::swap(order[i], order[std::size_t(interval(g, i))]);
  return order;
}

} // namespace hepnn::ntuple
