#pragma once
// Scalar definitions of every activation, in double. They are the
// reference the vector kernels are tested against, and the implementation
// used for the rarely used functions (selu, softplus, gelu, ...) and for the
// float64 path, where libm accuracy matters more than speed.

#include "kernels/kernels.hpp"

#include <cmath>

namespace hepnn::detail::scalar {

inline double sigmoid(double x) {
  // lwtnn clamps at ±30 so that ATLAS floating-point auditors never see an
  // overflow; the change is below 1e-13.
  if (x < -30.0) return 0.0;
  if (x > 30.0) return 1.0;
  return 1.0 / (1.0 + std::exp(-x));
}

/// Keras relu(x, negative_slope, max_value, threshold); with the defaults it
/// is lwtnn's "rectified", x < 0 ? 0 : x, which lets NaN through.
inline double relu(double x, double negative_slope, double threshold, double cap) {
  double y = threshold != 0 ? (x > threshold ? x : 0.0) : (x < 0 ? 0.0 : x);
  if (cap < 1e308) y = y < 0 ? 0.0 : (y > cap ? cap : y);
  if (negative_slope != 0) {
    double neg = threshold - x;
    y -= negative_slope * (neg > 0 ? neg : 0.0);
  }
  return y;
}

inline double apply(const act_params& a, double x) {
  switch (a.function) {
  case activation_function::linear: return x;
  case activation_function::relu: return relu(x, a.alpha, a.beta, a.cap);
  case activation_function::sigmoid: return sigmoid(x);
  case activation_function::hard_sigmoid: {
    double y = a.alpha * x + a.beta;
    return y < 0 ? 0.0 : (y > 1 ? 1.0 : y);
  }
  case activation_function::tanh: return std::tanh(x);
  case activation_function::elu: return x >= 0 ? x : a.alpha * std::expm1(x);
  case activation_function::leaky_relu: return x > 0 ? x : a.alpha * x;
  case activation_function::swish: return x * sigmoid(a.alpha * x);
  case activation_function::abs: return std::fabs(x);
  case activation_function::selu:
    return 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * std::expm1(x));
  case activation_function::softplus: return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
  case activation_function::softsign: return x / (1.0 + std::fabs(x));
  case activation_function::exponential: return std::exp(x);
  case activation_function::gelu: return 0.5 * x * (1.0 + std::erf(x * 0.70710678118654752440));
  case activation_function::gelu_tanh:
    return 0.5 * x * (1.0 + std::tanh(0.79788456080286535588 * (x + 0.044715 * x * x * x)));
  case activation_function::softmax: return x; // row-wise, handled by the caller
  }
  return x;
}

/// Softmax of one row of n values, in place.
template <typename T> void softmax(T* row, std::size_t n) {
  if (n == 0) return;
  double top = row[0];
  for (std::size_t i = 1; i < n; ++i) top = row[i] > top ? double(row[i]) : top;
  double total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double e = std::exp(double(row[i]) - top);
    row[i] = static_cast<T>(e);
    total += e;
  }
  for (std::size_t i = 0; i < n; ++i) row[i] = static_cast<T>(double(row[i]) / total);
}

} // namespace hepnn::detail::scalar
