// A loaded network is immutable and thread-safe: 8 threads evaluating the
// zoo networks at once, each with its own workspace, give bit for bit the
// serial results. Built into test_unit (optimised, ASan + UBSan, clang) and,
// with HEPNN_CORE_ONLY, alone against hepnn_core under ThreadSanitizer
// (scripts/build.sh tsan), which fails on any data race it sees.
#include "hepnn/io.hpp"
#include "hepnn/network.hpp"
#ifndef HEPNN_CORE_ONLY
#include "hepnn/keras.hpp"
#endif
#include "support/events.hpp"
#include "support/shared_data.hpp"
#include "workflow/json_events.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace hepnn::test {
namespace {

struct subject {
  std::unique_ptr<network> net;
  std::vector<detail::json_event> events;
  event_outputs serial;
};

TEST(threads, concurrent_evaluation_equals_serial_bitwise) {
  std::vector<subject> subjects;
  // every zoo network lwtnn converted (its lwtnn_outputs.json says so)
  const auto zoo = cases_with(shared_dir() / "zoo", {"lwtnn.json", "lwtnn_outputs.json", "inputs.json"});
  ASSERT_GE(zoo.size(), 20u);
  for (const auto& m : zoo) {
    const auto dir = shared_dir() / "zoo" / m;
    subjects.push_back({std::make_unique<network>(read_network(dir / "lwtnn.json")),
                        detail::read_json_events((dir / "inputs.json").string()), {}});
  }
#ifndef HEPNN_CORE_ONLY // the Keras converter is not in hepnn_core
  for (const char* m : {"attention_block", "conv2d_image", "bidirectional", "embedding"}) {
    const auto dir = shared_dir() / "zoo2" / m;
    const auto vars = read_variables(dir / "variables.json");
    subjects.push_back({std::make_unique<network>(convert_keras(dir / "model.h5", {}, &vars).network),
                        detail::read_json_events((dir / "inputs.json").string()), {}});
  }
#endif
  for (auto& s : subjects) s.serial = evaluate_fast(*s.net, s.events);

  std::atomic<int> mismatches{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < 8; ++t)
    pool.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round)
        for (std::size_t k = 0; k < subjects.size(); ++k) {
          const auto& s = subjects[(k + static_cast<std::size_t>(t)) % subjects.size()];
          const auto fast = evaluate_fast(*s.net, s.events);
          const auto batch = evaluate_batched(*s.net, s.events, 5);
          if (compare(s.serial, fast).max_abs != 0.0 || compare(s.serial, batch).max_abs != 0.0) ++mismatches;
        }
    });
  for (auto& th : pool) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

} // namespace
} // namespace hepnn::test
