#pragma once
// Portable vectors (GCC/Clang vector extensions) of HEPNN_VBYTES bytes, and
// float32 transcendental functions on them. Included only by
// kernels_impl.cpp, which is compiled once per instruction set; everything
// here has internal linkage so that no copy built for one instruction set can
// be picked by the linker for another.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <immintrin.h>
#include <type_traits>
#include <utility>

#ifndef HEPNN_VBYTES
#error "HEPNN_VBYTES must be set by the build (16, 32 or 64)"
#endif

namespace {

template <typename T, int B> struct vec_type {
  typedef T type __attribute__((vector_size(B)));
};
template <typename T> using vec = typename vec_type<T, HEPNN_VBYTES>::type;
template <typename T> using ivec = typename vec_type<std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>, HEPNN_VBYTES>::type;
template <typename T> constexpr std::size_t lanes = HEPNN_VBYTES / sizeof(T);

template <typename T> inline vec<T> load(const T* p) {
  vec<T> v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename T> inline void store(T* p, vec<T> v) { std::memcpy(p, &v, sizeof v); }
template <typename T, std::size_t... I> inline vec<T> splat_impl(T x, std::index_sequence<I...>) {
  return vec<T>{(static_cast<void>(I), x)...};
}
/// Broadcast; built from an initializer so that it compiles to one vbroadcast.
template <typename T> inline vec<T> splat(T x) { return splat_impl(x, std::make_index_sequence<lanes<T>>{}); }
// a > b ? a : b and a < b ? a : b, NaN and signed zeros included (b when
// unordered or equal): exactly the rule of the max/min instructions, one
// instruction each. Written as the conditional, GCC 12 emits a compare and
// a blend, two instructions on the latency chain of every clamp.
template <typename V> inline V vmax(V a, V b) {
#if HEPNN_VBYTES == 64 && defined(__AVX512F__)
  if constexpr (std::is_same_v<V, vec<float>>) return _mm512_maskz_max_ps(0xffff, a, b); // maskz: GCC 12 warns on the unmasked form
  else if constexpr (std::is_same_v<V, vec<double>>) return _mm512_maskz_max_pd(0xff, a, b);
  else
#elif HEPNN_VBYTES == 32 && defined(__AVX__)
  if constexpr (std::is_same_v<V, vec<float>>) return _mm256_max_ps(a, b);
  else if constexpr (std::is_same_v<V, vec<double>>) return _mm256_max_pd(a, b);
  else
#elif HEPNN_VBYTES == 16 && defined(__SSE2__)
  if constexpr (std::is_same_v<V, vec<float>>) return _mm_max_ps(a, b);
  else if constexpr (std::is_same_v<V, vec<double>>) return _mm_max_pd(a, b);
  else
#endif
    return a > b ? a : b;
}
template <typename V> inline V vmin(V a, V b) {
#if HEPNN_VBYTES == 64 && defined(__AVX512F__)
  if constexpr (std::is_same_v<V, vec<float>>) return _mm512_maskz_min_ps(0xffff, a, b);
  else if constexpr (std::is_same_v<V, vec<double>>) return _mm512_maskz_min_pd(0xff, a, b);
  else
#elif HEPNN_VBYTES == 32 && defined(__AVX__)
  if constexpr (std::is_same_v<V, vec<float>>) return _mm256_min_ps(a, b);
  else if constexpr (std::is_same_v<V, vec<double>>) return _mm256_min_pd(a, b);
  else
#elif HEPNN_VBYTES == 16 && defined(__SSE2__)
  if constexpr (std::is_same_v<V, vec<float>>) return _mm_min_ps(a, b);
  else if constexpr (std::is_same_v<V, vec<double>>) return _mm_min_pd(a, b);
  else
#endif
    return a < b ? a : b;
}
/// lwtnn's rectifier x < 0 ? 0 : x (NaN passes, −0 stays −0) = vmax(0, x).
template <typename V> inline V vrelu(V x) { return vmax(V{}, x); }

// floor, one rounding instruction where the instruction set has one (it
// sits on the latency chain of every sigmoid in a recurrent step); the
// fallback truncates and corrects, exact for |x| < 2^31.
inline vec<float> vfloor(vec<float> x) {
#if HEPNN_VBYTES == 64 && defined(__AVX512F__)
  return _mm512_maskz_roundscale_ps(0xffff, x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); // maskz: GCC 12 warns on the unmasked form
#elif HEPNN_VBYTES == 32 && defined(__AVX__)
  return _mm256_round_ps(x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
#elif HEPNN_VBYTES == 16 && defined(__SSE4_1__)
  return _mm_round_ps(x, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
#else
  vec<float> t = __builtin_convertvector(__builtin_convertvector(x, ivec<float>), vec<float>);
  return t > x ? t - 1.0f : t;
#endif
}

// e^x for float32: range reduction x = n·ln2 + r and a degree-6 polynomial
// for e^r on |r| ≤ ln2/2 (Cephes-style coefficients); about 1 ulp. Below
// e^-86 the result is 0: the last binades before it would be subnormal,
// and subnormal results cost a microcode assist of ~100 cycles on x86.
// e^x on x already within [-86, 88.72] and not NaN (the guards are vexp's).
inline vec<float> vexp_in_range(vec<float> x) {
  vec<float> n = vfloor(x * 1.44269504088896341f + 0.5f);
  vec<float> r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  vec<float> p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
#if HEPNN_VBYTES == 64 && defined(__AVX512F__)
  return _mm512_maskz_scalef_ps(0xffff, p, n); // p·2^n exactly, n = 128 included; one instruction
#else
  // 2^n built in the exponent field; n = 128 (x near the top) is split as 2·2^127
  ivec<float> ni = __builtin_convertvector(n, ivec<float>);
  ivec<float> big = ni > 127;
  ni = big ? ni - 1 : ni;
  vec<float> scale = (vec<float>)((ni + 127) << 23);
  p = p * scale;
  return big ? p * 2.0f : p;
#endif
}

inline vec<float> vexp(vec<float> x) {
  const vec<float> lo = splat(-86.0f);
  vec<float> p = vexp_in_range(vmin(vmax(x, lo), splat(88.7228391117f)));
  p = x < lo ? splat(0.0f) : p;
  return x == x ? p : x; // NaN stays NaN
}

// 1/x for float32: the hardware estimate refined by one Newton step
// (relative error about 1e-7, like a division) at a fraction of its cost.
inline vec<float> vrecip(vec<float> x) {
#if HEPNN_VBYTES == 64 && defined(__AVX512F__)
  vec<float> r = _mm512_maskz_rcp14_ps(0xffff, x);
#elif HEPNN_VBYTES == 32 && defined(__AVX__)
  vec<float> r = _mm256_rcp_ps(x);
  r = r * (2.0f - x * r);
#elif HEPNN_VBYTES == 16 && defined(__SSE__)
  vec<float> r = _mm_rcp_ps(x);
  r = r * (2.0f - x * r);
#else
  vec<float> r = 1.0f / x;
#endif
  return r * (2.0f - x * r);
}

// tanh for float32: x·P(x²)/Q(x²) on |x| ≤ 9 (beyond, tanh rounds to ±1).
// The coefficients come from docs/derivations/tanh_rational.py, a
// relative-error fit; error below 4e-7 relative (about 5 ulp).
inline vec<float> vtanh(vec<float> x) {
  // clamped with x second: a NaN comes through the clamp and the arithmetic
  const vec<float> c = vmin(splat(9.0f), vmax(splat(-9.0f), x));
  const vec<float> s = c * c;
  vec<float> p = splat(-8.488610476423825e-14f);
  p = p * s + 5.2779117881707194e-11f;
  p = p * s - 2.022515666055824e-08f;
  p = p * s + 1.115429313358618e-05f;
  p = p * s + 0.0031039549503475428f;
  p = p * s + 0.13084009289741516f;
  p = p * s + 1.0f;
  vec<float> q = splat(0.0002546143368817866f);
  q = q * s + 0.02449517324566841f;
  q = q * s + 0.4641733467578888f;
  q = q * s + 1.0f;
  return c * p * vrecip(q);
}

// sigmoid with lwtnn's clamp to exactly 0 / 1 outside ±30. e^-x is taken
// on the clamped argument, so it needs none of vexp's guards; beyond −30 the
// result is replaced by 0, beyond +30 by 1 or (AVX-512) it is 1 already.
inline vec<float> vsigmoid(vec<float> x) {
#if HEPNN_VBYTES == 64 && defined(__AVX512F__)
  // A NaN comes through the clamp (x second), e^x (scalef: no integer
  // arithmetic) and 1/x, and fails the test. No select above +30: e^-30 is
  // below half an ulp of 1, and 1/1 from rcp14 and one Newton step is
  // exactly 1.
  const vec<float> y = vrecip(1.0f + vexp_in_range(vmin(splat(30.0f), vmax(splat(-30.0f), -x))));
  return x < -30.0f ? splat(0.0f) : y;
#else
  // Here e^x builds 2^n in integers, so a NaN is kept out of it (clamped,
  // x first) and put back at the end. Two Newton steps from the 12-bit
  // estimate end at 1 − 2^-24 for 1/1, so above +30 the result is set.
  vec<float> y = vrecip(1.0f + vexp_in_range(vmin(vmax(-x, splat(-30.0f)), splat(30.0f))));
  y = x < -30.0f ? splat(0.0f) : y;
  y = x > 30.0f ? splat(1.0f) : y;
  return x == x ? y : x;
#endif
}

} // namespace
