// The x86 AVX2 + FMA kernels (8 floats per vector). Only these functions carry the avx2/fma
// target, so the rest of the build stays generic; dispatch.cpp uses this table only when
// cpuid reports both. Everything is in an anonymous namespace: no AVX2 code can be merged
// into a generic inline function of the same name elsewhere.
#include "kernels/isa_tables.h"

#ifdef KD_HAVE_AVX2_KERNELS

#include <immintrin.h>

#include <cassert>
#include <cstdint>
#include <limits>

#include "kernels/gemm_blocked.h"

#define KD_AVX2 __attribute__((target("avx2,fma")))

// vmath.h's templates are compiled here with the avx2/fma target (they are instantiated with
// this file's vector layer only, in an anonymous namespace, so nothing generic gets AVX2 code).
// GCC takes a target pragma; clang (the sanitizer builds) ignores it and wants the attribute
// applied to every function of the region instead.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#include "kernels/vmath.h"
#pragma clang attribute pop
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include "kernels/vmath.h"
#pragma GCC pop_options
#endif

namespace kd {
namespace {

// ---- elementwise: 32 floats per step, then 8, then one at a time ----

struct AddOp {
  KD_AVX2 static __m256 vec(__m256 a, __m256 b) { return _mm256_add_ps(a, b); }
  static float one(float a, float b) { return a + b; }
};
struct SubOp {
  KD_AVX2 static __m256 vec(__m256 a, __m256 b) { return _mm256_sub_ps(a, b); }
  static float one(float a, float b) { return a - b; }
};
struct MulOp {
  KD_AVX2 static __m256 vec(__m256 a, __m256 b) { return _mm256_mul_ps(a, b); }
  static float one(float a, float b) { return a * b; }
};
struct DivOp {
  KD_AVX2 static __m256 vec(__m256 a, __m256 b) { return _mm256_div_ps(a, b); }
  static float one(float a, float b) { return a / b; }
};

template <class Op>
KD_AVX2 void f32_vbinary__avx2_u32(int64_t n, const float* a, const float* b, float* out) {
  assert(n >= 0);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256 a0 = _mm256_loadu_ps(a + i), a1 = _mm256_loadu_ps(a + i + 8);
    const __m256 a2 = _mm256_loadu_ps(a + i + 16), a3 = _mm256_loadu_ps(a + i + 24);
    const __m256 b0 = _mm256_loadu_ps(b + i), b1 = _mm256_loadu_ps(b + i + 8);
    const __m256 b2 = _mm256_loadu_ps(b + i + 16), b3 = _mm256_loadu_ps(b + i + 24);
    _mm256_storeu_ps(out + i, Op::vec(a0, b0));
    _mm256_storeu_ps(out + i + 8, Op::vec(a1, b1));
    _mm256_storeu_ps(out + i + 16, Op::vec(a2, b2));
    _mm256_storeu_ps(out + i + 24, Op::vec(a3, b3));
  }
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(out + i, Op::vec(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
  }
  for (; i < n; ++i) out[i] = Op::one(a[i], b[i]);
}

template <class Op>
KD_AVX2 void f32_vbinaryc__avx2_u32(int64_t n, const float* a, float c, float* out) {
  assert(n >= 0);
  const __m256 vc = _mm256_set1_ps(c);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256 a0 = _mm256_loadu_ps(a + i), a1 = _mm256_loadu_ps(a + i + 8);
    const __m256 a2 = _mm256_loadu_ps(a + i + 16), a3 = _mm256_loadu_ps(a + i + 24);
    _mm256_storeu_ps(out + i, Op::vec(a0, vc));
    _mm256_storeu_ps(out + i + 8, Op::vec(a1, vc));
    _mm256_storeu_ps(out + i + 16, Op::vec(a2, vc));
    _mm256_storeu_ps(out + i + 24, Op::vec(a3, vc));
  }
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, Op::vec(_mm256_loadu_ps(a + i), vc));
  for (; i < n; ++i) out[i] = Op::one(a[i], c);
}

// y += alpha * x with FMA: one rounding instead of two, so it may differ from the scalar
// loop in the last bit.
KD_AVX2 void f32_axpy__avx2_u32(int64_t n, float alpha, const float* x, float* y) {
  assert(n >= 0);
  const __m256 va = _mm256_set1_ps(alpha);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8);
    const __m256 x2 = _mm256_loadu_ps(x + i + 16), x3 = _mm256_loadu_ps(x + i + 24);
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, x0, _mm256_loadu_ps(y + i)));
    _mm256_storeu_ps(y + i + 8, _mm256_fmadd_ps(va, x1, _mm256_loadu_ps(y + i + 8)));
    _mm256_storeu_ps(y + i + 16, _mm256_fmadd_ps(va, x2, _mm256_loadu_ps(y + i + 16)));
    _mm256_storeu_ps(y + i + 24, _mm256_fmadd_ps(va, x3, _mm256_loadu_ps(y + i + 24)));
  }
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  }
  for (; i < n; ++i) y[i] += alpha * x[i];
}

