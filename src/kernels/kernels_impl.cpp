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

constexpr int max_nv = HEPNN_VBYTES == 64 ? 4 : 2;
constexpr int mr_for(int nv) {
  if (HEPNN_VBYTES == 64) return nv == 4 ? 6 : nv == 3 ? 8 : 12;
  return nv == 2 ? 6 : 8;
}

template <typename T, int MR, int NV>
inline void micro(const gemm_args<T>& a, std::size_t row, std::size_t col) {
  constexpr std::size_t L = lanes<T>;
  vec<T> acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) {
      if (a.c) acc[r][v] = load(a.c + (row + r) * a.ldc + col + v * L);
      else if (a.bias) acc[r][v] = load(a.bias + col + v * L);
      else acc[r][v] = vec<T>{};
    }
  const T* x = a.x + row * a.ldx;
  const T* w = a.w + col;
  for (std::size_t k = 0; k < a.k; ++k) {
    vec<T> wv[NV];
    for (int v = 0; v < NV; ++v) wv[v] = load(w + k * a.ldw + v * L);
    for (int r = 0; r < MR; ++r) {
      vec<T> xb = splat(x[r * a.ldx + k]);
      for (int v = 0; v < NV; ++v) acc[r][v] += xb * wv[v];
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) {
      vec<T> y = acc[r][v];
      if (a.relu) y = y < 0 ? vec<T>{} : y;
      store(a.y + (row + r) * a.ldy + col + v * L, y);
    }
}

template <typename T, int NV> void panel(const gemm_args<T>& a, std::size_t col) {
  constexpr int MR = mr_for(NV);
  std::size_t row = 0;
  for (; row + MR <= a.m; row += MR) micro<T, MR, NV>(a, row, col);
  switch (a.m - row) {
#define HEPNN_TAIL(n)                                                                                                 \
  case n:                                                                                                             \
    if constexpr (n < MR) micro<T, n, NV>(a, row, col);                                                               \
    break;
    HEPNN_TAIL(1) HEPNN_TAIL(2) HEPNN_TAIL(3) HEPNN_TAIL(4) HEPNN_TAIL(5) HEPNN_TAIL(6) HEPNN_TAIL(7) HEPNN_TAIL(8)
    HEPNN_TAIL(9) HEPNN_TAIL(10) HEPNN_TAIL(11)
#undef HEPNN_TAIL
  default: break;
  }
}

// One row: a streaming matrix-vector product with up to 8 accumulators,
// enough to keep both FMA pipes busy while the weights stream from cache.
template <typename T, int NV> inline void matvec_block(const gemm_args<T>& a, std::size_t col) {
  constexpr std::size_t L = lanes<T>;
  vec<T> acc[NV];
  for (int v = 0; v < NV; ++v) {
    if (a.c) acc[v] = load(a.c + col + v * L);
    else if (a.bias) acc[v] = load(a.bias + col + v * L);
    else acc[v] = vec<T>{};
  }
  const T* w = a.w + col;
  for (std::size_t k = 0; k < a.k; ++k) {
    vec<T> xb = splat(a.x[k]);
    for (int v = 0; v < NV; ++v) acc[v] += xb * load(w + k * a.ldw + v * L);
  }
  for (int v = 0; v < NV; ++v) {
    vec<T> y = acc[v];
    if (a.relu) y = y < 0 ? vec<T>{} : y;
    store(a.y + col + v * L, y);
  }
}

template <typename T> void matvec(const gemm_args<T>& a) {
  constexpr std::size_t L = lanes<T>;
  std::size_t nv = a.n / L, col = 0;
  while (nv > 0) {
    std::size_t t = nv >= 8 ? 8 : nv;
    switch (t) {
    case 8: matvec_block<T, 8>(a, col); break;
    case 7: matvec_block<T, 7>(a, col); break;
    case 6: matvec_block<T, 6>(a, col); break;
    case 5: matvec_block<T, 5>(a, col); break;
    case 4: matvec_block<T, 4>(a, col); break;
    case 3: matvec_block<T, 3>(a, col); break;
    case 2: matvec_block<T, 2>(a, col); break;
    default: matvec_block<T, 1>(a, col); break;
    }
    col += t * L;
    nv -= t;
  }
}

