// Every kernel of every instruction set this CPU runs, against plain
// double-precision definitions.
#include "kernels/kernels.hpp"
#include "kernels/scalar_math.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace hepnn::detail {
namespace {

using A = activation_function;

template <typename T> std::vector<T> aligned_rows(std::size_t rows, std::size_t ld) {
  return std::vector<T>(rows * ld + row_align<T>, T(0));
}

/// Values that exercise every branch: clamps, ±30, tiny, large, zero.
std::vector<double> probe_values() {
  std::vector<double> v = {0.0, -0.0, 1e-30, -1e-30, 1e-8, -1e-8, 0.3, -0.3, 0.6, -0.6, 0.7, -0.7, 1, -1, 2.4, -2.4,
                           2.6, -2.6, 3, -3, 8.9, -8.9, 9.1, -9.1, 15, -15, 29.9, -29.9, 30.1, -30.1, 80, -80, 86.5,
                           -86.5, 88, -88, 100, -100};
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-12, 12);
  for (int i = 0; i < 600; ++i) v.push_back(u(rng));
  return v;
}

std::vector<act_params> all_activations() {
  return {{A::linear, 0, 0, 0},
          {A::relu, 0, 0, std::numeric_limits<double>::infinity()},
          {A::relu, 0.1, 0.5, 6.0},
          {A::sigmoid, 0, 0, 0},
          {A::hard_sigmoid, 0.2, 0.5, 0},
          {A::hard_sigmoid, 1.0 / 6.0, 0.5, 0},
          {A::tanh, 0, 0, 0},
          {A::elu, 1.0, 0, 0},
          {A::elu, 0.7, 0, 0},
          {A::leaky_relu, 0.3, 0, 0},
          {A::swish, 1.0, 0, 0},
          {A::abs, 0, 0, 0},
          {A::selu, 0, 0, 0},
          {A::softplus, 0, 0, 0},
          {A::softsign, 0, 0, 0},
          {A::exponential, 0, 0, 0},
          {A::gelu, 0, 0, 0},
          {A::gelu_tanh, 0, 0, 0}};
}

template <typename T> void check_activations(const kernel_table<T>& k, double rel, double abs) {
  const auto xs = probe_values();
  const std::size_t n = xs.size(), ld = padded<T>(n);
  for (const auto& p : all_activations()) {
    auto y = aligned_rows<T>(1, ld);
    for (std::size_t i = 0; i < n; ++i) y[i] = static_cast<T>(xs[i]);
    k.activate(p, y.data(), 1, n, ld);
    for (std::size_t i = 0; i < n; ++i) {
      const double x = static_cast<double>(static_cast<T>(xs[i]));
      const double want = scalar::apply(p, x);
      if (std::fabs(want) > std::numeric_limits<T>::max()) continue; // overflows T: inf is right
      const double got = y[i];
      EXPECT_LE(std::fabs(got - want), abs + rel * std::fabs(want))
          << k.isa << " " << to_string(p.function) << "(" << x << "): " << got << " vs " << want;
    }
  }
}

TEST(kernels, activations_float32_every_isa) {
  for (std::size_t i = 0; i < kernel_count<float>(); ++i) check_activations(kernels_at<float>(i), 8e-7, 2e-7);
}

TEST(kernels, activations_float64_every_isa) {
  // 1e-16 absolute: FMA contraction changes cancellations like (1/6)·(−3) + 0.5
  for (std::size_t i = 0; i < kernel_count<double>(); ++i) check_activations(kernels_at<double>(i), 1e-15, 1e-16);
}

TEST(kernels, sigmoid_is_clamped_like_lwtnn) {
  for (std::size_t i = 0; i < kernel_count<float>(); ++i) {
    auto y = aligned_rows<float>(1, 16);
    const float inf = std::numeric_limits<float>::infinity();
    const float x[] = {-30.5f, 30.5f, -29.5f, 30.000002f, 1e30f, inf, -inf};
    std::copy(std::begin(x), std::end(x), y.begin());
    kernels_at<float>(i).activate({A::sigmoid, 0, 0, 0}, y.data(), 1, 7, 16);
    EXPECT_EQ(y[0], 0.0f) << kernels_at<float>(i).isa;
    EXPECT_GT(y[2], 0.0f) << kernels_at<float>(i).isa;
    EXPECT_EQ(y[6], 0.0f) << kernels_at<float>(i).isa;
    for (int j : {1, 3, 4, 5}) EXPECT_EQ(y[j], 1.0f) << kernels_at<float>(i).isa << " sigmoid(" << x[j] << ")";
  }
}

