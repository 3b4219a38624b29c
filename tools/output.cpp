#include "output.hpp"

#include "hepnn/errors.hpp"
#include "workflow/files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <unistd.h>

namespace hepnn::cli {

void write_file_atomically(const std::string& path, const std::string& text) {
  detail::write_file_atomically(path, text);
}

void report_summary(const char* verb, std::size_t count, const char* what, double seconds) {
  const double rate = seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
  std::fprintf(stderr, "hepnn: %s %zu %s in %.3f s (%.0f %s/s)\n", verb, count, what, seconds, rate, what);
}

} // namespace hepnn::cli
