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

/// Accumulators of PB positions × FB filters (from f) over the k taps, events
/// in lanes; `idx` lists the positions' tap rows, a.k apart. Each x vector
/// read serves FB accumulators and each broadcast weight PB of them, so the
/// loads stay below the multiply-adds.
template <typename T, int PB, int FB>
[[gnu::always_inline]] inline void window_accumulate(const window_args<T>& a, const std::int32_t* idx, std::size_t f,
                                                     vec<T> (&acc)[PB][FB]) {
  constexpr std::size_t L = lanes<T>;
  for (int i = 0; i < PB; ++i)
    for (int j = 0; j < FB; ++j) acc[i][j] = a.bias ? splat(a.bias[f + j]) : vec<T>{};
  const T* w = a.w + f;
  for (std::size_t q = 0; q < a.k; ++q) {
    vec<T> xv[PB];
    for (int i = 0; i < PB; ++i) xv[i] = load(a.x + static_cast<std::size_t>(idx[i * a.k + q]) * L);
    for (int j = 0; j < FB; ++j) {
      const vec<T> wb = splat(w[q * a.ldw + j]);
      for (int i = 0; i < PB; ++i) acc[i][j] = madd<T>(wb, xv[i], acc[i][j]);
    }
  }
}

/// Outputs of positions [p, p + PB), filters [f, f + FB).
template <typename T, int PB, int FB> inline void window_block(const window_args<T>& a, std::size_t p, std::size_t f) {
  constexpr std::size_t L = lanes<T>;
  vec<T> acc[PB][FB];
  window_accumulate<T, PB, FB>(a, a.index + p * a.k, f, acc);
  for (int i = 0; i < PB; ++i) {
    T* y = a.y + ((p + i) * a.filters + f) * L;
    for (int j = 0; j < FB; ++j) {
      vec<T> out = acc[i][j];
      if (a.relu) out = vrelu(out);
      store(y + j * L, out);
    }
  }
}

/// FB filters of pooled output P: its S source positions' accumulators,
/// then the pooling over them in the pooling's own order and arithmetic.
template <typename T, int S, int FB> inline void window_pool_block(const window_args<T>& a, std::size_t P, std::size_t f) {
  constexpr std::size_t L = lanes<T>;
  vec<T> acc[S][FB];
  window_accumulate<T, S, FB>(a, a.index + P * S * a.k, f, acc);
  T* y = a.y + (P * a.filters + f) * L;
  for (int j = 0; j < FB; ++j) {
    vec<T> out{};
    for (int i = 0; i < S; ++i) {
      vec<T> v = acc[i][j];
      if (a.relu) v = vrelu(v);
      if (i == 0) out = v;
      else if (a.pool_max) out = vmax(v, out);
      else out = out + v;
    }
    if (!a.pool_max) out = out * splat(T(1) / static_cast<T>(S));
    store(y + j * L, out);
  }
}

template <typename T, int S> inline void window_pool_positions(const window_args<T>& a, std::size_t P) {
  std::size_t f = 0;
  if constexpr (S <= 2)
    for (; f + 8 <= a.filters; f += 8) window_pool_block<T, S, 8>(a, P, f);
  for (; f + 4 <= a.filters; f += 4) window_pool_block<T, S, 4>(a, P, f);
  if (f + 2 <= a.filters) window_pool_block<T, S, 2>(a, P, f), f += 2;
  if (f < a.filters) window_pool_block<T, S, 1>(a, P, f);
}

template <typename T> void window_pool(const window_args<T>& a) {
  for (std::size_t P = 0; P < a.positions; ++P) switch (a.pool_size) {
    case 2: window_pool_positions<T, 2>(a, P); break;
    case 3: window_pool_positions<T, 3>(a, P); break;
    default: window_pool_positions<T, 4>(a, P); break;
    }
}

/// All filters of positions [p, p + PB).
template <typename T, int PB> inline void window_positions(const window_args<T>& a, std::size_t p) {
  std::size_t f = 0;
  for (; f + 8 <= a.filters; f += 8) { // 8 filters: two positions at a time (16 accumulators)
    if constexpr (PB == 4) window_block<T, 2, 8>(a, p, f), window_block<T, 2, 8>(a, p + 2, f);
    else window_block<T, PB, 8>(a, p, f);
  }
  if (f + 4 <= a.filters) window_block<T, PB, 4>(a, p, f), f += 4;
  if (f + 2 <= a.filters) window_block<T, PB, 2>(a, p, f), f += 2;
  if (f < a.filters) window_block<T, PB, 1>(a, p, f);
}