TEST(kernels, nan_propagates_through_activations) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < kernel_count<float>(); ++i)
    for (const act_params& p : {act_params{A::relu, 1.0, 0, inf}, act_params{A::relu, 0, 0, inf}, act_params{A::sigmoid},
                                act_params{A::tanh}, act_params{A::elu, 1.0}, act_params{A::swish, 1.0},
                                act_params{A::hard_sigmoid, 0.2, 0.5}}) {
      auto y = aligned_rows<float>(1, 16);
      y[0] = nan;
      kernels_at<float>(i).activate(p, y.data(), 1, 1, 16);
      EXPECT_TRUE(std::isnan(y[0])) << kernels_at<float>(i).isa << " " << to_string(p.function) << " " << p.alpha;
    }
}

// The clamps are max/min instructions whose operand order decides what a
// NaN or a zero of either sign gives: they must agree with the scalar rules.
TEST(kernels, clamps_keep_the_sign_of_zero_like_the_scalar_rules) {
  for (std::size_t i = 0; i < kernel_count<float>(); ++i) {
    auto y = aligned_rows<float>(1, 16);
    y[0] = -0.0f, y[1] = -1.0f, y[2] = 2.5f;
    kernels_at<float>(i).activate({A::relu, 0, 0, std::numeric_limits<double>::infinity()}, y.data(), 1, 3, 16);
    EXPECT_TRUE(y[0] == 0.0f && std::signbit(y[0])) << kernels_at<float>(i).isa << ": relu(-0) is -0";
    EXPECT_TRUE(y[1] == 0.0f && !std::signbit(y[1])) << kernels_at<float>(i).isa;
    EXPECT_EQ(y[2], 2.5f) << kernels_at<float>(i).isa;
    const act_params hs{A::hard_sigmoid, 0.2, -0.0, 0}; // −0·0.2 − 0 is −0 before the clamps
    y[0] = -0.0f, y[1] = 7.0f, y[2] = 2.5f;
    kernels_at<float>(i).activate(hs, y.data(), 1, 3, 16);
    EXPECT_TRUE(y[0] == 0.0f && std::signbit(y[0]) == std::signbit(scalar::apply(hs, -0.0)))
        << kernels_at<float>(i).isa << ": hard_sigmoid(-0) " << y[0];
    EXPECT_EQ(y[1], 1.0f) << kernels_at<float>(i).isa;
    EXPECT_EQ(y[2], 0.5f) << kernels_at<float>(i).isa;
  }
}

template <typename T> void check_softmax(const kernel_table<T>& k, double tol) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(-20, 20);
  for (std::size_t rows : {1u, 5u})
    for (std::size_t n : {1u, 3u, 4u, 15u, 16u, 17u, 40u}) {
      const std::size_t ld = padded<T>(n);
      auto y = aligned_rows<T>(rows, ld);
      std::vector<double> ref(rows * n);
      for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t i = 0; i < n; ++i) ref[r * n + i] = y[r * ld + i] = static_cast<T>(u(rng));
      k.activate({A::softmax, 0, 0, 0}, y.data(), rows, n, ld);
      for (std::size_t r = 0; r < rows; ++r) {
        scalar::softmax(ref.data() + r * n, n);
        for (std::size_t i = 0; i < n; ++i)
          EXPECT_NEAR(y[r * ld + i], ref[r * n + i], tol) << k.isa << " rows " << rows << " n " << n << " i " << i;
      }
    }
}

TEST(kernels, softmax_every_isa) {
  for (std::size_t i = 0; i < kernel_count<float>(); ++i) check_softmax(kernels_at<float>(i), 3e-7);
  for (std::size_t i = 0; i < kernel_count<double>(); ++i) check_softmax(kernels_at<double>(i), 1e-15);
}

