#pragma once
// Output files are written to a temporary name in the same directory and
// renamed into place only when complete: a failed run never leaves a
// half-written or clobbered file behind.

#include <functional>
#include <string>

namespace hepnn::detail {

/// Writes `text` to `path` atomically; throws hepnn::error naming the file.
void write_file_atomically(const std::string& path, const std::string& text);

/// Calls `write(temporary path)`, then renames the result to `path`; on any
/// exception the temporary file is removed and the exception passed on.
void write_atomically(const std::string& path, const std::function<void(const std::string&)>& write);

} // namespace hepnn::detail