/// Filters [f, f + FB) of position p for G groups of events: G x vectors
/// and FB broadcast weights per tap feed G · FB accumulators. Per lane the
/// same operations in the same order as window_block. BLOCKS: the weights
/// come repacked in the order they stream (a.w_blocks); else a plain w row
/// is read FB at a time. (One loop per case: with both in one body the
/// compiler parked the 24 accumulators on the stack before choosing.)
template <typename T, int G, int FB, bool BLOCKS>
inline void window_group_block(const window_args<T>& a, std::size_t p, std::size_t f) {
  constexpr std::size_t L = lanes<T>;
  // locals: the stores to y could alias `a`, which would otherwise be re-read
  const std::size_t gs = a.group_stride, k = a.k;
  const bool relu = a.relu;
  const std::int32_t* idx = a.index + p * k;
  const T* x = a.x;
  const T* w = BLOCKS ? a.w_blocks + f * k : a.w + f;
  const std::size_t ldw = BLOCKS ? FB : a.ldw;
  T* y = a.y + (p * a.filters + f) * L;
  vec<T> acc[G][FB];
  for (int j = 0; j < FB; ++j) acc[0][j] = a.bias ? splat(a.bias[f + j]) : vec<T>{};
  for (int g = 1; g < G; ++g)
    for (int j = 0; j < FB; ++j) acc[g][j] = acc[0][j];
  // k ≥ 1 (a window has taps): a loop that runs at least once keeps the
  // accumulators in registers; with a zero-trip path GCC parks them on the stack
  std::size_t q = 0;
  do {
    const T* xq = x + static_cast<std::size_t>(idx[q]) * L;
    vec<T> xv[G];
    for (int g = 0; g < G; ++g) xv[g] = load(xq + g * gs);
    for (int j = 0; j < FB; ++j) {
      const vec<T> wb = splat(w[q * ldw + j]);
      for (int g = 0; g < G; ++g) acc[g][j] = madd<T>(wb, xv[g], acc[g][j]);
    }
  } while (++q < k);
  for (int g = 0; g < G; ++g)
    for (int j = 0; j < FB; ++j) {
      vec<T> out = acc[g][j];
      if (relu) out = vrelu(out);
      store(y + g * gs + j * L, out);
    }
}

/// The last block of a position: its rest < FB filters.
template <typename T, int G, int FB, bool BLOCKS>
inline void window_group_rest(const window_args<T>& a, std::size_t p, std::size_t f, std::size_t rest) {
  if constexpr (FB > 1) {
    if (rest == FB - 1) return window_group_block<T, G, FB - 1, BLOCKS>(a, p, f);
    window_group_rest<T, G, FB - 1, BLOCKS>(a, p, f, rest);
  }
}

/// lane_groups groups, lane_block_filters filters at a time.
template <typename T, bool BLOCKS> void window_groups(const window_args<T>& a) {
  constexpr int G = static_cast<int>(lane_groups), FB = static_cast<int>(lane_block_filters);
  for (std::size_t p = 0; p < a.positions; ++p) {
    std::size_t f = 0;
    for (; f + FB <= a.filters; f += FB) window_group_block<T, G, FB, BLOCKS>(a, p, f);
    if (f < a.filters) window_group_rest<T, G, FB, BLOCKS>(a, p, f, a.filters - f);
  }
}

template <typename T> void window_lanes(const window_args<T>& a) {
  if (a.groups > 1) {
    if (HEPNN_VBYTES == 64 && a.groups == lane_groups) return a.w_blocks ? window_groups<T, true>(a) : window_groups<T, false>(a);
    window_args<T> one = a;
    one.groups = 1;
    for (std::size_t g = 0; g < a.groups; ++g, one.x += a.group_stride, one.y += a.group_stride) window_lanes(one);
    return;
  }
  std::size_t p = 0;
  for (; p + 4 <= a.positions; p += 4) window_positions<T, 4>(a, p);
  for (; p < a.positions; ++p) window_positions<T, 1>(a, p);
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
    if (a.relu) out = vrelu(out);
    store(y + v * L, out); // lanes past `filters` land in the next position (rewritten next) or the slack
  }
}

/// PB positions of one event when all filters fit one vector: each w row
/// loaded serves PB accumulators. Stores go in position order, so a
/// position's spill lanes are rewritten by the next one.
template <typename T, int PB> inline void window_tile(const window_args<T>& a, std::size_t p0) {
  vec<T> acc[PB];
  for (int j = 0; j < PB; ++j) acc[j] = a.bias ? load(a.bias) : vec<T>{};
  const std::int32_t* idx = a.index + p0 * a.k;
  for (std::size_t q = 0; q < a.k; ++q) {
    const vec<T> wv = load(a.w + q * a.ldw);
    for (int j = 0; j < PB; ++j) acc[j] = madd<T>(splat(a.x[idx[j * a.k + q]]), wv, acc[j]);
  }
  for (int j = 0; j < PB; ++j) {
    vec<T> out = acc[j];
    if (a.relu) out = vrelu(out);
    store(a.y + (p0 + j) * a.filters, out);
  }
}

