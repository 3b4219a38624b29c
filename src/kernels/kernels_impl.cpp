
// Kernels for one instruction set. This file is compiled several times with
// different -march flags, HEPNN_VBYTES and HEPNN_ISA_NAME; each build exports
// only the tables returned by hepnn_kernels_<isa>_float/double().

#include "kernels/kernels.hpp"
#include "kernels/scalar_math.hpp"

#include <type_traits>

#include "kernels/simd.hpp"

#ifndef HEPNN_ISA_NAME
#error "HEPNN_ISA_NAME must be set by the build"
#endif
#define HEPNN_CAT2(a, b, c) a##b##c
#define HEPNN_CAT(a, b, c) HEPNN_CAT2(a, b, c)

namespace {

using namespace hepnn::detail;
using hepnn::activation_function;
using hepnn::node_kind;

// ---------------------------------------------------------------------------
// GEMM: y = c + x·w with w stored transposed (k × n). The register tile is
// MR rows × NV vectors; x values are broadcast, w rows loaded as vectors.
// Sizes tuned per vector width so the accumulators fit the register file:
// AVX-512 (32 registers) 6×4, 8×3, 12×2 / 12×1; 16-register ISAs 6×2, 8×1.
// How the tile starts (c, bias or zero) and ends (relu or not) are template
// parameters, so the accumulators never leave the registers.

constexpr int max_nv = HEPNN_VBYTES == 64 ? 4 : 2;
constexpr int mr_for(int nv) {
  if (HEPNN_VBYTES == 64) return nv == 4 ? 6 : nv == 3 ? 8 : 12;
  return nv == 2 ? 6 : 8;
}

enum init_mode { from_zero, from_bias, from_c };

/// acc[r][v] += Σ_k x[r·ldx + k] · w[k·ldw + v·L], k ascending: one product
/// segment of a tile (gemm_args' x·w, then x2·w2 in the same accumulators).
template <typename T, int MR, int NV>
inline void accumulate(vec<T> (&acc)[MR][NV], const T* x, std::size_t ldx, const T* w, std::size_t ldw, std::size_t K) {
  constexpr std::size_t L = lanes<T>;
  std::size_t k = 0;
  do { // K ≥ 1: with a zero-trip path GCC keeps acc on the stack around the loop
    vec<T> wv[NV];
    for (int v = 0; v < NV; ++v) wv[v] = load(w + k * ldw + v * L);
    for (int r = 0; r < MR; ++r) {
      const vec<T> xb = splat(x[r * ldx + k]);
      for (int v = 0; v < NV; ++v) acc[r][v] += xb * wv[v];
    }
  } while (++k < K);
}

/// MR rows × NV vectors.
template <typename T, int MR, int NV, int INIT, bool RELU>
inline void micro(const gemm_args<T>& a, std::size_t row, std::size_t col) {
  constexpr std::size_t L = lanes<T>;
  vec<T> acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) {
      if constexpr (INIT == from_c) acc[r][v] = load(a.c + (row + r) * a.ldc + col + v * L);
      else if constexpr (INIT == from_bias) acc[r][v] = load(a.bias + col + v * L);
      else acc[r][v] = vec<T>{};
    }
  T* y = a.y + row * a.ldy + col;
  const std::size_t ldy = a.ldy;
  auto finish = [&] {
    for (int r = 0; r < MR; ++r)
      for (int v = 0; v < NV; ++v) {
        vec<T> out = acc[r][v];
        if constexpr (RELU) out = vrelu(out);
        store(y + r * ldy + v * L, out);
      }
  };
  // each path to its own stores: where they joined, GCC kept acc on the stack
  accumulate<T, MR, NV>(acc, a.x + row * a.ldx, a.ldx, a.w + col, a.ldw, a.k);
  if (!a.x2) return finish();
  accumulate<T, MR, NV>(acc, a.x2 + row * a.ldx2, a.ldx2, a.w2 + col, a.ldw2, a.k2);
  finish();
}

/// f.template operator()<R>(row) for R == rows (1 ≤ rows ≤ MR).
template <int MR, int R = 1, class F> inline void with_rows(std::size_t rows, std::size_t row, F& f) {
  if constexpr (R <= MR) {
    if (rows == R) return f.template operator()<R>(row);
    with_rows<MR, R + 1>(rows, row, f);
  }
}

/// Rows [0, m) in blocks of at most MR, of nearly equal size (15 rows:
/// 5 + 5 + 5, not 6 + 6 + 3): a short last block spends a whole pass of
/// weight loads on few FMAs, which shows when there are few rows (a jet's
/// tracks). Each row's sums do not depend on its block.
template <int MR, class F> inline void row_blocks(std::size_t m, F&& f) {
  if (m == 0) return;
  const std::size_t blocks = (m + MR - 1) / MR, base = m / blocks, extra = m % blocks;
  for (std::size_t b = 0, row = 0; b < blocks; ++b) {
    const std::size_t rows = base + (b < extra ? 1 : 0);
    with_rows<MR>(rows, row, f);
    row += rows;
  }
}

template <typename T, int NV, int INIT, bool RELU> void panel(const gemm_args<T>& a, std::size_t col) {
  row_blocks<mr_for(NV)>(a.m, [&]<int R>(std::size_t row) { micro<T, R, NV, INIT, RELU>(a, row, col); });
}

/// acc[v] += Σ_k x[k] · w[k·ldw + v·L], k ascending (one row's segment;
/// each weight vector is used once, straight from memory).
template <typename T, int NV>
inline void accumulate_row(vec<T> (&acc)[NV], const T* x, const T* w, std::size_t ldw, std::size_t K) {
  constexpr std::size_t L = lanes<T>;
  std::size_t k = 0;
  do { // K ≥ 1 (see accumulate)
    const vec<T> xb = splat(x[k]);
    for (int v = 0; v < NV; ++v) acc[v] += xb * load(w + k * ldw + v * L);
  } while (++k < K);
}