template <typename T> void gemm(const gemm_args<T>& a) {
  if (a.m == 0 || a.n == 0) return;
  if (a.m == 1) return matvec(a);
  constexpr std::size_t L = lanes<T>;
  std::size_t nv = a.n / L, col = 0;
  while (nv > 0) {
    std::size_t t = nv >= std::size_t(max_nv) ? max_nv : nv;
    if constexpr (max_nv == 4) {
      // 7 vectors as 4 + 3 rather than 4 + 2 + 1
      if (nv == 5) t = 3;
    }
    switch (t) {
    case 4: if constexpr (max_nv >= 4) panel<T, 4>(a, col); break;
    case 3: if constexpr (max_nv >= 3) panel<T, 3>(a, col); break;
    case 2: panel<T, 2>(a, col); break;
    default: panel<T, 1>(a, col); break;
    }
    col += t * L;
    nv -= t;
  }
}

// ---------------------------------------------------------------------------
// Activations. float32 uses the vector functions of simd.hpp for the common
// ones; everything else (and float64) goes through the scalar double
// definitions, which are exact to libm accuracy.

template <typename T> inline vec<T> lane_index() {
  vec<T> v;
  for (std::size_t i = 0; i < lanes<T>; ++i) v[i] = T(i);
  return v;
}

template <typename T> void activate_scalar(const act_params& p, T* y, std::size_t rows, std::size_t n, std::size_t ld) {
  if (p.function == activation_function::softmax) {
    for (std::size_t r = 0; r < rows; ++r) scalar::softmax(y + r * ld, n);
    return;
  }
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t i = 0; i < n; ++i) y[r * ld + i] = static_cast<T>(scalar::apply(p, y[r * ld + i]));
}

inline vec<float> apply_float(const act_params& p, vec<float> x) {
  switch (p.function) {
  case activation_function::sigmoid: return vsigmoid(x);
  case activation_function::tanh: return vtanh(x);
  case activation_function::elu: {
    vec<float> neg = (vexp(x) - 1.0f) * float(p.alpha);
    return x >= 0 ? x : neg;
  }
  case activation_function::swish: return x * vsigmoid(x * float(p.alpha));
  default: return x;
  }
}

template <typename T> inline vec<T> apply_simple(const act_params& p, vec<T> x) {
  switch (p.function) {
  case activation_function::relu:
    if (p.is_plain_relu()) return x < 0 ? vec<T>{} : x;
    break;
  case activation_function::hard_sigmoid:
    return vmin(vmax(x * T(p.alpha) + T(p.beta), vec<T>{}), splat(T(1)));
  case activation_function::leaky_relu: return x > 0 ? x : x * T(p.alpha);
  case activation_function::abs: return x < 0 ? -x : x;
  default: break;
  }
  return x;
}

template <typename T> bool vectorised(const act_params& p) {
  switch (p.function) {
  case activation_function::linear:
  case activation_function::hard_sigmoid:
  case activation_function::leaky_relu:
  case activation_function::abs: return true;
  case activation_function::relu: return p.is_plain_relu();
  case activation_function::sigmoid:
  case activation_function::tanh:
  case activation_function::elu:
  case activation_function::swish:
  case activation_function::softmax: return std::is_same_v<T, float>;
  default: return false;
  }
}

/// Applies `p` to the first `n` lanes (rounded up to whole vectors) of a row.
template <typename T> inline void activate_row(const act_params& p, T* row, std::size_t n) {
  constexpr std::size_t L = lanes<T>;
  for (std::size_t i = 0; i < n; i += L) {
    vec<T> x = load(row + i);
    if constexpr (std::is_same_v<T, float>) {
      if (p.function == activation_function::sigmoid || p.function == activation_function::tanh ||
          p.function == activation_function::elu || p.function == activation_function::swish) {
        store(row + i, apply_float(p, x));
        continue;
      }
    }
    store(row + i, apply_simple<T>(p, x));
  }
}