template <typename T> void window_event(const window_args<T>& a) {
  constexpr std::size_t L = lanes<T>;
  const std::size_t nv = (a.filters + L - 1) / L;
  if (nv == 1) {
    std::size_t p = 0;
    for (; p + 4 <= a.positions; p += 4) window_tile<T, 4>(a, p);
    for (; p < a.positions; ++p) window_tile<T, 1>(a, p);
    return;
  }
  for (std::size_t p = 0; p < a.positions; ++p) {
    std::size_t v = 0;
    for (; v + 4 <= nv; v += 4) window_row<T, 4>(a, p, v * L);
    if (v + 2 <= nv) window_row<T, 2>(a, p, v * L), v += 2;
    if (v < nv) window_row<T, 1>(a, p, v * L);
  }
}

template <typename T> inline T madd1(T a, T b, T c) {
#if defined(__FMA__) || defined(__AVX512F__)
  if constexpr (std::is_same_v<T, float>) return __builtin_fmaf(a, b, c); // one vfmadd, rounding as madd<T>
  else return __builtin_fma(a, b, c);
#else
  return a * b + c;
#endif
}

/// Element-wise steps; V is vec<T> (lanes) or T (one event), with the
/// operations written once for both so that they round alike.
template <typename T, typename V, typename Load, typename Store, typename Splat, typename Madd>
inline void lane_map_impl(const lane_map_args<T>& a, std::size_t w, Load ld, Store st, Splat sp, Madd fma) {
  // the arguments in locals: stores through y could otherwise alias them,
  // and each element would reload every pointer (x is restrict where the
  // step reads one buffer and writes the other)
  const T* __restrict x = a.x;
  T* y = a.y;
  const std::int32_t* __restrict index = a.index;
  const std::size_t out = a.out;
  auto at = [&](std::int32_t element) { return ld(x + static_cast<std::size_t>(element) * w); };
  switch (a.kind) {
  case lane_map_kind::gather:
    for (std::size_t e = 0; e < out; ++e) st(y + e * w, at(index[e]));
    break;
  case lane_map_kind::pool_max:
  case lane_map_kind::pool_avg: {
    const std::uint32_t* __restrict start = a.start;
    const bool max = a.kind == lane_map_kind::pool_max;
    for (std::size_t e = 0; e < out; ++e) {
      const std::uint32_t first = start[e], last = start[e + 1];
      V acc = at(index[first]);
      if (max)
        for (std::uint32_t i = first + 1; i < last; ++i) {
          const V v = at(index[i]);
          acc = vmax(v, acc); // for T too: the conditional, the same rule
        }
      else {
        for (std::uint32_t i = first + 1; i < last; ++i) acc = acc + at(index[i]);
        acc = acc * sp(T(1) / static_cast<T>(last - first));
      }
      st(y + e * w, acc);
    }
    break;
  }
  case lane_map_kind::affine:
  case lane_map_kind::bias: {
    const T* __restrict scale = a.scale;
    const T* __restrict shift = a.shift;
    const std::size_t channels = a.channels;
    const bool affine = a.kind == lane_map_kind::affine;
    const T* in = a.x; // in place (y == x): not the restrict-qualified x
    for (std::size_t e = 0, c = 0; e < out; ++e, c = c + 1 == channels ? 0 : c + 1) {
      const V v = ld(in + e * w);
      st(y + e * w, affine ? fma(v, sp(scale[c]), sp(shift[c])) : v + sp(scale[c]));
    }
    break;
  }
  }
}

/// One step of a block transpose: rows a and b (B apart) swap their
/// off-diagonal B × B blocks. Steps B = lanes/2 .. 1 transpose the block.
template <std::size_t B, typename V, std::size_t... I> inline void swap_blocks(V& a, V& b, std::index_sequence<I...>) {
  constexpr std::size_t N = sizeof...(I);
  const V lo = __builtin_shufflevector(a, b, static_cast<int>((I & B) ? N + I - B : I)...);
  const V hi = __builtin_shufflevector(a, b, static_cast<int>((I & B) ? N + I : I + B)...);
  a = lo, b = hi;
}
template <typename T, std::size_t B> inline void transpose_steps(vec<T>* v) {
  for (std::size_t i = 0; i < lanes<T>; ++i)
    if (!(i & B)) swap_blocks<B>(v[i], v[i + B], std::make_index_sequence<lanes<T>>{});
  if constexpr (B > 1) transpose_steps<T, B / 2>(v);
}

