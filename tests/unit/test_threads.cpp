// A loaded network is immutable and thread-safe: 8 threads evaluating the
// zoo networks at once, each with its own workspace, give bit for bit the
// serial results. (Run under ThreadSanitizer by maintainers; here under the
// optimised and the ASan + UBSan builds.)
#include "hepnn/io.hpp"
#include "hepnn/keras.hpp"
#include "hepnn/network.hpp"
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
  for (const char* m : {"dips_like", "tau_rnn", "dl1_like_functional", "masked_gap", "gru_reset_before"}) {
    const auto dir = shared_dir() / "zoo" / m;
    subjects.push_back({std::make_unique<network>(read_network(dir / "lwtnn.json")),
                        detail::read_json_events((dir / "inputs.json").string()), {}});
  }
  for (const char* m : {"attention_block", "conv2d_image", "bidirectional", "embedding"}) {
    const auto dir = shared_dir() / "zoo2" / m;
    const auto vars = read_variables(dir / "variables.json");
    subjects.push_back({std::make_unique<network>(convert_keras(dir / "model.h5", {}, &vars).network),
                        detail::read_json_events((dir / "inputs.json").string()), {}});
  }
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
