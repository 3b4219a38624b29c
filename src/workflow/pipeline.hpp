#pragma once
// Scoring a file on several threads with the output in input order. HDF5 is
// not thread-safe, so reading and writing stay on the calling thread; the
// work in between (decompressing, decoding, evaluating) runs on any thread.
// At most `ring` items are alive at once, which bounds memory: callers keep
// one buffer set per ring slot.

#include <cstddef>
#include <functional>

namespace hepnn::detail {

/// The CPUs this process may run on (sched_getaffinity), at least 1.
std::size_t available_cores() noexcept;
/// `asked` threads, or available_cores() for 0.
std::size_t thread_count(std::size_t asked) noexcept;

struct pipeline_stages {
  /// Serial, in item order, on the calling thread: fill ring slot `slot` for item `item`.
  std::function<void(std::size_t item, std::size_t slot)> read;
  /// Any thread: process slot `slot`; `worker` (0 .. threads − 1) names the
  /// thread's own scratch, never used by two threads at once.
  std::function<void(std::size_t slot, std::size_t worker)> work;
  /// Serial, in item order, on the calling thread.
  std::function<void(std::size_t item, std::size_t slot)> write;
};

/// Runs `items` items through the stages with `threads` threads (the calling
/// one included) and `ring` slots (at least `threads`). An exception from
/// any stage stops the pipeline and is rethrown here; one thrown by work()
/// surfaces when its item's turn to be written comes, so the first failing
/// item in input order is the one reported.
void run_pipeline(std::size_t threads, std::size_t items, std::size_t ring, const pipeline_stages& stages);

} // namespace hepnn::detail
