// Picks the kernel table for the running CPU, once.
#include "kernels/kernels.hpp"

#include <cstdlib>
#include <cstring>
#include <vector>

namespace hepnn::detail {

const kernel_table<float>& hepnn_kernels_sse2_float();
const kernel_table<double>& hepnn_kernels_sse2_double();
#ifdef HEPNN_HAVE_AVX2
const kernel_table<float>& hepnn_kernels_avx2_float();
const kernel_table<double>& hepnn_kernels_avx2_double();
#endif
#ifdef HEPNN_HAVE_AVX512
const kernel_table<float>& hepnn_kernels_avx512_float();
const kernel_table<double>& hepnn_kernels_avx512_double();
#endif

namespace {

template <typename T> struct isa_entry {
  const char* name;
  const kernel_table<T>& (*table)();
  bool (*supported)();
};

bool always() { return true; }
#ifdef HEPNN_HAVE_AVX2
bool has_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif
#ifdef HEPNN_HAVE_AVX512
bool has_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}
#endif

/// Tables this CPU can run, best first.
template <typename T> std::vector<const kernel_table<T>*> available() {
  std::vector<const kernel_table<T>*> out;
  auto add = [&](const kernel_table<T>& (*table)(), bool ok) {
    if (ok) out.push_back(&table());
  };
  if constexpr (std::is_same_v<T, float>) {
#ifdef HEPNN_HAVE_AVX512
    add(&hepnn_kernels_avx512_float, has_avx512());
#endif
#ifdef HEPNN_HAVE_AVX2
    add(&hepnn_kernels_avx2_float, has_avx2());
#endif
    add(&hepnn_kernels_sse2_float, always());
  } else {
#ifdef HEPNN_HAVE_AVX512
    add(&hepnn_kernels_avx512_double, has_avx512());
#endif
#ifdef HEPNN_HAVE_AVX2
    add(&hepnn_kernels_avx2_double, has_avx2());
#endif
    add(&hepnn_kernels_sse2_double, always());
  }
  return out;
}

template <typename T> const std::vector<const kernel_table<T>*>& tables() {
  static const std::vector<const kernel_table<T>*> list = available<T>();
  return list;
}

template <typename T> const kernel_table<T>& choose() {
  const auto& list = tables<T>();
  if (const char* want = std::getenv("HEPNN_ISA"); want && *want)
    for (const auto* t : list)
      if (std::strcmp(t->isa, want) == 0) return *t;
  return *list.front();
}

} // namespace

template <typename T> const kernel_table<T>& kernels() {
  static const kernel_table<T>& chosen = choose<T>();
  return chosen;
}

template <typename T> std::size_t kernel_count() { return tables<T>().size(); }
template <typename T> const kernel_table<T>& kernels_at(std::size_t i) { return *tables<T>().at(i); }

template const kernel_table<float>& kernels<float>();
template const kernel_table<double>& kernels<double>();
template std::size_t kernel_count<float>();
template std::size_t kernel_count<double>();
template const kernel_table<float>& kernels_at<float>(std::size_t);
template const kernel_table<double>& kernels_at<double>(std::size_t);

} // namespace hepnn::detail