// One row: a streaming matrix-vector product, up to 8 vectors per block.
// It sums over k in the batch tile's order (one accumulator per output
// vector), so a score does not depend on how many events were evaluated
// with it. (micro<1, NV> sums the same but loads each row of weights into
// registers first: 7 % slower on the single-event MLP.)
template <typename T, int NV, int INIT, bool RELU> inline void matvec_block(const gemm_args<T>& a, std::size_t col) {
  constexpr std::size_t L = lanes<T>;
  vec<T> acc[NV];
  for (int v = 0; v < NV; ++v) {
    if constexpr (INIT == from_c) acc[v] = load(a.c + col + v * L);
    else if constexpr (INIT == from_bias) acc[v] = load(a.bias + col + v * L);
    else acc[v] = vec<T>{};
  }
  T* y = a.y + col;
  auto finish = [&] {
    for (int v = 0; v < NV; ++v) {
      vec<T> out = acc[v];
      if constexpr (RELU) out = vrelu(out);
      store(y + v * L, out);
    }
  };
  accumulate_row<T, NV>(acc, a.x, a.w + col, a.ldw, a.k); // (each exit its own stores: see micro)
  if (!a.x2) return finish();
  accumulate_row<T, NV>(acc, a.x2, a.w2 + col, a.ldw2, a.k2);
  finish();
}

template <typename T, int INIT, bool RELU> void matvec(const gemm_args<T>& a) {
  constexpr std::size_t L = lanes<T>;
  std::size_t nv = a.n / L, col = 0;
  while (nv > 0) {
    std::size_t t = nv >= 8 ? 8 : nv;
    switch (t) {
    case 8: matvec_block<T, 8, INIT, RELU>(a, col); break;
    case 7: matvec_block<T, 7, INIT, RELU>(a, col); break;
    case 6: matvec_block<T, 6, INIT, RELU>(a, col); break;
    case 5: matvec_block<T, 5, INIT, RELU>(a, col); break;
    case 4: matvec_block<T, 4, INIT, RELU>(a, col); break;
    case 3: matvec_block<T, 3, INIT, RELU>(a, col); break;
    case 2: matvec_block<T, 2, INIT, RELU>(a, col); break;
    default: matvec_block<T, 1, INIT, RELU>(a, col); break;
    }
    col += t * L;
    nv -= t;
  }
}

// A layer of at most one vector of outputs (a tagger's last layer: 1-4
// classes) would leave a single event waiting on one FMA chain k long.
// With split_k its sum over k runs in four interleaved partial sums, added
// pairwise at the end; single events (MR = 1) and batches take the same
// order, so a score still does not depend on the batch size.
constexpr int split_parts = 4;
constexpr int mr_split = HEPNN_VBYTES == 64 ? 6 : 3;

template <typename T, int MR, int INIT, bool RELU> inline void narrow_block(const gemm_args<T>& a, std::size_t row) {
  vec<T> acc[MR][split_parts];
  for (int r = 0; r < MR; ++r) {
    if constexpr (INIT == from_c) acc[r][0] = load(a.c + (row + r) * a.ldc);
    else if constexpr (INIT == from_bias) acc[r][0] = load(a.bias);
    else acc[r][0] = vec<T>{};
    for (int s = 1; s < split_parts; ++s) acc[r][s] = vec<T>{};
  }
  const T* x = a.x + row * a.ldx;
  const std::size_t ldx = a.ldx, ldw = a.ldw, K = a.k;
  std::size_t k = 0;
  for (; k + split_parts <= K; k += split_parts)
    for (int s = 0; s < split_parts; ++s) {
      const vec<T> wv = load(a.w + (k + s) * ldw);
      for (int r = 0; r < MR; ++r) acc[r][s] += splat(x[r * ldx + k + s]) * wv;
    }
  for (int s = 0; k < K; ++k, ++s) {
    const vec<T> wv = load(a.w + k * ldw);
    for (int r = 0; r < MR; ++r) acc[r][s] += splat(x[r * ldx + k]) * wv;
  }
  for (int r = 0; r < MR; ++r) {
    vec<T> out = (acc[r][0] + acc[r][1]) + (acc[r][2] + acc[r][3]);
    if constexpr (RELU) out = vrelu(out);
    store(a.y + (row + r) * a.ldy, out);
  }
}

template <typename T, int INIT, bool RELU> void narrow(const gemm_args<T>& a) {
  row_blocks<mr_split>(a.m, [&]<int R>(std::size_t row) { narrow_block<T, R, INIT, RELU>(a, row); });
}

template <typename T, int INIT, bool RELU> void gemm_variant(const gemm_args<T>& a) {
  if (a.split_k && a.n == lanes<T>) return narrow<T, INIT, RELU>(a);
  if (a.m == 1) return matvec<T, INIT, RELU>(a);
  constexpr std::size_t L = lanes<T>;
  std::size_t nv = a.n / L, col = 0;
  while (nv > 0) {
    std::size_t t = nv >= std::size_t(max_nv) ? max_nv : nv;
    if constexpr (max_nv == 4) {
      if (nv == 5) t = 3; // 7 vectors as 4 + 3 rather than 4 + 2 + 1
    }
    switch (t) {
    case 4:
      if constexpr (max_nv >= 4) panel<T, 4, INIT, RELU>(a, col);
      break;
    case 3:
      if constexpr (max_nv >= 3) panel<T, 3, INIT, RELU>(a, col);
      break;
    case 2: panel<T, 2, INIT, RELU>(a, col); break;
    default: panel<T, 1, INIT, RELU>(a, col); break;
    }
    col += t * L;
    nv -= t;
  }
}

template <typename T> void gemm(const gemm_args<T>& a) {
  if (a.m == 0 || a.n == 0) return;
  // the tiles sum at least one term per segment: empty segments go first
  if (a.x2 && a.k2 == 0) {
    gemm_args<T> b = a;
    b.x2 = nullptr;
    return gemm(b);
  }
  if (a.k == 0) {
    if (a.x2) {
      gemm_args<T> b = a;
      b.x = a.x2, b.ldx = a.ldx2, b.k = a.k2, b.w = a.w2, b.ldw = a.ldw2, b.x2 = nullptr;
      return gemm(b);
    }
    for (std::size_t r = 0; r < a.m; ++r) // no terms at all: y = c, the bias or zero
      for (std::size_t i = 0; i < a.n; ++i) {
        const T v = a.c ? a.c[r * a.ldc + i] : a.bias ? a.bias[i] : T(0);
        a.y[r * a.ldy + i] = a.relu && v < 0 ? T(0) : v;
      }
    return;
  }
  if (a.c) return a.relu ? gemm_variant<T, from_c, true>(a) : gemm_variant<T, from_c, false>(a);
  if (a.bias) return a.relu ? gemm_variant<T, from_bias, true>(a) : gemm_variant<T, from_bias, false>(a);
  return a.relu ? gemm_variant<T, from_zero, true>(a) : gemm_variant<T, from_zero, false>(a);
}