template <typename T> void softmax_rows(T* y, std::size_t rows, std::size_t n, std::size_t ld) {
  constexpr std::size_t L = lanes<float>;
  const vec<float> idx = lane_index<float>();
  const vec<float> neg_inf = splat(-__builtin_inff());
  for (std::size_t r = 0; r < rows; ++r) {
    float* row = y + r * ld;
    vec<float> top = neg_inf;
    for (std::size_t i = 0; i < n; i += L) {
      vec<float> x = load(row + i);
      x = (idx + float(i)) < float(n) ? x : neg_inf;
      top = vmax(top, x);
    }
    float m = top[0];
    for (std::size_t l = 1; l < L; ++l) m = top[l] > m ? top[l] : m;
    vec<float> sum{};
    for (std::size_t i = 0; i < n; i += L) {
      vec<float> x = load(row + i);
      x = (idx + float(i)) < float(n) ? x : neg_inf;
      vec<float> e = vexp(x - m);
      e = (idx + float(i)) < float(n) ? e : vec<float>{};
      store(row + i, e);
      sum += e;
    }
    float s = 0;
    for (std::size_t l = 0; l < L; ++l) s += sum[l];
    const float inv = 1.0f / s;
    for (std::size_t i = 0; i < n; i += L) store(row + i, load(row + i) * inv);
  }
}

template <typename T> void activate(const act_params& p, T* y, std::size_t rows, std::size_t n, std::size_t ld) {
  if (p.function == activation_function::linear || n == 0) return;
  if (!vectorised<T>(p)) return activate_scalar(p, y, rows, n, ld);
  if constexpr (std::is_same_v<T, float>) {
    if (p.function == activation_function::softmax) return softmax_rows<float>(y, rows, n, ld);
  }
  for (std::size_t r = 0; r < rows; ++r) activate_row(p, y + r * ld, n);
}

/// Applies an activation to a block of `n` values starting at `x` (a whole
/// number of vectors), writing to `out`.
template <typename T> inline void activate_block(const act_params& p, const T* x, T* out, std::size_t n) {
  if (out != x)
    for (std::size_t i = 0; i < n; ++i) out[i] = x[i];
  if (vectorised<T>(p)) activate_row(p, out, n);
  else
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<T>(scalar::apply(p, out[i]));
}

// ---------------------------------------------------------------------------
// Recurrent cells. Gate blocks are padded to whole vectors (ldu), so every
// block starts aligned and the loops below run over whole vectors.

template <typename T> void lstm_cell(const lstm_args<T>& a) {
  constexpr std::size_t L = lanes<T>;
  const std::size_t u = round_up(a.units, L);
  for (std::size_t r = 0; r < a.rows; ++r) {
    if (a.keep && !a.keep[r]) continue;
    T* z = a.z + r * a.ldz;
    activate_block(a.inner, z, z, u);                 // i
    activate_block(a.inner, z + a.ldu, z + a.ldu, u); // f
    activate_block(a.act, z + 2 * a.ldu, z + 2 * a.ldu, u); // candidate
    activate_block(a.inner, z + 3 * a.ldu, z + 3 * a.ldu, u); // o
    T* c = a.c + r * a.lds;
    T* h = a.h + r * a.lds;
    for (std::size_t i = 0; i < u; i += L) {
      vec<T> cn = load(z + a.ldu + i) * load(c + i) + load(z + i) * load(z + 2 * a.ldu + i);
      store(c + i, cn);
    }
    // h = o ⊙ act(c): the activation goes through z's candidate block as scratch
    activate_block(a.act, c, z + 2 * a.ldu, u);
    for (std::size_t i = 0; i < u; i += L) store(h + i, load(z + 3 * a.ldu + i) * load(z + 2 * a.ldu + i));
  }
}

