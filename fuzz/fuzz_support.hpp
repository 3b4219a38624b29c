#pragma once
// Shared pieces of the libFuzzer harnesses: scratch files for APIs that take
// paths, the shared reference data, and one zero-input evaluation of a
// compiled network.
//
// Every harness catches hepnn::error (config_error, input_error): those are
// the documented answers to a bad input. Anything else that escapes (another
// exception type), a crash, a sanitizer report, a leak or a timeout is a
// finding.

#include "hepnn/errors.hpp"
#include "hepnn/network.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace hepnn::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// The shared reference data (../shared of the source tree, or $HEPNN_SHARED_DIR).
inline std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("HEPNN_SHARED_DIR"); env && *env) return env;
  return HEPNN_SHARED_DIR;
}

/// A file of this process in the temporary directory (unique per process, so
/// that libFuzzer's -jobs / -fork workers do not share it), removed at exit.
class scratch_file {
public:
  explicit scratch_file(const std::string& suffix)
      : path_(std::filesystem::temp_directory_path() /
              ("hepnn-fuzz-" + std::to_string(::getpid()) + "-" + suffix)) {}
  scratch_file(const scratch_file&) = delete;
  scratch_file& operator=(const scratch_file&) = delete;
  ~scratch_file() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  /// Replaces the file's content.
  const std::filesystem::path& write(std::string_view bytes) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::fprintf(stderr, "fuzz: cannot write %s\n", path_.c_str());
      std::abort();
    }
    return path_;
  }
  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

/// A documented error (not a finding); printed when HEPNN_FUZZ_VERBOSE is
/// set, to check by hand what a seed or a crash input gets to.
inline void expected(const hepnn::error& e) {
  static const bool verbose = std::getenv("HEPNN_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "hepnn::error: %s\n", e.what());
}

/// Evaluates one event with every input zero and every sequence `steps` steps
/// long, through the fast path (bind + evaluate) in the network's own order.
template <typename T> void evaluate_zero(const basic_network<T>& net, std::size_t steps = 3) {
  const input_order order = net.native_order();
  const binding b = net.bind(order);
  std::vector<std::vector<T>> scalar_values, sequence_values;
  std::vector<const T*> scalars;
  std::vector<sequence_input<T>> sequences;
  for (const auto& [name, vars] : order.scalar) scalar_values.emplace_back(vars.size(), T(0));
  for (const auto& [name, vars] : order.sequence) sequence_values.emplace_back(vars.size() * steps, T(0));
  for (const auto& v : scalar_values) scalars.push_back(v.data());
  for (const auto& v : sequence_values) sequences.push_back({v.data(), steps});
  std::vector<T> out(b.output_size());
  workspace ws;
  net.evaluate(b, scalars, sequences, out, ws);
}

/// Splits `bytes` at NUL bytes into at most `n` parts (the last keeps the rest).
inline std::vector<std::string_view> split_nul(std::string_view bytes, std::size_t n) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < n) {
    const auto at = bytes.find('\0');
    if (at == std::string_view::npos) break;
    parts.push_back(bytes.substr(0, at));
    bytes.remove_prefix(at + 1);
  }
  parts.push_back(bytes);
  return parts;
}

} // namespace hepnn::fuzz