// ---------------------------------------------------------------------------
// Activations. Each vectorised function is a template instance applied to a
// block of rows, so the choice of function is made once per block, not per
// vector. float32 uses the vector functions of simd.hpp for the common ones;
// everything else (and the transcendental ones in float64) goes through the
// scalar double definitions, exact to libm accuracy.

template <typename T> inline vec<T> lane_index() {
  vec<T> v;
  for (std::size_t i = 0; i < lanes<T>; ++i) v[i] = T(i);
  return v;
}

template <typename T, activation_function F> inline vec<T> apply_vec(const act_params& p, vec<T> x) {
  using A = activation_function;
  if constexpr (F == A::relu) return vrelu(x);
  else if constexpr (F == A::hard_sigmoid) // the scalar rule (NaN passes): x second in each clamp
    return vmin(splat(T(1)), vmax(vec<T>{}, x * T(p.alpha) + T(p.beta)));
  else if constexpr (F == A::leaky_relu) return x > 0 ? x : x * T(p.alpha);
  else if constexpr (F == A::abs) return x < 0 ? -x : x;
  else if constexpr (!std::is_same_v<T, float>) return x; // float64 uses the scalar definitions below
  else if constexpr (F == A::sigmoid) return vsigmoid(x);
  else if constexpr (F == A::tanh) return vtanh(x);
  else if constexpr (F == A::elu) return x >= 0 ? x : (vexp(x) - 1.0f) * float(p.alpha);
  else if constexpr (F == A::swish) return x * vsigmoid(x * float(p.alpha));
  else return x;
}

/// y = f(x) over rows × n (n rounded up to whole vectors); x may equal y.

template <typename T, activation_function F>
void apply_rows(const act_params& p, const T* x, std::size_t ldx, T* y, std::size_t ldy, std::size_t rows,
                std::size_t n) {
  constexpr std::size_t L = lanes<T>;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t i = 0; i < n; i += L) store(y + r * ldy + i, apply_vec<T, F>(p, load(x + r * ldx + i)));
}

template <typename T>
void apply_rows_scalar(const act_params& p, const T* x, std::size_t ldx, T* y, std::size_t ldy, std::size_t rows,
                       std::size_t n) {
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t i = 0; i < n; ++i) y[r * ldy + i] = static_cast<T>(scalar::apply(p, x[r * ldx + i]));
}

template <typename T>
void copy_rows_only(const act_params&, const T* x, std::size_t ldx, T* y, std::size_t ldy, std::size_t rows,
                    std::size_t n) {
  if (x == y && ldx == ldy) return;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t i = 0; i < n; ++i) y[r * ldy + i] = x[r * ldx + i];
}

/// The row function for an element-wise activation (not softmax).
template <typename T>
auto select_rows(const act_params& p)
    -> void (*)(const act_params&, const T*, std::size_t, T*, std::size_t, std::size_t, std::size_t) {
  using A = activation_function;
  constexpr bool single = std::is_same_v<T, float>;
  switch (p.function) {
  case A::linear: return &copy_rows_only<T>;
  case A::relu: return p.is_plain_relu() ? &apply_rows<T, A::relu> : &apply_rows_scalar<T>;
  case A::hard_sigmoid: return &apply_rows<T, A::hard_sigmoid>;
  case A::leaky_relu: return &apply_rows<T, A::leaky_relu>;
  case A::abs: return &apply_rows<T, A::abs>;
  case A::sigmoid: return single ? &apply_rows<T, A::sigmoid> : &apply_rows_scalar<T>;
  case A::tanh: return single ? &apply_rows<T, A::tanh> : &apply_rows_scalar<T>;
  case A::elu: return single ? &apply_rows<T, A::elu> : &apply_rows_scalar<T>;
  case A::swish: return single ? &apply_rows<T, A::swish> : &apply_rows_scalar<T>;
  default: return &apply_rows_scalar<T>;
  }
}

/// v rotated by W/2 lanes. __builtin_shufflevector (constant indices) is
/// understood by both clang and GCC >= 12; GCC's __builtin_shuffle is not
/// available in clang.
template <std::size_t W, std::size_t... I> inline vec<float> rotate_half(vec<float> v, std::index_sequence<I...>) {
  return __builtin_shufflevector(v, v, static_cast<int>((I + W / 2) % lanes<float>)...);
}

/// Horizontal maximum / sum of a float vector by halving shuffles.
template <std::size_t W> inline vec<float> fold_lanes(vec<float> v, bool maximum) {
  if constexpr (W == 1) {
    return v;
  } else {
    vec<float> other = rotate_half<W>(v, std::make_index_sequence<lanes<float>>{});
    return fold_lanes<W / 2>(maximum ? vmax(v, other) : v + other, maximum);
  }
}

/// fold_lanes replayed on L rows at once, lane i of the fold being v[i]
/// (each v[i] a vector across the rows): the same pairs in the same order,
/// so the same bits as one row at a time.
template <std::size_t L> inline void fold_across(vec<float> (&v)[L], bool maximum) {
  for (std::size_t w = L; w > 1; w /= 2) {
    vec<float> folded[L];
    for (std::size_t i = 0; i < L; ++i) {
      const vec<float> other = v[(i + w / 2) % L];
      folded[i] = maximum ? vmax(v[i], other) : v[i] + other;
    }
    for (std::size_t i = 0; i < L; ++i) v[i] = folded[i];
  }
}

