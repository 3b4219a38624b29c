// Images too large for the lane engine (tensors over 2^15 elements per
// event) run the row engine's convolution and global pooling: zoo2's
// conv2d_global (Conv2D 3x3 'same', 6 filters, ReLU; global mean and max;
// Dense 3, softmax), whose weights do not depend on the image size, on an
// 80 x 80 image, against a direct float64 evaluation written from the
// network format's definitions (docs/network-format.md). The same direct
// evaluation reproduces zoo2's own 10 x 10 references first.
#include "hepnn/io.hpp"
#include "hepnn/keras.hpp"
#include "hepnn/network.hpp"
#include "support/events.hpp"
#include "support/shared_data.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace hepnn::test {
namespace {

/// The network's scores for one event given as an image (H, W, C) of raw values.
std::vector<double> direct(const model& m, std::size_t h, std::size_t w, const std::vector<double>& raw) {
  const layer& conv = m.layers[0];
  const layer& dense = m.layers[1];
  const std::size_t c_in = 2, filters = conv.bias.size();
  const auto& vars = m.inputs[0].variables;
  std::vector<double> x(raw.size());
  for (std::size_t k = 0; k < raw.size(); ++k) x[k] = (raw[k] + vars[k % c_in].offset) * vars[k % c_in].scale;
  std::vector<double> mean(filters, 0.0), top(filters, -INFINITY);
  for (std::size_t r = 0; r < h; ++r)
    for (std::size_t c = 0; c < w; ++c)
      for (std::size_t f = 0; f < filters; ++f) {
        double s = conv.bias[f];
        for (std::size_t i = 0; i < 3; ++i)
          for (std::size_t j = 0; j < 3; ++j) {
            const long rr = long(r + i) - 1, cc = long(c + j) - 1;
            if (rr < 0 || cc < 0 || rr >= long(h) || cc >= long(w)) continue;
            for (std::size_t ch = 0; ch < c_in; ++ch) // weights [out][kh][kw][in]
              s += conv.weights[((f * 3 + i) * 3 + j) * c_in + ch] * x[(std::size_t(rr) * w + std::size_t(cc)) * c_in + ch];
          }
        s = std::max(s, 0.0);
        mean[f] += s / double(h * w);
        top[f] = std::max(top[f], s);
      }
  std::vector<double> joined(mean);
  joined.insert(joined.end(), top.begin(), top.end());
  const std::size_t n_out = dense.bias.size();
  std::vector<double> z(n_out);
  for (std::size_t o = 0; o < n_out; ++o) { // weights [out][in]
    z[o] = dense.bias[o];
    for (std::size_t i = 0; i < joined.size(); ++i) z[o] += dense.weights[o * joined.size() + i] * joined[i];
  }
  const double zmax = *std::max_element(z.begin(), z.end());
  double sum = 0;
  for (double& v : z) sum += (v = std::exp(v - zmax));
  for (double& v : z) v /= sum;
  return z;
}

model converted() {
  const auto dir = shared_dir() / "zoo2" / "conv2d_global";
  const auto vars = read_variables(dir / "variables.json");
  return convert_keras(dir / "model.h5", {}, &vars).network;
}

TEST(conv_rows, the_direct_evaluation_reproduces_the_zoo2_references) {
  const model m = converted();
  ASSERT_EQ(m.layers.size(), 2u);
  const auto dir = shared_dir() / "zoo2" / "conv2d_global";
  const auto events = detail::read_json_events((dir / "inputs.json").string());
  const auto expected = read_expected((dir / "outputs.json").string());
  ASSERT_EQ(events.size(), expected.size());
  for (std::size_t e = 0; e < events.size(); ++e) {
    const auto& values = events[e].inputs.at("calo_image");
    std::vector<double> raw;
    for (const auto& v : m.inputs[0].variables) raw.push_back(values.at(v.name));
    const auto z = direct(m, 10, 10, raw);
    const auto& want = expected[e].at("dense");
    EXPECT_NEAR(z[0], want.at("c0"), 1e-12);
    EXPECT_NEAR(z[1], want.at("c1"), 1e-12);
    EXPECT_NEAR(z[2], want.at("c2"), 1e-12);
  }
}

TEST(conv_rows, a_large_image_runs_the_row_engine_exactly) {
  model m = converted();
  const std::size_t h = 80, w = 80, c_in = 2; // conv output 80·80·6 = 38400 elements per event
  const auto pattern = m.inputs[0].variables;
  m.inputs[0].variables.clear();
  for (std::size_t r = 0; r < h; ++r)
    for (std::size_t c = 0; c < w; ++c)
      for (std::size_t ch = 0; ch < c_in; ++ch) {
        variable v = pattern[ch];
        v.name = "cell_r" + std::to_string(r) + "_c" + std::to_string(c) + "_ch" + std::to_string(ch);
        m.inputs[0].variables.push_back(v);
      }
  for (auto& n : m.nodes) {
    if (n.kind == node_kind::input) n.size = h * w * c_in;
    if (n.kind == node_kind::reshape) n.shape = {h, w, c_in};
  }
  const basic_network<double> n64(m);
  const basic_network<float> n32(m);
  const binding b64 = n64.bind(n64.native_order()), b32 = n32.bind(n32.native_order());
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> cell(0.0, 4.0);
  const std::size_t events = 20; // a whole vector group of events and leftovers
  std::vector<double> raw(events * h * w * c_in);
  for (double& v : raw) v = cell(rng);
  std::vector<float> raw32(raw.begin(), raw.end());
  std::vector<double> raw_as_float(raw32.begin(), raw32.end());
  std::vector<double> out64(events * 3);
  std::vector<float> out32(events * 3);
  workspace ws;
  const double* s64[] = {raw.data()};
  const float* s32[] = {raw32.data()};
  n64.evaluate_batch(b64, events, s64, {}, out64, ws);
  n32.evaluate_batch(b32, events, s32, {}, out32, ws);
  for (std::size_t e = 0; e < events; ++e) {
    const std::vector<double> one(raw.begin() + long(e * h * w * c_in), raw.begin() + long((e + 1) * h * w * c_in));
    const std::vector<double> one32(raw_as_float.begin() + long(e * h * w * c_in),
                                    raw_as_float.begin() + long((e + 1) * h * w * c_in));
    const auto z = direct(m, h, w, one), z32 = direct(m, h, w, one32);
    for (std::size_t o = 0; o < 3; ++o) {
      EXPECT_NEAR(out64[e * 3 + o], z[o], 1e-10) << "event " << e << " output " << o;
      EXPECT_NEAR(out32[e * 3 + o], z32[o], 1e-5) << "event " << e << " output " << o;
    }
    // one event at a time gives the same bits as the batch
    std::vector<double> single(3);
    const double* s[] = {raw.data() + e * h * w * c_in};
    n64.evaluate(b64, s, {}, single, ws);
    for (std::size_t o = 0; o < 3; ++o) EXPECT_EQ(single[o], out64[e * 3 + o]);
  }
}

} // namespace
} // namespace hepnn::test