template <typename T> void check_gemm(const kernel_table<T>& k, double tol) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(-1, 1);
  for (std::size_t m : {1u, 2u, 5u, 6u, 7u, 13u, 25u})
    for (std::size_t kk : {0u, 1u, 7u, 33u, 70u})
      for (std::size_t n : {16u, 48u, 64u, 80u, 112u, 160u})
        for (int mode = 0; mode < 3; ++mode)
          for (bool relu : {false, true}) {
            const std::size_t ldx = padded<T>(kk) + 16, ldw = n + 16, ldy = n + 32;
            std::vector<T> x(m * ldx + 1), w(kk * ldw + 1), c(m * ldy), bias(n), y(m * ldy);
            for (auto& v : x) v = static_cast<T>(u(rng));
            for (auto& v : w) v = static_cast<T>(u(rng));
            for (auto& v : c) v = static_cast<T>(u(rng));
            for (auto& v : bias) v = static_cast<T>(u(rng));
            gemm_args<T> g;
            g.x = x.data(), g.ldx = ldx, g.m = m, g.k = kk, g.w = w.data(), g.ldw = ldw, g.n = n;
            if (mode == 1) g.bias = bias.data();
            if (mode == 2) g.c = c.data(), g.ldc = ldy;
            g.y = y.data(), g.ldy = ldy, g.relu = relu;
            k.gemm(g);
            for (std::size_t r = 0; r < m; ++r)
              for (std::size_t j = 0; j < n; ++j) {
                double want = mode == 1 ? bias[j] : mode == 2 ? c[r * ldy + j] : 0.0;
                for (std::size_t q = 0; q < kk; ++q) want += double(x[r * ldx + q]) * double(w[q * ldw + j]);
                if (relu && want < 0) want = 0;
                ASSERT_NEAR(y[r * ldy + j], want, tol * (1 + kk))
                    << k.isa << " m " << m << " k " << kk << " n " << n << " mode " << mode << " relu " << relu;
              }
          }
}

TEST(kernels, gemm_every_isa_against_naive_product) {
  for (std::size_t i = 0; i < kernel_count<float>(); ++i) check_gemm(kernels_at<float>(i), 2e-7);
  for (std::size_t i = 0; i < kernel_count<double>(); ++i) check_gemm(kernels_at<double>(i), 1e-15);
}

TEST(kernels, gemm_accumulates_in_place) {
  // c may alias y: the recurrent step adds h·Uᵀ onto the input projections
  for (std::size_t i = 0; i < kernel_count<float>(); ++i) {
    std::vector<float> x(16 * 3, 1.0f), w(16 * 16, 0.5f), y(16 * 3, 2.0f);
    gemm_args<float> g;
    g.x = x.data(), g.ldx = 16, g.m = 3, g.k = 4, g.w = w.data(), g.ldw = 16, g.n = 16;
    g.c = y.data(), g.ldc = 16, g.y = y.data(), g.ldy = 16;
    kernels_at<float>(i).gemm(g);
    for (std::size_t j = 0; j < y.size(); ++j) EXPECT_EQ(y[j], 4.0f) << kernels_at<float>(i).isa << " at " << j;
  }
}

template <typename T> void check_lstm(const kernel_table<T>& k, double tol) {
  const std::size_t units = 5, ldu = padded<T>(units), rows = 3;
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(-2, 2);
  for (const auto& [act, inner] : std::vector<std::pair<act_params, act_params>>{
           {{A::tanh, 0, 0, 0}, {A::sigmoid, 0, 0, 0}}, {{A::relu, 0, 0, std::numeric_limits<double>::infinity()}, {A::hard_sigmoid, 0.2, 0.5, 0}}}) {
    auto z = aligned_rows<T>(rows, 4 * ldu), h = aligned_rows<T>(rows, ldu), c = aligned_rows<T>(rows, ldu);
    for (auto& v : z) v = static_cast<T>(u(rng));
    for (auto& v : h) v = static_cast<T>(u(rng));
    for (auto& v : c) v = static_cast<T>(u(rng));
    const auto z0 = z, h0 = h, c0 = c;
    const std::uint8_t keep[rows] = {1, 0, 1};
    lstm_args<T> a;
    a.z = z.data(), a.ldz = 4 * ldu, a.h = h.data(), a.c = c.data(), a.lds = ldu, a.rows = rows, a.units = units;
    a.ldu = ldu, a.act = act, a.inner = inner, a.keep = keep;
    k.lstm_cell(a);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t i = 0; i < units; ++i) {
        const T* zr = z0.data() + r * 4 * ldu;
        double ig = scalar::apply(inner, zr[i]), fg = scalar::apply(inner, zr[ldu + i]);
        double cand = scalar::apply(act, zr[2 * ldu + i]), og = scalar::apply(inner, zr[3 * ldu + i]);
        double cn = fg * c0[r * ldu + i] + ig * cand, hn = og * scalar::apply(act, cn);
        if (!keep[r]) cn = c0[r * ldu + i], hn = h0[r * ldu + i]; // masked step: state unchanged
        EXPECT_NEAR(c[r * ldu + i], cn, tol) << k.isa;
        EXPECT_NEAR(h[r * ldu + i], hn, tol) << k.isa;
      }
  }
}

TEST(kernels, lstm_cell_every_isa) {
  for (std::size_t i = 0; i < kernel_count<float>(); ++i) check_lstm(kernels_at<float>(i), 2e-6);
  for (std::size_t i = 0; i < kernel_count<double>(); ++i) check_lstm(kernels_at<double>(i), 1e-14);
}