KD_AVX2 float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Four accumulators (32 lanes) in the main loop: reassociates, so rounding differs from the
// scalar left-to-right sum.
// ---- the vector layer of vmath.h: 8 lanes ----
struct Avx2F32x8 {
  using F = __m256;
  static constexpr int64_t width = 8;
  KD_AVX2 static F load(const float* p) { return _mm256_loadu_ps(p); }
  KD_AVX2 static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  KD_AVX2 static F splat(float x) { return _mm256_set1_ps(x); }
  KD_AVX2 static F add(F a, F b) { return _mm256_add_ps(a, b); }
  KD_AVX2 static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  KD_AVX2 static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  KD_AVX2 static F div(F a, F b) { return _mm256_div_ps(a, b); }
  // x86 max/min return the second operand when either is NaN: x goes second to keep NaN.
  KD_AVX2 static F max(F a, F b) { return _mm256_max_ps(a, b); }
  KD_AVX2 static F min(F a, F b) { return _mm256_min_ps(a, b); }
  KD_AVX2 static F clamp(F x, F lo, F hi) { return _mm256_min_ps(hi, _mm256_max_ps(lo, x)); }
  KD_AVX2 static F round(F x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  KD_AVX2 static F abs(F x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }
  KD_AVX2 static F lt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  KD_AVX2 static F eq(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  KD_AVX2 static F select(F mask, F a, F b) { return _mm256_blendv_ps(b, a, mask); }
  KD_AVX2 static F pow2(F n) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127)), 23));
  }
  KD_AVX2 static F exponent(F x) {
    const __m256i biased = _mm256_and_si256(_mm256_srli_epi32(_mm256_castps_si256(x), 23), _mm256_set1_epi32(0xff));
    return _mm256_cvtepi32_ps(_mm256_sub_epi32(biased, _mm256_set1_epi32(127)));
  }
  KD_AVX2 static F mantissa(F x) {
    const __m256i bits = _mm256_and_si256(_mm256_castps_si256(x), _mm256_set1_epi32(0x007fffff));
    return _mm256_castsi256_ps(_mm256_or_si256(bits, _mm256_set1_epi32(0x3f800000)));
  }
  KD_AVX2 static float hmax(F v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
  }
  KD_AVX2 static float hsum(F v) { return kd::hsum(v); }
};

using Avx2Math = vmath::Math<Avx2F32x8>;

KD_AVX2 float f32_sum__avx2_u32(int64_t n, const float* x) {
  assert(n >= 0);
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + i));
    s1 = _mm256_add_ps(s1, _mm256_loadu_ps(x + i + 8));
    s2 = _mm256_add_ps(s2, _mm256_loadu_ps(x + i + 16));
    s3 = _mm256_add_ps(s3, _mm256_loadu_ps(x + i + 24));
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_add_ps(s0, _mm256_loadu_ps(x + i));
  float s = hsum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  for (; i < n; ++i) s += x[i];
  return s;
}

KD_AVX2 float f32_dot__avx2_u32(int64_t n, const float* a, const float* b) {
  assert(n >= 0);
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
    s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  float s = hsum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

// ---- gemm: 6x16 tile, 12 accumulators + 2 B vectors + 1 broadcast = 15 of 16 ymm ----
struct Gemm6x16 {
  static constexpr int MR = 6, NR = 16;
  KD_AVX2 static void tile(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                           bool accumulate) {
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
  KD_AVX2 static void store_row(float* c, bool accumulate, __m256 r0, __m256 r1) {
    if (accumulate) {
      r0 = _mm256_add_ps(r0, _mm256_loadu_ps(c));
      r1 = _mm256_add_ps(r1, _mm256_loadu_ps(c + 8));
    }
    _mm256_storeu_ps(c, r0);
    _mm256_storeu_ps(c + 8, r1);
  }
};

// The blocking and packing around the tile is plain generic code (gemm_blocked.h).
void f32_gemm__avx2_6x16(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, bool transA,
                         const float* B, int64_t ldb, bool transB, float* C, int64_t ldc, float beta) {
  assert(M >= 0 && N >= 0 && K >= 0);
  detail::gemm_blocked<Gemm6x16>(M, N, K, A, lda, transA, B, ldb, transB, C, ldc, beta);
}

}  // namespace

namespace detail {
const KernelTable avx2_table = {
    "avx2",
    f32_vbinary__avx2_u32<AddOp>,
    f32_vbinary__avx2_u32<SubOp>,
    f32_vbinary__avx2_u32<MulOp>,
    f32_vbinary__avx2_u32<DivOp>,
    f32_vbinaryc__avx2_u32<AddOp>,
    f32_vbinaryc__avx2_u32<MulOp>,
    f32_axpy__avx2_u32,
    f32_sum__avx2_u32,
    f32_dot__avx2_u32,
    vmath::f32_vunary<Avx2F32x8, Avx2Math::exp>,
    vmath::f32_vunary<Avx2F32x8, Avx2Math::log>,
    vmath::f32_vunary<Avx2F32x8, Avx2Math::tanh>,
    vmath::f32_vunary<Avx2F32x8, Avx2Math::sigmoid>,
    vmath::f32_vunary<Avx2F32x8, Avx2Math::gelu>,
    vmath::f32_softmax<Avx2F32x8>,
    vmath::f32_log_softmax<Avx2F32x8>,
    vmath::f32_softmax_backward<Avx2F32x8>,
    vmath::f32_log_softmax_backward<Avx2F32x8>,
    f32_gemm__avx2_6x16,
};
}  // namespace detail

}  // namespace kd

#endif  // KD_HAVE_AVX2_KERNELS
