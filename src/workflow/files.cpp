#include "workflow/files.hpp"

#include "hepnn/errors.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace hepnn::detail {
namespace {

bool same_file(const struct stat& a, const std::string& path) {
  struct stat b {};
  return ::stat(path.c_str(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

} // namespace

void refuse_overwriting_inputs(const std::string& output, const std::vector<named_input>& inputs) {
  struct stat out {};
  if (output.empty() || ::stat(output.c_str(), &out) != 0) return; // a new file replaces nothing
  for (const auto& [what, path] : inputs) {
    if (path.empty()) continue;
    bool same = false;
    if (path.find("%d") == std::string::npos) {
      same = same_file(out, path);
    } else {
      // a file family: every member that exists
      for (int k = 0; !same; ++k) {
        const std::size_t at = path.find("%d");
        const std::string member = path.substr(0, at) + std::to_string(k) + path.substr(at + 2);
        struct stat m {};
        if (::stat(member.c_str(), &m) != 0) break;
        same = same_file(out, member);
      }
    }
    if (same) throw config_error(output + ": the output is the same file as " + what + " " + path + "; refusing to replace it");
  }
}

void write_atomically(const std::string& path, const std::function<void(const std::string&)>& write) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  try {
    write(tmp);
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw error(path + ": cannot move the output into place: " + ec.message());
  }
}

void write_file_atomically(const std::string& path, const std::string& text) {
  write_atomically(path, [&](const std::string& tmp) {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw error(path + ": cannot create the output file: " + std::strerror(errno));
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !ok) throw error(path + ": writing the output file failed");
  });
}

} // namespace hepnn::detail