template <typename T> void lane_load(const lane_load_args<T>& a) {
  constexpr std::size_t W = lanes<T>;
  for (std::size_t r = 0; r < a.runs_count; ++r) {
    const std::size_t first = a.runs[2 * r], count = a.runs[2 * r + 1];
    for (std::size_t k = 0; k < count; k += W) {
      const std::size_t e = first + k;
      const T* src = a.x + a.storage[e] + (a.step ? a.step[e] * a.skip : 0);
      vec<T> v[W];
      for (std::size_t j = 0; j < W; ++j) v[j] = load(src + j * a.event_stride);
      transpose_steps<T, W / 2>(v);
      const std::size_t m = std::min(W, count - k);
      for (std::size_t i = 0; i < m; ++i) store(a.y + (e + i) * W, v[i]);
    }
  }
}

template <typename T> void lane_store(const T* x, std::size_t n, T* y, std::size_t ldy) {
  constexpr std::size_t W = lanes<T>;
  for (std::size_t e = 0; e < n; e += W) {
    vec<T> v[W];
    for (std::size_t i = 0; i < W; ++i) v[i] = e + i < n ? load(x + (e + i) * W) : vec<T>{};
    transpose_steps<T, W / 2>(v);
    for (std::size_t j = 0; j < W; ++j) store(y + j * ldy + e, v[j]);
  }
}

template <typename T> bool lane_prepare(const lane_prepare_args<T>& a) {
  constexpr std::size_t W = lanes<T>, LD = lanes<double>, H = W / LD;
  static_assert(H == 1 || H == 2);
  const bool flat = a.row_stride == a.width; // the steps of an event one after another: one run
  const std::size_t runs = flat ? 1 : a.steps, run_len = flat ? a.steps * a.width : a.width;
  vec<double> bad{};
  auto convert = [&](auto part, const vec<double>& off, const vec<double>& sc) {
    const vec<double> d = __builtin_convertvector(part, vec<double>);
    bad = (d - d != 0) ? splat(1.0) : bad; // NaN or ±inf
    return __builtin_convertvector((d + off) * sc, decltype(part));
  };
  for (std::size_t r = 0; r < runs; ++r) {
    const std::size_t src0 = r * a.row_stride, e0 = r * a.width;
    for (std::size_t k = 0, var0 = 0; k < run_len; k += W, var0 = (var0 + W) % a.width) {
      const std::size_t s = src0 + k, m = std::min(W, run_len - k);
      vec<T> v[W];
      if (s + (W - 1) * a.event_stride + W <= a.readable) { // whole vectors stay inside the rows
        for (std::size_t j = 0; j < W; ++j) v[j] = load(a.x + s + j * a.event_stride);
        transpose_steps<T, W / 2>(v);
      } else {
        for (std::size_t i = 0; i < W; ++i) {
          v[i] = vec<T>{};
          if (i < m)
            for (std::size_t j = 0; j < W; ++j) v[i][j] = a.x[s + j * a.event_stride + i];
        }
      }
      for (std::size_t i = 0, var = var0; i < m; ++i, var = var + 1 == a.width ? 0 : var + 1) {
        const vec<double> off = splat(a.offset[var]), sc = splat(a.scale[var]);
        vec<T> out;
        if constexpr (H == 1) {
          out = convert(v[i], off, sc);
        } else {
          const auto lo = convert(half_of<0>(v[i], std::make_index_sequence<LD>{}), off, sc);
          const auto hi = convert(half_of<LD>(v[i], std::make_index_sequence<LD>{}), off, sc);
          out = join(lo, hi, std::make_index_sequence<W>{});
        }
        store(a.y + (e0 + k + i) * W, out);
      }
    }
  }
  for (std::size_t i = 0; i < LD; ++i)
    if (bad[i] != 0) return false;
  return true;
}

template <typename T> void lane_map(const lane_map_args<T>& a) {
  if (a.lanes)
    lane_map_impl<T, vec<T>>(
        a, lanes<T>, [](const T* p) { return load(p); }, [](T* p, vec<T> v) { store(p, v); },
        [](T x) { return splat(x); }, [](vec<T> x, vec<T> y, vec<T> z) { return madd<T>(x, y, z); });
  else
    lane_map_impl<T, T>(
        a, 1, [](const T* p) { return *p; }, [](T* p, T v) { *p = v; }, [](T x) { return x; },
        [](T x, T y, T z) { return madd1(x, y, z); });
}

} // namespace