/// Softmax of L rows of n ≤ L classes, one row per lane: a few class
/// probabilities per event fill a vector per class instead of a vector per
/// event, and the exponentials run n times per L rows instead of L times.
template <std::size_t L> void softmax_tile(float* y, std::size_t ld, std::size_t n) {
  vec<float> x[L], top[L], e[L];
  for (std::size_t i = 0; i < L; ++i) {
    x[i] = splat(-__builtin_inff());
    if (i < n)
      for (std::size_t r = 0; r < L; ++r) x[i][r] = y[r * ld + i];
    top[i] = x[i];
  }
  fold_across<L>(top, true);
  for (std::size_t i = 0; i < L; ++i) e[i] = i < n ? vexp(x[i] - top[i]) : vec<float>{};
  vec<float> total[L];
  for (std::size_t i = 0; i < L; ++i) total[i] = e[i];
  fold_across<L>(total, false);
  for (std::size_t i = 0; i < n; ++i) e[i] = e[i] * vrecip(total[i]);
  for (std::size_t r = 0; r < L; ++r) {
    vec<float> row{};
    for (std::size_t i = 0; i < n; ++i) row[i] = e[i][r];
    store(y + r * ld, row);
  }
}

void softmax_rows(float* y, std::size_t rows, std::size_t n, std::size_t ld) {
  constexpr std::size_t L = lanes<float>;
  const vec<float> idx = lane_index<float>();
  const vec<float> neg_inf = splat(-__builtin_inff());
  std::size_t r = 0;
  if (n <= L)
    for (; r + L <= rows; r += L) softmax_tile<L>(y + r * ld, ld, n);
  for (; r < rows; ++r) {
    float* row = y + r * ld;
    if (n <= L) { // a few class probabilities: one vector (the same arithmetic for one event as for many)
      const auto live = idx < float(n);
      const vec<float> x = live ? load(row) : neg_inf;
      vec<float> e = vexp(x - fold_lanes<L>(x, true));
      e = live ? e : vec<float>{};
      store(row, e * vrecip(fold_lanes<L>(e, false)));
      continue;
    }
    vec<float> top = neg_inf;
    for (std::size_t i = 0; i < n; i += L) {
      vec<float> x = load(row + i);
      x = (idx + float(i)) < float(n) ? x : neg_inf;
      top = vmax(top, x);
    }
    top = fold_lanes<L>(top, true);
    vec<float> sum{};
    for (std::size_t i = 0; i < n; i += L) {
      const auto live = (idx + float(i)) < float(n);
      vec<float> e = vexp((live ? load(row + i) : neg_inf) - top);
      e = live ? e : vec<float>{};
      store(row + i, e);
      sum += e;
    }
    const vec<float> total = fold_lanes<L>(sum, false);
    for (std::size_t i = 0; i < n; i += L) store(row + i, load(row + i) / total);
  }
}

template <typename T> void activate(const act_params& p, T* y, std::size_t rows, std::size_t n, std::size_t ld) {
  if (p.function == activation_function::linear || n == 0) return;
  if (p.function == activation_function::softmax) {
    if constexpr (std::is_same_v<T, float>) return softmax_rows(y, rows, n, ld);
    for (std::size_t r = 0; r < rows; ++r) scalar::softmax(y + r * ld, n);
    return;
  }
  select_rows<T>(p)(p, y, ld, y, ld, rows, round_up(n, lanes<T>));
}

// ---------------------------------------------------------------------------
// Recurrent cells. Gate blocks are padded to whole vectors (ldu), so every
// block starts aligned. The fused LSTM cell skips masked rows; the general
// passes activate every row at once and only skip masked rows when writing
// the state back.

/// The LSTM cell in one pass per row, when both functions are vectorised
/// for T: each vector of units goes from its four pre-activations to the
/// new c and h in registers. Same functions and arithmetic as the passes in
/// lstm_cell; rows that are masked are skipped.
template <typename T, activation_function Inner, activation_function Act> void lstm_cell_fused(const lstm_args<T>& a) {
  constexpr std::size_t L = lanes<T>;
  const std::size_t u = round_up(a.units, L), ldu = a.ldu;
  for (std::size_t r = 0; r < a.rows; ++r) {
    if (a.keep && !a.keep[r]) continue;
    const T* z = a.z + r * a.ldz;
    T* c = a.c + r * a.lds;
    T* h = a.h + r * a.lds;
    for (std::size_t i = 0; i < u; i += L) {
      const vec<T> in = apply_vec<T, Inner>(a.inner, load(z + i));
      const vec<T> forget = apply_vec<T, Inner>(a.inner, load(z + ldu + i));
      const vec<T> cand = apply_vec<T, Act>(a.act, load(z + 2 * ldu + i));
      const vec<T> out = apply_vec<T, Inner>(a.inner, load(z + 3 * ldu + i));
      const vec<T> cn = forget * load(c + i) + in * cand;
      store(c + i, cn);
      store(h + i, out * apply_vec<T, Act>(a.act, cn));
    }
  }
}

template <typename T> void lstm_cell(const lstm_args<T>& a) {
  constexpr std::size_t L = lanes<T>;
  using A = activation_function;
  if constexpr (std::is_same_v<T, float>) { // Keras' defaults (sigmoid or hard_sigmoid gates, tanh)
    if (a.act.function == A::tanh && a.inner.function == A::sigmoid) return lstm_cell_fused<T, A::sigmoid, A::tanh>(a);
    if (a.act.function == A::tanh && a.inner.function == A::hard_sigmoid)
      return lstm_cell_fused<T, A::hard_sigmoid, A::tanh>(a);
  }
  const std::size_t u = round_up(a.units, L), ldu = a.ldu, n = a.rows;
  const auto inner = select_rows<T>(a.inner);
  const auto act = select_rows<T>(a.act);
  if (a.act.function == activation_function::softmax || a.inner.function == activation_function::softmax) {
    // per-gate softmax: rare; keep exact semantics with the generic path
    for (int g = 0; g < 4; ++g) activate(g == 2 ? a.act : a.inner, a.z + g * ldu, n, a.units, a.ldz);
  } else {
    inner(a.inner, a.z, a.ldz, a.z, a.ldz, n, u);                     // i
    inner(a.inner, a.z + ldu, a.ldz, a.z + ldu, a.ldz, n, u);         // f
    act(a.act, a.z + 2 * ldu, a.ldz, a.z + 2 * ldu, a.ldz, n, u);     // candidate
    inner(a.inner, a.z + 3 * ldu, a.ldz, a.z + 3 * ldu, a.ldz, n, u); // o
  }
  for (std::size_t r = 0; r < n; ++r) {
    if (a.keep && !a.keep[r]) continue;
    const T* z = a.z + r * a.ldz;
    T* c = a.c + r * a.lds;
    for (std::size_t i = 0; i < u; i += L)
      store(c + i, load(z + ldu + i) * load(c + i) + load(z + i) * load(z + 2 * ldu + i));
  }
  // act(c) goes into the candidate block, which is no longer needed
  if (a.act.function == activation_function::softmax) {
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t i = 0; i < u; ++i) a.z[r * a.ldz + 2 * ldu + i] = a.c[r * a.lds + i];
    activate(a.act, a.z + 2 * ldu, n, a.units, a.ldz);
  } else {
    act(a.act, a.c, a.lds, a.z + 2 * ldu, a.ldz, n, u);
  }
  for (std::size_t r = 0; r < n; ++r) {
    if (a.keep && !a.keep[r]) continue;
    const T* z = a.z + r * a.ldz;
    T* h = a.h + r * a.lds;
    for (std::size_t i = 0; i < u; i += L) store(h + i, load(z + 3 * ldu + i) * load(z + 2 * ldu + i));
  }
}

