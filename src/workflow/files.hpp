#pragma once
// Output files are written to a temporary name in the same directory,
// synced to the disk (fsync) and renamed into place only when complete: a
// failed run never leaves a half-written or clobbered file behind. While a
// temporary file is being written, SIGINT, SIGTERM and SIGHUP (where their
// action is the default one) remove it before the signal ends the process.

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace hepnn::detail {

/// An input of a command: what it is ("the ntuple", "--scores") and its path.
using named_input = std::pair<std::string, std::string>;

/// Throws config_error when `output` is the same file as one of `inputs`
/// (same device and inode; a name with "%d" stands for its family's
/// members). An output that does not exist yet is no input.
void refuse_overwriting_inputs(const std::string& output, const std::vector<named_input>& inputs);

/// Throws config_error when `output` is an existing directory (checked before
/// any work is done, so that a long run does not end in a failed rename).
void refuse_directory_output(const std::string& output);

/// "-" (standard output) or an existing file that is not a regular one (a
/// FIFO, a device, /dev/stdout): written into directly, never renamed over.
bool is_stream_target(const std::string& path);

/// Writes `text` to `path` atomically; throws hepnn::error naming the file.
/// "-" and non-regular files (is_stream_target) are written straight into.
void write_file_atomically(const std::string& path, const std::string& text);

/// Refuses "-" and non-regular targets (binary files need a regular file).
/// Calls `write(temporary path)`, syncs the result to the disk and renames it
/// to `path`; on any exception the temporary file is removed and the
/// exception passed on, and on SIGINT / SIGTERM / SIGHUP it is removed too.
void write_atomically(const std::string& path, const std::function<void(const std::string&)>& write);

} // namespace hepnn::detail