/// lstm_sequence against lstm_step taken a step at a time, bit for bit:
/// outputs, masked steps (zeros or the kept state) and the final state.
TEST(kernels, lstm_sequence_is_its_steps_every_isa) {
  const std::size_t units = 20, ldu = padded<float>(units), steps = 7;
  const std::uint8_t keep[steps] = {1, 1, 0, 1, 0, 0, 1};
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(-1, 1);
  auto xp = aligned_rows<float>(steps, 4 * ldu), w = aligned_rows<float>(units, 4 * ldu);
  for (auto& v : xp) v = u(rng);
  for (auto& v : w) v = u(rng) * 0.3f;
  for (std::size_t i = 0; i < kernel_count<float>(); ++i) {
    const auto& k = kernels_at<float>(i);
    for (bool zero_masked : {false, true}) {
      // step by step: the reference
      auto h = aligned_rows<float>(1, ldu), h2 = aligned_rows<float>(1, ldu), c = aligned_rows<float>(1, ldu);
      auto y = aligned_rows<float>(steps, ldu);
      lstm_step_args<float> st;
      st.u = w.data(), st.c = c.data(), st.rows = 1, st.units = units, st.ldu = ldu, st.ldxp = 4 * ldu;
      st.act = {A::tanh, 0, 0, 0}, st.inner = {A::sigmoid, 0, 0, 0};
      for (std::size_t t = 0; t < steps; ++t) {
        st.xp = xp.data() + t * 4 * ldu, st.h = h.data(), st.h_next = h2.data(), st.keep = keep + t;
        ASSERT_TRUE(k.lstm_step(st)) << k.isa;
        std::swap(h, h2);
        for (std::size_t j = 0; j < ldu; ++j) y[t * ldu + j] = zero_masked && !keep[t] ? 0.0f : h[j];
      }
      // all steps in one call
      auto qh = aligned_rows<float>(1, ldu), qs = aligned_rows<float>(1, ldu), qc = aligned_rows<float>(1, ldu);
      auto qy = aligned_rows<float>(steps, ldu);
      std::fill(qy.begin(), qy.end(), 7.0f);
      lstm_sequence_args<float> q;
      q.xp = xp.data(), q.ldxp = 4 * ldu, q.steps = steps, q.u = w.data(), q.units = units, q.ldu = ldu;
      q.h = qh.data(), q.c = qc.data(), q.spare = qs.data(), q.y = qy.data(), q.zero_masked = zero_masked, q.keep = keep;
      q.act = st.act, q.inner = st.inner;
      ASSERT_TRUE(k.lstm_sequence(q)) << k.isa;
      for (std::size_t j = 0; j < steps * ldu; ++j) ASSERT_EQ(qy[j], y[j]) << k.isa << " step " << j / ldu << " unit " << j % ldu;
      for (std::size_t j = 0; j < units; ++j) {
        EXPECT_EQ(qh[j], h[j]) << k.isa << " final h " << j;
        EXPECT_EQ(qc[j], c[j]) << k.isa << " final c " << j;
      }
    }
  }
  lstm_sequence_args<double> q; // float64 keeps the general step
  EXPECT_FALSE(kernels_at<double>(0).lstm_sequence(q));
}

TEST(kernels, prepare_flags_non_finite_values) {
  for (std::size_t i = 0; i < kernel_count<float>(); ++i) {
    const auto& k = kernels_at<float>(i);
    std::vector<float> x = {1.0f, 2.0f, 3.0f};
    const double off[] = {-1, 0.5, 10}, sc[] = {2, 4, 0.25};
    std::vector<float> y(16);
    EXPECT_TRUE(k.prepare(x.data(), 3, off, sc, y.data(), 16, 1, 3));
    EXPECT_EQ(y[0], 0.0f);
    EXPECT_EQ(y[1], 10.0f);
    EXPECT_EQ(y[2], 3.25f);
    x[1] = std::numeric_limits<float>::infinity();
    EXPECT_FALSE(k.prepare(x.data(), 3, off, sc, y.data(), 16, 1, 3)) << k.isa;
    x[1] = std::numeric_limits<float>::quiet_NaN();
    EXPECT_FALSE(k.prepare(x.data(), 3, off, sc, y.data(), 16, 1, 3)) << k.isa;
  }
}

TEST(kernels, every_built_instruction_set_is_reported) {
  ASSERT_GE(kernel_count<float>(), 1u);
  EXPECT_STREQ(kernels_at<float>(kernel_count<float>() - 1).isa, "sse2"); // the baseline is always there
}

} // namespace
} // namespace hepnn::detail