// lstm_step: MR rows × the four gates of one vector of units. Sums run in
// the order of gemm (init, then x·w, then h·u, each k ascending) and the
// cell is lstm_cell_fused's, so the results are the same bits as the
// two-pass step.
constexpr int mr_lstm = HEPNN_VBYTES == 64 ? 6 : 2;

// CB vectors of units at a time: a few rows (a single event) need several
// blocks' chains in flight to cover the FMA latency.
template <typename T, int MR, int CB, bool FROM_X, activation_function Inner>
inline void lstm_tile(const lstm_step_args<T>& a, std::size_t row, std::size_t col) {
  using A = activation_function;
  constexpr std::size_t L = lanes<T>;
  constexpr int G = 4 * CB; // gate g of block b: column g·ldu + col + b·L
  const std::size_t ldu = a.ldu, width = 4 * ldu;
  std::size_t off[G];
  for (int b = 0; b < CB; ++b)
    for (int g = 0; g < 4; ++g) off[b * 4 + g] = g * ldu + col + b * L;
  vec<T> acc[MR][G];
  for (int r = 0; r < MR; ++r)
    for (int g = 0; g < G; ++g) acc[r][g] = FROM_X ? load(a.bias + off[g]) : load(a.xp + (row + r) * a.ldxp + off[g]);
  auto product = [&](const T* x, std::size_t ldx, const T* w, std::size_t K) { // acc += x·w, k ascending
    std::size_t k = 0;
    do { // K ≥ 1 (lstm_step declines otherwise; see accumulate)
      vec<T> wv[G];
      for (int g = 0; g < G; ++g) wv[g] = load(w + k * width + off[g]);
      for (int r = 0; r < MR; ++r) {
        const vec<T> xb = splat(x[(row + r) * ldx + k]);
        for (int g = 0; g < G; ++g) acc[r][g] += xb * wv[g];
      }
    } while (++k < K);
  };
  if constexpr (FROM_X) product(a.x, a.ldx, a.w, a.k);
  product(a.h, ldu, a.u, a.units);
  // locals: GCC would reload them (and convert the gate parameters) per row
  const act_params inner = a.inner, act = a.act;
  const std::uint8_t* const keep = a.keep;
  const T* const h = a.h;
  T* const c = a.c;
  T* const h_next = a.h_next;
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
    for (int b = 0; b < CB; ++b) {
      const std::size_t at = (row + r) * ldu + col + b * L;
      if (keep && !keep[row + r]) {
        store(h_next + at, load(h + at));
        continue;
      }
      const vec<T>* z = acc[r] + 4 * b;
      const vec<T> in = apply_vec<T, Inner>(inner, z[0]);
      const vec<T> forget = apply_vec<T, Inner>(inner, z[1]);
      const vec<T> cand = apply_vec<T, A::tanh>(act, z[2]);
      const vec<T> out = apply_vec<T, Inner>(inner, z[3]);
      const vec<T> cn = forget * load(c + at) + in * cand;
      store(c + at, cn);
      store(h_next + at, out * apply_vec<T, A::tanh>(act, cn));
    }
}

template <typename T, int MR, bool FROM_X, activation_function Inner>
inline void lstm_rows(const lstm_step_args<T>& a, std::size_t row) {
  constexpr std::size_t L = lanes<T>;
  constexpr int CB = MR <= 3 ? 2 : 1;
  const std::size_t u = round_up(a.units, L);
  std::size_t col = 0;
  for (; col + CB * L <= u; col += CB * L) lstm_tile<T, MR, CB, FROM_X, Inner>(a, row, col);
  if constexpr (CB > 1)
    if (col < u) lstm_tile<T, MR, 1, FROM_X, Inner>(a, row, col);
}

template <typename T, bool FROM_X, activation_function Inner> void lstm_step_with(const lstm_step_args<T>& a) {
  row_blocks<mr_lstm>(a.rows, [&]<int R>(std::size_t row) { lstm_rows<T, R, FROM_X, Inner>(a, row); });
}

/// f.template operator()<Inner>() where the fused LSTM kernels apply
/// (float32; tanh with sigmoid or hard_sigmoid gates; a layer with units):
/// true. Elsewhere false, calling nothing: the caller takes gemm + lstm_cell.
template <typename T, class F> bool with_lstm_gates(const act_params& act, const act_params& inner, std::size_t units, F&& f) {
  using A = activation_function;
  if constexpr (!std::is_same_v<T, float>) return false;
  else {
    if (act.function != A::tanh || units == 0) return false;
    if (inner.function == A::sigmoid) f.template operator()<A::sigmoid>();
    else if (inner.function == A::hard_sigmoid) f.template operator()<A::hard_sigmoid>();
    else return false;
    return true;
  }
}

template <typename T> bool lstm_step(const lstm_step_args<T>& a) {
  if (!a.xp && a.k == 0) return false; // no input terms: the tile's loop runs at least once
  return with_lstm_gates<T>(a.act, a.inner, a.units, [&]<activation_function Inner>() {
    a.xp ? lstm_step_with<T, false, Inner>(a) : lstm_step_with<T, true, Inner>(a);
  });
}

