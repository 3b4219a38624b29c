#include "output.hpp"

#include "hepnn/errors.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <unistd.h>

namespace hepnn::cli {

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw error(path + ": cannot create the output file: " + std::strerror(errno));
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int close_failed = std::fclose(f);
  if (!ok || close_failed) {
    std::remove(tmp.c_str());
    throw error(path + ": writing the output file failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw error(path + ": cannot move the output into place: " + ec.message());
  }
}

void report_summary(const char* verb, std::size_t count, const char* what, double seconds) {
  const double rate = seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
  std::fprintf(stderr, "hepnn: %s %zu %s in %.3f s (%.0f %s/s)\n", verb, count, what, seconds, rate, what);
}

} // namespace hepnn::cli
