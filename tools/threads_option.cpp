#include "threads_option.hpp"

namespace hepnn::cli {

option threads_option() {
  return {{"--threads"}, true,
          "threads reading, inflating and evaluating, 1 to 1024 (default: the cores this process may use); the scores do not depend on it",
          "N"};
}

std::size_t threads_requested(const arguments& args) {
  return args.has("--threads") ? to_count("--threads", args.get("--threads"), 1, 1024) : 0;
}

} // namespace hepnn::cli