template <typename T, activation_function Inner> void lstm_sequence_with(const lstm_sequence_args<T>& a) {
  lstm_step_args<T> st;
  st.u = a.u, st.c = a.c, st.rows = 1, st.units = a.units, st.ldu = a.ldu, st.act = a.act, st.inner = a.inner;
  st.ldxp = a.ldxp;
  T* cur = a.h;
  T* next = a.spare;
  for (std::size_t t = 0; t < a.steps; ++t) {
    st.xp = a.xp + t * a.ldxp, st.h = cur, st.h_next = next, st.keep = a.keep ? a.keep + t : nullptr;
    lstm_rows<T, 1, false, Inner>(st, 0);
    if (a.y) { // whole vectors (ldu is), not a call to memcpy
      T* row = a.y + t * a.ldu;
      const bool zero = a.zero_masked && st.keep && !*st.keep;
      for (std::size_t i = 0; i < a.ldu; i += lanes<T>) store(row + i, zero ? vec<T>{} : load(next + i));
    }
    std::swap(cur, next);
  }
  if (cur != a.h) std::memcpy(a.h, cur, a.ldu * sizeof(T));
}

template <typename T> bool lstm_sequence(const lstm_sequence_args<T>& a) {
  return with_lstm_gates<T>(a.act, a.inner, a.units, [&]<activation_function Inner>() { lstm_sequence_with<T, Inner>(a); });
}

/// z and r pre-activations: m[0..2·ldu) += xp[0..2·ldu), then the gate function.
template <typename T> void gru_zr(const gru_args<T>& a) {
  constexpr std::size_t L = lanes<T>;
  for (std::size_t r = 0; r < a.rows; ++r) {
    const T* xp = a.xp + r * a.ldxp;
    T* m = a.m + r * a.ldm;
    for (std::size_t i = 0; i < 2 * a.ldu; i += L) store(m + i, load(m + i) + load(xp + i));
  }
  if (a.inner.function == activation_function::softmax) {
    activate(a.inner, a.m, a.rows, a.units, a.ldm);
    activate(a.inner, a.m + a.ldu, a.rows, a.units, a.ldm);
    return;
  }
  const auto inner = select_rows<T>(a.inner);
  const std::size_t u = round_up(a.units, L);
  inner(a.inner, a.m, a.ldm, a.m, a.ldm, a.rows, u);
  inner(a.inner, a.m + a.ldu, a.ldm, a.m + a.ldu, a.ldm, a.rows, u);
}

/// h = z·h + (1 − z)·act(candidate), for the rows that are not masked.
template <typename T> void gru_blend(const gru_args<T>& a) {
  constexpr std::size_t L = lanes<T>;
  const std::size_t u = round_up(a.units, L);
  activate(a.act, a.m + 2 * a.ldu, a.rows, a.units, a.ldm);
  for (std::size_t r = 0; r < a.rows; ++r) {
    if (a.keep && !a.keep[r]) continue;
    const T* m = a.m + r * a.ldm;
    T* h = a.h + r * a.ldh;
    for (std::size_t i = 0; i < u; i += L) {
      const vec<T> zg = load(m + i);
      store(h + i, zg * load(h + i) + (T(1) - zg) * load(m + 2 * a.ldu + i));
    }
  }
}

template <typename T> void gru_after(const gru_args<T>& a) {
  constexpr std::size_t L = lanes<T>;
  gru_zr(a);
  for (std::size_t r = 0; r < a.rows; ++r) {
    const T* xp = a.xp + r * a.ldxp;
    T* m = a.m + r * a.ldm;
    for (std::size_t i = 0; i < a.ldu; i += L)
      store(m + 2 * a.ldu + i, load(xp + 2 * a.ldu + i) + load(m + a.ldu + i) * load(m + 2 * a.ldu + i));
  }
  gru_blend(a);
}

template <typename T> void gru_gates(const gru_args<T>& a) {
  constexpr std::size_t L = lanes<T>;
  gru_zr(a);
  for (std::size_t r = 0; r < a.rows; ++r) {
    const T* m = a.m + r * a.ldm;
    const T* h = a.h + r * a.ldh;
    T* rh = a.rh + r * a.ldh;
    for (std::size_t i = 0; i < a.ldu; i += L) store(rh + i, load(m + a.ldu + i) * load(h + i));
  }
}

template <typename T>
void rnn_cell(const act_params& p, T* z, std::size_t ldz, T* h, std::size_t ldh, std::size_t rows, std::size_t n,
              const std::uint8_t* keep) {
  activate(p, z, rows, n, ldz); // z is this step's scratch
  for (std::size_t r = 0; r < rows; ++r)
    if (!keep || keep[r])
      for (std::size_t i = 0; i < round_up(n, lanes<T>); ++i) h[r * ldh + i] = z[r * ldz + i];
}

// ---------------------------------------------------------------------------
// Element-wise helpers over whole padded rows.

template <typename T>
void binary(binary_op op, const T* a, std::size_t lda, const T* b, std::size_t ldb, T* y, std::size_t ldy,
            std::size_t rows, std::size_t n) {
  constexpr std::size_t L = lanes<T>;
  for (std::size_t r = 0; r < rows; ++r) {
    const T* pa = a + r * lda;
    const T* pb = b + r * ldb;
    T* py = y + r * ldy;
    for (std::size_t i = 0; i < n; i += L) {
      vec<T> x = load(pa + i), w = load(pb + i), out;
      switch (op) {
      case binary_op::add: out = x + w; break;
      case binary_op::subtract: out = x - w; break;
      case binary_op::multiply: out = x * w; break;
      case binary_op::maximum: out = x >= w ? x : w; break;
      default: out = x <= w ? x : w; break;
      }
      store(py + i, out);
    }
  }
}

template <typename T>
void affine(const T* x, std::size_t ldx, const T* w, const T* c, T* y, std::size_t ldy, std::size_t rows,
            std::size_t n) {
  constexpr std::size_t L = lanes<T>;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t i = 0; i < n; i += L) store(y + r * ldy + i, load(x + r * ldx + i) * load(w + i) + load(c + i));
}

