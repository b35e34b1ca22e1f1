// Which table runs: fixed at compile time on wasm, chosen once by cpuid natively.
#include "kernels/isa_tables.h"

namespace kd {

namespace {

#ifdef KD_HAVE_AVX2_KERNELS
bool cpu_has_avx2_fma() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif

const KernelTable& pick_kernels() {
#if defined(__EMSCRIPTEN__) && defined(__wasm_simd128__)
  return detail::wasmsimd_table;
#else
#ifdef KD_HAVE_AVX2_KERNELS
  if (cpu_has_avx2_fma()) return detail::avx2_table;
#endif
  return detail::scalar_table;
#endif
}

}  // namespace

const KernelTable& kernels() {
  static const KernelTable& active = pick_kernels();
  return active;
}

const KernelTable& scalar_kernels() { return detail::scalar_table; }

std::vector<const KernelTable*> all_kernel_tables() {
  std::vector<const KernelTable*> tables = {&detail::scalar_table};
#if defined(__EMSCRIPTEN__) && defined(__wasm_simd128__)
  tables.push_back(&detail::wasmsimd_table);
#endif
#ifdef KD_HAVE_AVX2_KERNELS
  if (cpu_has_avx2_fma()) tables.push_back(&detail::avx2_table);
#endif
  return tables;
}

}  // namespace kd
