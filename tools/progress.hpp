#pragma once
// A progress bar on standard error, drawn only when it is a terminal and at
// most ten times a second, so piped logs stay clean.

#include <chrono>
#include <cstddef>
#include <string>

namespace hepnn::cli {

class progress_bar {
public:
  progress_bar(std::string what);
  ~progress_bar();
  void update(std::size_t done, std::size_t total);
  /// Erases the bar (before the summary line).
  void finish();

private:
  std::string what_;
  bool active_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

} // namespace hepnn::cli