/// prepare() for contiguous rows of at most one vector (tracks of a few
/// variables, fixed-shape inputs): a block of rows is converted as one flat
/// run of double vectors into a staging buffer, then each row is one vector
/// store (its spill lanes land in the destination row's padding). The same
/// arithmetic as the scalar loop, element by element. Two staging buffers
/// take turns: a block's rows are copied out while the next block is
/// converted, since reading a row straight after the narrower stores that
/// wrote it stalls store-to-load forwarding (it was 40 % of this kernel).
template <typename T>
bool prepare_short(const T* x, const double* offset, const double* scale, T* y, std::size_t ldy, std::size_t rows,
                   std::size_t n) {
  constexpr std::size_t LD = lanes<double>, LT = lanes<T>, block_rows = 32;
  using half = typename vec_type<T, static_cast<int>(LD * sizeof(T))>::type; // LD values of T
  static_assert(LD <= prepare_period);
  alignas(64) T flat[2][block_rows * LT + LT];
  const double* off = offset; // periodic runs (kernel_table::prepare): period n·LD along the flat block
  const double* sc = scale;
  const std::size_t period = n * LD;
  vec<double> bad{};
  auto convert = [&](std::size_t r0, T* out_flat) {
    const std::size_t count = std::min(block_rows, rows - r0) * n;
    const T* src = x + r0 * n;
    std::size_t k = 0, phase = 0;
    for (; k + LD <= count; k += LD) {
      half h;
      std::memcpy(&h, src + k, sizeof h);
      const vec<double> v = __builtin_convertvector(h, vec<double>);
      bad = (v - v != 0) ? splat(1.0) : bad; // NaN or ±inf
      const half out = __builtin_convertvector((v + load(off + phase)) * load(sc + phase), half);
      std::memcpy(out_flat + k, &out, sizeof out);
      phase = phase + LD == period ? 0 : phase + LD;
    }
    for (; k < count; ++k, ++phase) { // the tail: fewer than LD values, phase continues the run
      const double v = static_cast<double>(src[k]);
      if (!(v - v == 0.0)) bad[0] = 1;
      out_flat[k] = static_cast<T>((v + off[phase]) * sc[phase]);
    }
  };
  auto copy_rows = [&](std::size_t r0, const T* in_flat) {
    const std::size_t count = std::min(block_rows, rows - r0);
    for (std::size_t r = 0; r < count; ++r) store(y + (r0 + r) * ldy, load(in_flat + r * n));
  };
  std::size_t turn = 0;
  for (std::size_t r0 = 0; r0 < rows; r0 += block_rows, turn ^= 1) {
    convert(r0, flat[turn]);
    if (r0) copy_rows(r0 - block_rows, flat[turn ^ 1]);
  }
  if (rows) copy_rows((rows - 1) / block_rows * block_rows, flat[turn ^ 1]);
  for (std::size_t i = 0; i < LD; ++i)
    if (bad[i] != 0) return false;
  return true;
}

/// The lower or upper half of a vector, and two halves joined (in registers:
/// going through memory stalls store-to-load forwarding).
template <std::size_t From, typename V, std::size_t... I> inline auto half_of(V v, std::index_sequence<I...>) {
  return __builtin_shufflevector(v, v, static_cast<int>(From + I)...);
}
template <typename V, std::size_t... I> inline auto join(V lo, V hi, std::index_sequence<I...>) {
  return __builtin_shufflevector(lo, hi, static_cast<int>(I)...);
}

/// prepare() row by row, for rows of at most one vector that are either
/// strided (one step of every event of a fixed-length input) or at least
/// half a vector of doubles wide: each row is one vector load, converted in
/// halves of double vectors, the lanes past `n` stored as zeros. The same
/// arithmetic as the scalar loop, element by element.
template <typename T>
bool prepare_rows(const T* x, std::size_t ldx, const double* offset, const double* scale, T* y, std::size_t ldy,
                  std::size_t rows, std::size_t n) {
  constexpr std::size_t LD = lanes<double>, LT = lanes<T>, H = LT / LD;
  static_assert(H == 1 || H == 2);
  const std::size_t halves = (n + LD - 1) / LD;
  vec<double> off[H]{}, sc[H]{}, lane_used[H]{};
  for (std::size_t h = 0; h < halves; ++h) { // offset/scale hold count · prepare_period ≥ LD · halves entries
    off[h] = load(offset + h * LD), sc[h] = load(scale + h * LD);
    for (std::size_t i = 0; i < LD; ++i) lane_used[h][i] = h * LD + i < n ? 1.0 : 0.0;
  }
  vec<double> bad{};
  auto convert = [&](auto part, std::size_t h) {
    const vec<double> d = __builtin_convertvector(part, vec<double>);
    bad = (d - d != 0 && lane_used[h] != 0) ? splat(1.0) : bad; // NaN or ±inf
    const vec<double> z = lane_used[h] != 0 ? (d + off[h]) * sc[h] : splat(0.0);
    return __builtin_convertvector(z, decltype(part));
  };
  if constexpr (H == 2) {
    if (halves == 1) { // n ≤ LD: only the lower half is read and converted
      using half = decltype(half_of<0>(vec<T>{}, std::make_index_sequence<LD>{}));
      for (std::size_t r = 0; r < rows; ++r) {
        const T* s = x + r * ldx;
        half part{};
        if ((rows - 1 - r) * ldx + n >= LD) std::memcpy(&part, s, sizeof part); // stays inside the rows
        else std::memcpy(&part, s, n * sizeof(T));
        store(y + r * ldy, join(convert(part, 0), half{}, std::make_index_sequence<LT>{}));
      }
      for (std::size_t i = 0; i < LD; ++i)
        if (bad[i] != 0) return false;
      return true;
    }
  }
  for (std::size_t r = 0; r < rows; ++r) {
    const T* s = x + r * ldx;
    vec<T> v{};
    if ((rows - 1 - r) * ldx + n >= LT) std::memcpy(&v, s, sizeof v); // a whole vector stays inside the rows
    else std::memcpy(&v, s, n * sizeof(T));
    vec<T> out;
    if constexpr (H == 1) {
      out = convert(v, 0);
    } else {
      const auto lo = convert(half_of<0>(v, std::make_index_sequence<LD>{}), 0);
      const auto hi = halves > 1 ? convert(half_of<LD>(v, std::make_index_sequence<LD>{}), 1) : decltype(lo){};
      out = join(lo, hi, std::make_index_sequence<LT>{});
    }
    store(y + r * ldy, out);
  }
  for (std::size_t i = 0; i < LD; ++i)
    if (bad[i] != 0) return false;
  return true;
}

