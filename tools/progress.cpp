#include "progress.hpp"

#include <cstdio>
#include <unistd.h>

namespace hepnn::cli {

progress_bar::progress_bar(std::string what)
    : what_(std::move(what)), active_(isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()), last_(start_) {}

progress_bar::~progress_bar() { finish(); }

void progress_bar::update(std::size_t done, std::size_t total) {
  if (!active_) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double share = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  constexpr int width = 30;
  const int filled = static_cast<int>(share * width);
  char bar[width + 1];
  for (int i = 0; i < width; ++i) bar[i] = i < filled ? '#' : '.';
  bar[width] = '\0';
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  std::fprintf(stderr, "\r[%s] %3.0f%% %zu/%zu %s, %.0f %s/s ", bar, 100 * share, done, total, what_.c_str(), rate,
               what_.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void progress_bar::finish() {
  if (!drawn_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  drawn_ = false;
}

} // namespace hepnn::cli
