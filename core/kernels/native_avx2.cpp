// The x86 AVX2 + FMA table: the kernels of simd_kernels.h over the 8-lane layer of
// simd_avx2.h, and the gemm micro-tile. Only the code of this file's target region carries
// the avx2/fma target, so the rest of the build stays generic; dispatch.cpp uses this table
// only when cpuid reports both.
#include "kernels/isa_tables.h"

#ifdef KD_HAVE_AVX2_KERNELS

#include <immintrin.h>

#include <cstdint>
#include <limits>

#include "kernels/gemm_blocked.h"

// Everything below up to the pop is compiled for avx2/fma. The system headers and the generic
// gemm blocking are included above, so none of their inline functions gets AVX2 code; the
// templates of simd_kernels.h and vmath.h are instantiated only with simd_avx2.h's layer,
// which lives in an anonymous namespace. GCC takes a target pragma; clang (the sanitizer
// builds) ignores it and wants the attribute applied to every function of the region instead.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

#include "kernels/simd_avx2.h"
#include "kernels/simd_kernels.h"

namespace kd {
namespace {

// ---- gemm: 6x16 tile, 12 accumulators + 2 B vectors + 1 broadcast = 15 of 16 ymm ----
struct Gemm6x16 {
  static constexpr int MR = 6, NR = 16;
  static void tile(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (int64_t k = 0; k < kc; ++k, a += MR, b += NR) {
      const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
      __m256 ak = _mm256_broadcast_ss(a);
      c00 = _mm256_fmadd_ps(ak, b0, c00);
      c01 = _mm256_fmadd_ps(ak, b1, c01);
      ak = _mm256_broadcast_ss(a + 1);
      c10 = _mm256_fmadd_ps(ak, b0, c10);
      c11 = _mm256_fmadd_ps(ak, b1, c11);
      ak = _mm256_broadcast_ss(a + 2);
      c20 = _mm256_fmadd_ps(ak, b0, c20);
      c21 = _mm256_fmadd_ps(ak, b1, c21);
      ak = _mm256_broadcast_ss(a + 3);
      c30 = _mm256_fmadd_ps(ak, b0, c30);
      c31 = _mm256_fmadd_ps(ak, b1, c31);
      ak = _mm256_broadcast_ss(a + 4);
      c40 = _mm256_fmadd_ps(ak, b0, c40);
      c41 = _mm256_fmadd_ps(ak, b1, c41);
      ak = _mm256_broadcast_ss(a + 5);
      c50 = _mm256_fmadd_ps(ak, b0, c50);
      c51 = _mm256_fmadd_ps(ak, b1, c51);
    }
    store_row(c, accumulate, c00, c01);
    store_row(c + ldc, accumulate, c10, c11);
    store_row(c + 2 * ldc, accumulate, c20, c21);
    store_row(c + 3 * ldc, accumulate, c30, c31);
    store_row(c + 4 * ldc, accumulate, c40, c41);
    store_row(c + 5 * ldc, accumulate, c50, c51);
  }
  static void store_row(float* c, bool accumulate, __m256 r0, __m256 r1) {
    if (accumulate) {
      r0 = _mm256_add_ps(r0, _mm256_loadu_ps(c));
      r1 = _mm256_add_ps(r1, _mm256_loadu_ps(c + 8));
    }
    _mm256_storeu_ps(c, r0);
    _mm256_storeu_ps(c + 8, r1);
  }
};

}  // namespace
}  // namespace kd

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

namespace kd::detail {
// The blocking and packing around the tile is generic code (gemm_blocked.h).
constexpr KernelTable avx2_table = simd::simd_kernel_table<simd::Avx2F32x8>("avx2", gemm_blocked<Gemm6x16>);
}  // namespace kd::detail

#endif  // KD_HAVE_AVX2_KERNELS