template <typename T> void gru_after(const gru_args<T>& a) {
  constexpr std::size_t L = lanes<T>;
  const std::size_t u = round_up(a.units, L);
  for (std::size_t r = 0; r < a.rows; ++r) {
    if (a.keep && !a.keep[r]) continue;
    const T* xp = a.xp + r * a.ldxp;
    T* m = a.m + r * a.ldm;
    T* h = a.h + r * a.ldh;
    for (std::size_t i = 0; i < 2 * a.ldu; i += L) store(m + i, load(m + i) + load(xp + i));
    activate_block(a.inner, m, m, u);
    activate_block(a.inner, m + a.ldu, m + a.ldu, u);
    for (std::size_t i = 0; i < u; i += L)
      store(m + 2 * a.ldu + i, load(xp + 2 * a.ldu + i) + load(m + a.ldu + i) * load(m + 2 * a.ldu + i));
    activate_block(a.act, m + 2 * a.ldu, m + 2 * a.ldu, u);
    for (std::size_t i = 0; i < u; i += L) {
      vec<T> zg = load(m + i);
      store(h + i, zg * load(h + i) + (T(1) - zg) * load(m + 2 * a.ldu + i));
    }
  }
}

template <typename T> void gru_gates(const gru_args<T>& a) {
  constexpr std::size_t L = lanes<T>;
  const std::size_t u = round_up(a.units, L);
  for (std::size_t r = 0; r < a.rows; ++r) {
    const T* xp = a.xp + r * a.ldxp;
    T* m = a.m + r * a.ldm;
    for (std::size_t i = 0; i < 2 * a.ldu; i += L) store(m + i, load(m + i) + load(xp + i));
    activate_block(a.inner, m, m, u);
    activate_block(a.inner, m + a.ldu, m + a.ldu, u);
    const T* h = a.h + r * a.ldh;
    T* rh = a.rh + r * a.ldh;
    for (std::size_t i = 0; i < u; i += L) store(rh + i, load(m + a.ldu + i) * load(h + i));
  }
}

template <typename T> void gru_update(const gru_args<T>& a) {
  constexpr std::size_t L = lanes<T>;
  const std::size_t u = round_up(a.units, L);
  for (std::size_t r = 0; r < a.rows; ++r) {
    if (a.keep && !a.keep[r]) continue;
    T* m = a.m + r * a.ldm;
    T* h = a.h + r * a.ldh;
    activate_block(a.act, m + 2 * a.ldu, m + 2 * a.ldu, u);
    for (std::size_t i = 0; i < u; i += L) {
      vec<T> zg = load(m + i);
      store(h + i, zg * load(h + i) + (T(1) - zg) * load(m + 2 * a.ldu + i));
    }
  }
}

template <typename T>
void rnn_cell(const act_params& p, const T* z, std::size_t ldz, T* h, std::size_t ldh, std::size_t rows,
              std::size_t n, const std::uint8_t* keep) {
  const std::size_t u = round_up(n, lanes<T>);
  for (std::size_t r = 0; r < rows; ++r)
    if (!keep || keep[r]) activate_block(p, z + r * ldz, h + r * ldh, u);
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

template <typename T> constexpr kernel_table<T> make_table() {
  return {HEPNN_ISA_NAME, &gemm<T>,      &activate<T>, &lstm_cell<T>, &gru_after<T>,
          &gru_gates<T>,  &gru_update<T>, &rnn_cell<T>, &binary<T>,    &affine<T>};
}

constexpr kernel_table<float> float_table = make_table<float>();
constexpr kernel_table<double> double_table = make_table<double>();

} // namespace

namespace hepnn::detail {
const kernel_table<float>& HEPNN_CAT(hepnn_kernels_, HEPNN_ISA_ID, _float)() { return float_table; }
const kernel_table<double>& HEPNN_CAT(hepnn_kernels_, HEPNN_ISA_ID, _double)() { return double_table; }
} // namespace hepnn::detail
