#include "workflow/files.hpp"

#include "hepnn/errors.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hepnn::detail {
namespace {

// ---- temporary files removed when SIGINT / SIGTERM interrupts a run ----------
//
// A few slots hold the paths of the temporary files being written; the
// handler unlinks them (unlink is async-signal-safe), restores the default
// action and raises the signal again, so the exit status still says which
// signal ended the run. Handlers are installed only where the disposition
// is the default one: a host program's own handlers, or an ignored SIGINT
// (nohup, background jobs), are left alone.

constexpr std::size_t temp_slots = 8, temp_path_max = 4096;
struct temp_slot {
  std::atomic<bool> claimed{false}, active{false};
  char path[temp_path_max] = {};
};
temp_slot temp_registry[temp_slots];
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler reads these flags");

void remove_temporaries(int sig) {
  for (auto& s : temp_registry)
    if (s.active.load()) ::unlink(s.path);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void install_handlers() {
  static const bool installed = [] {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction old {};
      if (::sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO)) continue;
      struct sigaction act {};
      act.sa_handler = remove_temporaries;
      sigemptyset(&act.sa_mask);
      ::sigaction(sig, &act, nullptr);
    }
    return true;
  }();
  (void)installed;
}

/// Registers `path` for removal on a signal while alive; a no-op when the
/// path is too long or every slot is taken (the file is then only removed on errors).
class temp_registration {
public:
  explicit temp_registration(const std::string& path) {
    if (path.size() >= temp_path_max) return;
    install_handlers();
    for (auto& s : temp_registry) {
      bool expected = false;
      if (!s.claimed.compare_exchange_strong(expected, true)) continue;
      std::memcpy(s.path, path.c_str(), path.size() + 1);
      s.active.store(true); // published after the path is complete
      slot_ = &s;
      return;
    }
  }
  ~temp_registration() {
    if (!slot_) return;
    slot_->active.store(false);
    slot_->claimed.store(false);
  }
  temp_registration(const temp_registration&) = delete;
  temp_registration& operator=(const temp_registration&) = delete;

private:
  temp_slot* slot_ = nullptr;
};

/// Forces the file's data to the disk, so a crash after the rename cannot
/// leave an empty or partial file under the final name.
void sync_file(const std::string& path, const std::string& shown) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  const bool ok = fd >= 0 && ::fsync(fd) == 0;
  const int saved = errno;
  if (fd >= 0) ::close(fd);
  if (!ok) throw error(shown + ": cannot write the output to the disk: " + std::strerror(saved));
}

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

void refuse_directory_output(const std::string& output) {
  std::error_code ec;
  if (std::filesystem::is_directory(output, ec))
    throw config_error(output + ": is a directory; the output must be a file name");
}

bool is_stream_target(const std::string& path) {
  if (path == "-") return true;
  struct stat st {};
  // an existing device, FIFO or socket (also through a symlink such as /dev/stdout): written into, never replaced
  return ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

void write_atomically(const std::string& path, const std::function<void(const std::string&)>& write) {
  if (is_stream_target(path))
    throw config_error((path == "-" ? std::string("standard output") : path) +
                       ": not a regular file; this output (HDF5) needs one, it cannot be written to a pipe or device");
  refuse_directory_output(path);
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  const temp_registration registered(tmp);
  try {
    write(tmp);
    sync_file(tmp, path);
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
  if (is_stream_target(path)) { // '-', a pipe or a device: written straight into, as a shell redirection would
    std::FILE* f = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
    const std::string name = path == "-" ? "standard output" : path;
    if (!f) throw error(name + ": cannot open the output: " + std::strerror(errno));
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    const bool closed = path == "-" ? std::fflush(f) == 0 : std::fclose(f) == 0;
    if (!ok || !closed) throw error(name + ": writing the output failed: " + std::strerror(errno));
    return;
  }
  write_atomically(path, [&](const std::string& tmp) {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw error(path + ": cannot create the output file: " + std::strerror(errno));
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size(); // synced by write_atomically
    if (std::fclose(f) != 0 || !ok) throw error(path + ": writing the output file failed: " + std::strerror(errno));
  });
}

} // namespace hepnn::detail
