#include "workflow/pipeline.hpp"

#include <sched.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace hepnn::detail {

std::size_t available_cores() noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  const int n = CPU_COUNT(&set);
  return n > 0 ? static_cast<std::size_t>(n) : 1;
}

std::size_t thread_count(std::size_t asked) noexcept { return asked ? asked : available_cores(); }

namespace {

struct shared_state {
  std::mutex m;
  std::condition_variable work_ready, item_done;
  std::deque<std::size_t> queue; // slots read and waiting for work
  std::vector<char> done;
  std::vector<std::exception_ptr> errors;
  bool stop = false;
};

/// Joins the workers however run_pipeline ends.
struct crew {
  shared_state& s;
  std::vector<std::thread> threads;
  ~crew() {
    {
      std::lock_guard lock(s.m);
      s.stop = true;
      s.queue.clear();
      s.work_ready.notify_all();
    }
    for (auto& t : threads) t.join();
  }
};

void work_on(shared_state& s, const pipeline_stages& st, std::size_t slot, std::size_t worker) {
  std::exception_ptr e;
  try {
    st.work(slot, worker);
  } catch (...) {
    e = std::current_exception();
  }
  // notified under the lock: simpler for race checkers (helgrind), and the wait is short
  std::lock_guard lock(s.m);
  s.errors[slot] = e;
  s.done[slot] = 1;
  s.item_done.notify_all();
}

} // namespace

void run_pipeline(std::size_t threads, std::size_t items, std::size_t ring, const pipeline_stages& st) {
  if (threads <= 1 || items <= 1) {
    for (std::size_t i = 0; i < items; ++i) {
      st.read(i, 0);
      st.work(0, 0);
      st.write(i, 0);
    }
    return;
  }
  if (ring < threads) ring = threads;
  shared_state s;
  s.done.assign(ring, 0);
  s.errors.assign(ring, nullptr);
  crew c{s, {}};
  for (std::size_t w = 1; w < threads; ++w)
    c.threads.emplace_back([&s, &st, w] {
      for (;;) {
        std::size_t slot = 0;
        {
          std::unique_lock lock(s.m);
          s.work_ready.wait(lock, [&] { return s.stop || !s.queue.empty(); });
          if (s.stop) return;
          slot = s.queue.front();
          s.queue.pop_front();
        }
        work_on(s, st, slot, w);
      }
    });
  std::size_t next_read = 0, next_write = 0;
  while (next_write < items) {
    while (next_read < items && next_read - next_write < ring) {
      const std::size_t slot = next_read % ring;
      st.read(next_read, slot);
      {
        std::lock_guard lock(s.m);
        s.done[slot] = 0;
        s.queue.push_back(slot);
        s.work_ready.notify_one();
      }
      ++next_read;
    }
    const std::size_t slot = next_write % ring;
    std::unique_lock lock(s.m);
    if (s.done[slot]) {
      const std::exception_ptr e = s.errors[slot];
      lock.unlock();
      if (e) std::rethrow_exception(e);
      st.write(next_write, slot);
      ++next_write;
    } else if (!s.queue.empty()) {
      // the calling thread works too while it waits
      const std::size_t mine = s.queue.front();
      s.queue.pop_front();
      lock.unlock();
      work_on(s, st, mine, 0);
    } else {
      s.item_done.wait(lock, [&] { return s.done[slot] != 0; });
    }
  }
}

} // namespace hepnn::detail
