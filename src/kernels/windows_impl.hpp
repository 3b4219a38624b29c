#pragma once
// Windowed products (kernels.hpp, window_args) for the lane engine. Part of
// kernels_impl.cpp: compiled once per instruction set, internal linkage.
// Every multiply-add goes through madd(), one fused operation where the
// instruction set has FMA, so that the lane and one-event forms round alike.

namespace {

template <typename T> inline vec<T> madd(vec<T> a, vec<T> b, vec<T> c) {
#if defined(__FMA__) || defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float>) {
#if HEPNN_VBYTES == 64
    return (vec<T>)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#elif HEPNN_VBYTES == 32
    return (vec<T>)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#else
    return (vec<T>)_mm_fmadd_ps((__m128)a, (__m128)b, (__m128)c);
#endif
  } else {
#if HEPNN_VBYTES == 64
    return (vec<T>)_mm512_fmadd_pd((__m512d)a, (__m512d)b, (__m512d)c);
#elif HEPNN_VBYTES == 32
    return (vec<T>)_mm256_fmadd_pd((__m256d)a, (__m256d)b, (__m256d)c);
#else
    return (vec<T>)_mm_fmadd_pd((__m128d)a, (__m128d)b, (__m128d)c);
#endif
  }
#else
  return a * b + c; // no FMA in this instruction set: the compiler cannot fuse either
#endif
}

/// FB filters of one position, events in lanes: each x vector read once
/// serves FB accumulators.
template <typename T, int FB> inline void window_block(const window_args<T>& a, std::size_t p, std::size_t f) {
  constexpr std::size_t L = lanes<T>;
  vec<T> acc[FB];
  for (int j = 0; j < FB; ++j) acc[j] = a.bias ? splat(a.bias[f + j]) : vec<T>{};
  const std::int32_t* idx = a.index + p * a.k;
  const T* w = a.w + f;
  for (std::size_t q = 0; q < a.k; ++q) {
    const vec<T> xv = load(a.x + static_cast<std::size_t>(idx[q]) * L);
    for (int j = 0; j < FB; ++j) acc[j] = madd<T>(splat(w[q * a.ldw + j]), xv, acc[j]);
  }
  T* y = a.y + (p * a.filters + f) * L;
  for (int j = 0; j < FB; ++j) {
    vec<T> out = acc[j];
    if (a.relu) out = out < 0 ? vec<T>{} : out;
    store(y + j * L, out);
  }
}

template <typename T> void window_lanes(const window_args<T>& a) {
  for (std::size_t p = 0; p < a.positions; ++p) {
    std::size_t f = 0;
    for (; f + 8 <= a.filters; f += 8) window_block<T, 8>(a, p, f);
    if (f + 4 <= a.filters) window_block<T, 4>(a, p, f), f += 4;
    if (f + 2 <= a.filters) window_block<T, 2>(a, p, f), f += 2;
    if (f < a.filters) window_block<T, 1>(a, p, f);
  }
}

/// NV vectors of filters of one position of one event: x broadcast, w rows
/// as vectors.
template <typename T, int NV> inline void window_row(const window_args<T>& a, std::size_t p, std::size_t f) {
  constexpr std::size_t L = lanes<T>;
  vec<T> acc[NV];
  for (int v = 0; v < NV; ++v) acc[v] = a.bias ? load(a.bias + f + v * L) : vec<T>{};
  const std::int32_t* idx = a.index + p * a.k;
  const T* w = a.w + f;
  for (std::size_t q = 0; q < a.k; ++q) {
    const vec<T> xb = splat(a.x[idx[q]]);
    for (int v = 0; v < NV; ++v) acc[v] = madd<T>(xb, load(w + q * a.ldw + v * L), acc[v]);
  }
  T* y = a.y + p * a.filters + f;
  for (int v = 0; v < NV; ++v) {
    vec<T> out = acc[v];
    if (a.relu) out = out < 0 ? vec<T>{} : out;
    store(y + v * L, out); // lanes past `filters` land in the next position (rewritten next) or the slack
  }
}

template <typename T> void window_event(const window_args<T>& a) {
  constexpr std::size_t L = lanes<T>;
  const std::size_t nv = (a.filters + L - 1) / L;
  for (std::size_t p = 0; p < a.positions; ++p) {
    std::size_t v = 0;
    for (; v + 4 <= nv; v += 4) window_row<T, 4>(a, p, v * L);
    if (v + 2 <= nv) window_row<T, 2>(a, p, v * L), v += 2;
    if (v < nv) window_row<T, 1>(a, p, v * L);
  }
}

} // namespace
