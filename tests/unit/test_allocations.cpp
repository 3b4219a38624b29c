// After warm-up, evaluation allocates nothing: every operator new in this
// test binary is counted.
#include "hepnn/io.hpp"
#include "hepnn/keras.hpp"
#include "hepnn/tau.hpp"
#include "hepnn/network.hpp"
#include "support/shared_data.hpp"
#include "workflow/event_batch.hpp"
#include "workflow/json_events.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <unistd.h>
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

template <typename T> void no_allocations_after_warm_up(const std::string& zoo_model, const std::string& zoo = "zoo") {
  const auto dir = shared_dir() / zoo / zoo_model;
  const auto vars = read_variables(dir / "variables.json");
  const basic_network<T> net(zoo == "zoo" ? read_network(dir / "lwtnn.json") : convert_keras(dir / "model.h5", {}, &vars).network);
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

TEST(allocations, none_for_fixed_shapes_images_and_attention) {
  // issue 8: every layer of the second zoo
  for (const char* m : {"attention_block", "bidirectional", "bidirectional_ave_mul", "conv1d_fixed", "conv2d_global",
                        "conv2d_image", "dense_on_sequence", "embedding", "fixed_flatten", "layer_norm", "prune_wrapper",
                        "reshape_permute"}) {
    no_allocations_after_warm_up<float>(m, "zoo2");
    no_allocations_after_warm_up<double>(m, "zoo2");
  }
}

TEST(allocations, none_after_warm_up_float64) {
  for (const char* m : {"dl1_like_functional", "tau_rnn"}) no_allocations_after_warm_up<double>(m);
}

TEST(allocations, none_with_masks_backward_scans_and_convolutions) {
  // hepnn's extensions: masking, a reset_after GRU scanning backwards, pooling, conv1d
  const char* json = R"({"inputs": [], "input_sequences": [{"name": "x", "variables": [
      {"name": "a", "offset": 0, "scale": 1}, {"name": "b", "offset": 0, "scale": 1}]}],
    "nodes": [{"type": "input_sequence", "sources": [0], "size": 2}, {"type": "masking", "sources": [0], "mask_value": 0},
              {"type": "time_distributed", "sources": [1], "layer_index": 0}, {"type": "sum", "sources": [2]},
              {"type": "sequence", "sources": [1], "layer_index": 1}, {"type": "mean", "sources": [2]},
              {"type": "sequence", "sources": [0], "layer_index": 2}, {"type": "max_pool", "sources": [6]},
              {"type": "concatenate", "sources": [3, 4, 5, 7]}],
    "layers": [{"architecture": "dense", "weights": [1, 1], "bias": [1], "activation": "tanh"},
               {"architecture": "gru", "activation": "tanh", "inner_activation": "sigmoid", "reset_after": true, "go_backwards": true,
                "components": {"z": {"weights": [0.3, 0.1], "U": [0.4], "bias": [0.1], "recurrent_bias": [0.05]},
                               "r": {"weights": [-0.2, 0.2], "U": [0.6], "bias": [-0.1], "recurrent_bias": [0.02]},
                               "h": {"weights": [0.5, 0.3], "U": [0.7], "bias": [0.2], "recurrent_bias": [0.3]}}},
               {"architecture": "conv1d", "weights": [1, 2, 3, 4], "bias": [0.5], "dilation_rate": 1, "padding": "same", "activation": "linear"}],
    "outputs": {"all": {"node_index": 8, "labels": ["s", "g", "m", "c"]}}})";
  const network net(parse_network(json, "masked.json"));
  const binding b = net.bind(net.native_order());
  // 6 events of 0..5 steps, some steps all zero (masked)
  std::vector<float> values;
  std::vector<std::size_t> offsets{0};
  for (std::size_t e = 0; e < 6; ++e) {
    for (std::size_t t = 0; t < e; ++t) {
      values.push_back(t % 2 ? 0.0f : 0.5f * float(e));
      values.push_back(t % 2 ? 0.0f : -0.25f * float(t));
    }
    offsets.push_back(values.size() / 2);
  }
  sequence_batch<float> seq[] = {{values.data(), offsets.data()}};
  std::vector<float> out(6 * b.output_size());
  workspace ws;
  net.evaluate_batch(b, 6, {}, seq, out, ws);
  for (std::size_t e = 0; e < 6; ++e) {
    sequence_input<float> one[] = {{values.data() + 2 * offsets[e], offsets[e + 1] - offsets[e]}};
    net.evaluate(b, {}, one, out, ws);
  }
  const long before = allocations.load();
  for (int round = 0; round < 3; ++round) {
    net.evaluate_batch(b, 6, {}, seq, out, ws);
    for (std::size_t e = 0; e < 6; ++e) {
      sequence_input<float> one[] = {{values.data() + 2 * offsets[e], offsets[e + 1] - offsets[e]}};
      net.evaluate(b, {}, one, out, ws);
    }
  }
  EXPECT_EQ(allocations.load() - before, 0);
}

template <typename T> void tau_candidates_allocate_nothing_after_warm_up() {
  // the shared tau sample's networks, converted into a scratch directory
  const auto dir = std::filesystem::temp_directory_path() / ("hepnn-alloc-tau-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  tau::evaluator_options o;
  for (const char* prong : {"1p", "3p"}) {
    const auto src = shared_dir() / "tau" / (std::string("tau_") + prong);
    const auto spec = tau::varspec_from_model(src / "model.h5", src / "preproc.h5");
    const auto out = dir / (std::string(prong) + ".json");
    save_network(convert_keras(src / "model.h5", {}, &spec).network, out);
    (std::string(prong) == "1p" ? o.network_1p : o.network_3p) = out;
  }
  const tau::basic_evaluator<T> ev(o);
  std::filesystem::remove_all(dir);
  tau::candidate_file file(shared_dir() / "tau" / "tau_candidates.h5", ev.scalar_fields(), ev.track_fields(), ev.cluster_fields());
  const auto& candidates = file.read(0, file.size());
  workspace ws;
  double sum = 0;
  for (const auto& c : candidates) sum += ev.evaluate(c, ws).score;
  const long before = allocations.load();
  for (int round = 0; round < 3; ++round)
    for (const auto& c : candidates) sum += ev.evaluate(c, ws).score;
  EXPECT_EQ(allocations.load() - before, 0);
  EXPECT_TRUE(std::isfinite(sum));
}

TEST(allocations, none_per_tau_candidate_after_warm_up) {
  tau_candidates_allocate_nothing_after_warm_up<float>();
  tau_candidates_allocate_nothing_after_warm_up<double>();
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
