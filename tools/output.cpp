#include "output.hpp"

#include <cstdio>

namespace hepnn::cli {

void report_summary(const char* verb, std::size_t count, const char* what, double seconds) {
  const double rate = seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
  std::fprintf(stderr, "hepnn: %s %zu %s in %.3f s (%.0f %s/s)\n", verb, count, what, seconds, rate, what);
}

} // namespace hepnn::cli