/// prepare() for rows wider than a vector (jet variables, a flattened
/// image): runs of a double vector along each row, the tail one by one.
/// The same arithmetic as the scalar loop, element by element.
template <typename T>
bool prepare_wide(const T* x, std::size_t ldx, const double* offset, const double* scale, T* y, std::size_t ldy,
                  std::size_t rows, std::size_t n) {
  constexpr std::size_t LD = lanes<double>;
  using half = typename vec_type<T, static_cast<int>(LD * sizeof(T))>::type; // LD values of T
  vec<double> bad{};
  double bad_tail = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const T* s = x + r * ldx;
    T* out = y + r * ldy;
    std::size_t i = 0;
    for (; i + LD <= n; i += LD) {
      half h;
      std::memcpy(&h, s + i, sizeof h);
      const vec<double> d = __builtin_convertvector(h, vec<double>);
      bad = (d - d != 0) ? splat(1.0) : bad; // NaN or ±inf
      const half o = __builtin_convertvector((d + load(offset + i)) * load(scale + i), half);
      std::memcpy(out + i, &o, sizeof o);
    }
    for (; i < n; ++i) {
      const double d = static_cast<double>(s[i]);
      if (!(d - d == 0.0)) bad_tail = 1;
      out[i] = static_cast<T>((d + offset[i]) * scale[i]);
    }
  }
  for (std::size_t i = 0; i < LD; ++i)
    if (bad[i] != 0) return false;
  return bad_tail == 0;
}

template <typename T>
bool prepare(const T* x, std::size_t ldx, const double* offset, const double* scale, T* y, std::size_t ldy,
             std::size_t rows, std::size_t n) {
  if (n > 0 && n <= lanes<T> && ldy >= lanes<T> && rows > 1) {
    if (ldx == n && 2 * n < lanes<double>) return prepare_short(x, offset, scale, y, ldy, rows, n); // narrow rows: one flat run
    if (ldx >= n) return prepare_rows(x, ldx, offset, scale, y, ldy, rows, n);
  }
  if (n >= lanes<double> && ldx >= n) return prepare_wide(x, ldx, offset, scale, y, ldy, rows, n);
  using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  constexpr U exponent = sizeof(T) == 4 ? U(0x7f800000u) : U(0x7ff0000000000000ull);
  U bad = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const T* s = x + r * ldx;
    T* out = y + r * ldy;
    for (std::size_t i = 0; i < n; ++i) {
      U u;
      std::memcpy(&u, s + i, sizeof u);
      bad |= (u & exponent) == exponent;
      out[i] = static_cast<T>((static_cast<double>(s[i]) + offset[i]) * scale[i]);
    }
  }
  return !bad;
}

// Per head: the unmasked keys transposed (key_dim × keys) so that a query's
// scores are one vectorised sweep, a softmax over each query's row, then the
// weighted sum of the value rows.
template <typename T> void attention(const attention_args<T>& a) {
  std::size_t nk = 0;
  for (std::size_t u = 0; u < a.len; ++u) {
    const std::size_t row = a.offset[u] + a.event;
    if (!a.keep || a.keep[row]) a.keys[nk++] = row;
  }
  const std::size_t qk = a.heads * a.key_dim, lds = round_up(std::max<std::size_t>(nk, 1), row_align<T>);
  T* kt = a.scratch;
  T* scores = kt + a.key_dim * lds;
  for (std::size_t h = 0; h < a.heads; ++h) {
    for (std::size_t d = 0; d < a.key_dim; ++d) {
      T* line = kt + d * lds;
      for (std::size_t u = 0; u < nk; ++u) line[u] = a.qkv[a.keys[u] * a.ld + qk + h * a.key_dim + d];
      for (std::size_t u = nk; u < lds; ++u) line[u] = T(0);
    }
    for (std::size_t t = 0; t < a.len; ++t) {
      const T* __restrict q = a.qkv + (a.offset[t] + a.event) * a.ld + h * a.key_dim;
      T* __restrict s = scores + t * lds;
      for (std::size_t u = 0; u < lds; ++u) s[u] = T(0);
      for (std::size_t d = 0; d < a.key_dim; ++d) {
        const T qd = q[d];
        const T* __restrict line = kt + d * lds;
        for (std::size_t u = 0; u < lds; ++u) s[u] += qd * line[u];
      }
    }
    if (nk > 0) {
      if constexpr (std::is_same_v<T, float>) softmax_rows(scores, a.len, nk, lds);
      else
        for (std::size_t t = 0; t < a.len; ++t) scalar::softmax(scores + t * lds, nk);
    }
    for (std::size_t t = 0; t < a.len; ++t) {
      T* __restrict o = a.out + (a.offset[t] + a.event) * a.ldo + h * a.value_dim;
      for (std::size_t d = 0; d < a.value_dim; ++d) o[d] = T(0);
      const T* __restrict p = scores + t * lds;
      for (std::size_t u = 0; u < nk; ++u) {
        const T w = p[u];
        const T* __restrict v = a.qkv + a.keys[u] * a.ld + 2 * qk + h * a.value_dim;
        for (std::size_t d = 0; d < a.value_dim; ++d) o[d] += w * v[d];
      }
    }
  }
}

#include "kernels/windows_impl.hpp"

template <typename T> constexpr kernel_table<T> make_table() {
  return {HEPNN_ISA_NAME, &gemm<T>,     &activate<T>, &lstm_cell<T>, &lstm_step<T>, &lstm_sequence<T>, &gru_after<T>, &gru_gates<T>,
          &gru_blend<T>,  &rnn_cell<T>, &binary<T>,   &affine<T>,    &prepare<T>,  &attention<T>,
          &window_lanes<T>, &window_event<T>, &lane_map<T>, &lane_load<T>, &window_pool<T>, &lane_prepare<T>, &lane_store<T>, lanes<T>};
}

constexpr kernel_table<float> float_table = make_table<float>();
constexpr kernel_table<double> double_table = make_table<double>();

} // namespace

namespace hepnn::detail {
const kernel_table<float>& HEPNN_CAT(hepnn_kernels_, HEPNN_ISA_ID, _float)() { return float_table; }
const kernel_table<double>& HEPNN_CAT(hepnn_kernels_, HEPNN_ISA_ID, _double)() { return double_table; }
} // namespace hepnn::detail
