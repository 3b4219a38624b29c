// After warm-up, evaluation allocates nothing: every operator new in this
// test binary is counted.
#include "hepnn/io.hpp"
#include "hepnn/network.hpp"
#include "support/shared_data.hpp"
#include "workflow/event_batch.hpp"
#include "workflow/json_events.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<long> allocations{0};
}

void* operator new(std::size_t n) {
  ++allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  ++allocations;
  const std::size_t al = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace hepnn::test {
namespace {

template <typename T> void no_allocations_after_warm_up(const std::string& zoo_model) {
  const auto dir = shared_dir() / "zoo" / zoo_model;
  const basic_network<T> net(read_network(dir / "lwtnn.json"));
  const auto events = detail::read_json_events((dir / "inputs.json").string());
  const binding b = net.bind(net.native_order());
  detail::event_batch<T> all(net, events, 0, events.size());
  std::vector<T> out(events.size() * b.output_size());
  workspace ws;

  // warm-up: the whole batch, and every event once on the fast path
  net.evaluate_batch(b, events.size(), all.scalar_pointers, all.sequences, out, ws);
  std::vector<std::vector<const T*>> scalars;
  std::vector<std::vector<sequence_input<T>>> seqs;
  for (std::size_t e = 0; e < events.size(); ++e) {
    scalars.push_back(all.single_scalars(e));
    seqs.push_back(all.single(e));
    net.evaluate(b, scalars.back(), seqs.back(), out, ws);
  }

  const long before = allocations.load();
  for (int round = 0; round < 3; ++round) {
    for (std::size_t e = 0; e < events.size(); ++e) net.evaluate(b, scalars[e], seqs[e], out, ws);
    net.evaluate_batch(b, events.size(), all.scalar_pointers, all.sequences, out, ws);
  }
  EXPECT_EQ(allocations.load() - before, 0) << zoo_model;
}

TEST(allocations, none_after_warm_up_float32) {
  for (const char* m : {"dl1_like_functional", "dips_like", "tau_rnn", "umami_like", "gru_reset_before", "masked_gap"})
    no_allocations_after_warm_up<float>(m);
}

TEST(allocations, none_after_warm_up_float64) {
  for (const char* m : {"dl1_like_functional", "tau_rnn"}) no_allocations_after_warm_up<double>(m);
}

TEST(allocations, the_counter_sees_allocations_inside_the_library) {
  // the first evaluation with a fresh workspace must allocate: if the count
  // stayed 0 here, the zero counts above would prove nothing
  const auto dir = shared_dir() / "zoo" / "dips_like";
  const network net(read_network(dir / "lwtnn.json"));
  const auto events = detail::read_json_events((dir / "inputs.json").string());
  detail::event_batch<float> all(net, events, 0, 1);
  const binding b = net.bind(net.native_order());
  std::vector<float> out(b.output_size());
  const long before = allocations.load();
  workspace ws;
  net.evaluate(b, all.single_scalars(0), all.single(0), out, ws);
  EXPECT_GT(allocations.load() - before, 0);
}

} // namespace
} // namespace hepnn::test
