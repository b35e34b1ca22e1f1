// Internal: the vector layer of x86 AVX2 + FMA (8 float lanes). The contract every layer meets
// is in simd_kernels.h.
//
// Only native_avx2.cpp includes it, inside its avx2/fma target region, after the system
// headers: everything here is compiled for AVX2. The anonymous namespace keeps these functions
// and every template instantiated with them out of the generic code: no AVX2 body can be
// merged by the linker into an inline function of the same name elsewhere.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace kd::simd {
namespace {

struct Avx2F32x8 {
  using F = __m256;   // 8 floats
  using I = __m256i;  // 8 int32
  static constexpr int64_t width = 8;

  static F load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static F splat(float x) { return _mm256_set1_ps(x); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F div(F a, F b) { return _mm256_div_ps(a, b); }
  // One rounding instead of two: may differ from the scalar a * b + c in the last bit.
  static F madd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  // x86 max/min return the second operand when either is NaN: x goes second to keep NaN.
  static F max(F a, F b) { return _mm256_max_ps(a, b); }
  static F min(F a, F b) { return _mm256_min_ps(a, b); }
  static F clamp(F x, F lo, F hi) { return _mm256_min_ps(hi, _mm256_max_ps(lo, x)); }
  static F round(F x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static F abs(F x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }
  static F lt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static F eq(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  static F select(F mask, F a, F b) { return _mm256_blendv_ps(b, a, mask); }

  static I isplat(int32_t x) { return _mm256_set1_epi32(x); }
  static I iadd(I a, I b) { return _mm256_add_epi32(a, b); }
  static I isub(I a, I b) { return _mm256_sub_epi32(a, b); }
  static I iand(I a, I b) { return _mm256_and_si256(a, b); }
  static I ior(I a, I b) { return _mm256_or_si256(a, b); }
  static I shl(I a, int bits) { return _mm256_slli_epi32(a, bits); }
  static I shr(I a, int bits) { return _mm256_srli_epi32(a, bits); }
  static I bits_of(F x) { return _mm256_castps_si256(x); }
  static F from_bits(I x) { return _mm256_castsi256_ps(x); }
  static I to_int(F x) { return _mm256_cvttps_epi32(x); }
  static F to_float(I x) { return _mm256_cvtepi32_ps(x); }

  static float hsum(F v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static float hmax(F v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
  }
};

}  // namespace
}  // namespace kd::simd
