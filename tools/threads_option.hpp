#pragma once
// --threads N, shared by the commands that score files (eval, check, tauid).

#include "args.hpp"

#include <cstddef>

namespace hepnn::cli {

/// The option: threads for reading, decompressing and evaluating.
option threads_option();
/// Its value, 1 to 1024; 0 (the library's "all the cores this process may use") when not given.
std::size_t threads_requested(const arguments& args);

} // namespace hepnn::cli
