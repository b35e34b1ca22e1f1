// The wasm SIMD128 kernels (4 floats per vector; no FMA in this Emscripten, so mul + add).
// Only compiled under Emscripten; -msimd128 is on for the whole core there.
#if defined(__EMSCRIPTEN__) && defined(__wasm_simd128__)

#include <wasm_simd128.h>

#include <cassert>

#include "kernels/gemm_blocked.h"
#include "kernels/isa_tables.h"
#include "kernels/vmath.h"

namespace kd {
namespace {

// ---- elementwise: 16 floats per step, then 4, then one at a time ----

struct AddOp {
  static v128_t vec(v128_t a, v128_t b) { return wasm_f32x4_add(a, b); }
  static float one(float a, float b) { return a + b; }
};
struct SubOp {
  static v128_t vec(v128_t a, v128_t b) { return wasm_f32x4_sub(a, b); }
  static float one(float a, float b) { return a - b; }
};
struct MulOp {
  static v128_t vec(v128_t a, v128_t b) { return wasm_f32x4_mul(a, b); }
  static float one(float a, float b) { return a * b; }
};
struct DivOp {
  static v128_t vec(v128_t a, v128_t b) { return wasm_f32x4_div(a, b); }
  static float one(float a, float b) { return a / b; }
};

template <class Op>
void f32_vbinary__wasmsimd_u16(int64_t n, const float* a, const float* b, float* out) {
  assert(n >= 0);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const v128_t a0 = wasm_v128_load(a + i), a1 = wasm_v128_load(a + i + 4);
    const v128_t a2 = wasm_v128_load(a + i + 8), a3 = wasm_v128_load(a + i + 12);
    const v128_t b0 = wasm_v128_load(b + i), b1 = wasm_v128_load(b + i + 4);
    const v128_t b2 = wasm_v128_load(b + i + 8), b3 = wasm_v128_load(b + i + 12);
    wasm_v128_store(out + i, Op::vec(a0, b0));
    wasm_v128_store(out + i + 4, Op::vec(a1, b1));
    wasm_v128_store(out + i + 8, Op::vec(a2, b2));
    wasm_v128_store(out + i + 12, Op::vec(a3, b3));
  }
  for (; i + 4 <= n; i += 4) {
    wasm_v128_store(out + i, Op::vec(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  }
  for (; i < n; ++i) out[i] = Op::one(a[i], b[i]);
}

template <class Op>
void f32_vbinaryc__wasmsimd_u16(int64_t n, const float* a, float c, float* out) {
  assert(n >= 0);
  const v128_t vc = wasm_f32x4_splat(c);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const v128_t a0 = wasm_v128_load(a + i), a1 = wasm_v128_load(a + i + 4);
    const v128_t a2 = wasm_v128_load(a + i + 8), a3 = wasm_v128_load(a + i + 12);
    wasm_v128_store(out + i, Op::vec(a0, vc));
    wasm_v128_store(out + i + 4, Op::vec(a1, vc));
    wasm_v128_store(out + i + 8, Op::vec(a2, vc));
    wasm_v128_store(out + i + 12, Op::vec(a3, vc));
  }
  for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, Op::vec(wasm_v128_load(a + i), vc));
  for (; i < n; ++i) out[i] = Op::one(a[i], c);
}

void f32_axpy__wasmsimd_u16(int64_t n, float alpha, const float* x, float* y) {
  assert(n >= 0);
  const v128_t va = wasm_f32x4_splat(alpha);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const v128_t x0 = wasm_v128_load(x + i), x1 = wasm_v128_load(x + i + 4);
    const v128_t x2 = wasm_v128_load(x + i + 8), x3 = wasm_v128_load(x + i + 12);
    wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(y + i), wasm_f32x4_mul(va, x0)));
    wasm_v128_store(y + i + 4, wasm_f32x4_add(wasm_v128_load(y + i + 4), wasm_f32x4_mul(va, x1)));
    wasm_v128_store(y + i + 8, wasm_f32x4_add(wasm_v128_load(y + i + 8), wasm_f32x4_mul(va, x2)));
    wasm_v128_store(y + i + 12, wasm_f32x4_add(wasm_v128_load(y + i + 12), wasm_f32x4_mul(va, x3)));
  }
  for (; i + 4 <= n; i += 4) {
    wasm_v128_store(y + i, wasm_f32x4_add(wasm_v128_load(y + i), wasm_f32x4_mul(va, wasm_v128_load(x + i))));
  }
  for (; i < n; ++i) y[i] += alpha * x[i];
}

float hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) +
         wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

// Four accumulators (16 lanes) in the main loop: reassociates, so rounding differs from the
// scalar left-to-right sum.
float f32_sum__wasmsimd_u16(int64_t n, const float* x) {
  assert(n >= 0);
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = wasm_f32x4_add(s0, wasm_v128_load(x + i));
    s1 = wasm_f32x4_add(s1, wasm_v128_load(x + i + 4));
    s2 = wasm_f32x4_add(s2, wasm_v128_load(x + i + 8));
    s3 = wasm_f32x4_add(s3, wasm_v128_load(x + i + 12));
  }
  for (; i + 4 <= n; i += 4) s0 = wasm_f32x4_add(s0, wasm_v128_load(x + i));
  float s = hsum(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
  for (; i < n; ++i) s += x[i];
  return s;
}

float f32_dot__wasmsimd_u16(int64_t n, const float* a, const float* b) {
  assert(n >= 0);
  v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(a + i + 4), wasm_v128_load(b + i + 4)));
    s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(wasm_v128_load(a + i + 8), wasm_v128_load(b + i + 8)));
    s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(wasm_v128_load(a + i + 12), wasm_v128_load(b + i + 12)));
  }
  for (; i + 4 <= n; i += 4) {
    s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  }
  float s = hsum(wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

// ---- the vector layer of vmath.h: 4 lanes ----
struct WasmF32x4 {
  using F = v128_t;
  static constexpr int64_t width = 4;
  static F load(const float* p) { return wasm_v128_load(p); }
  static void store(float* p, F v) { wasm_v128_store(p, v); }
  static F splat(float x) { return wasm_f32x4_splat(x); }
  static F add(F a, F b) { return wasm_f32x4_add(a, b); }
  static F sub(F a, F b) { return wasm_f32x4_sub(a, b); }
  static F mul(F a, F b) { return wasm_f32x4_mul(a, b); }
  static F div(F a, F b) { return wasm_f32x4_div(a, b); }
  static F max(F a, F b) { return wasm_f32x4_max(a, b); }  // NaN-propagating, like min
  static F min(F a, F b) { return wasm_f32x4_min(a, b); }
  static F clamp(F x, F lo, F hi) { return wasm_f32x4_min(wasm_f32x4_max(x, lo), hi); }
  static F round(F x) { return wasm_f32x4_nearest(x); }
  static F abs(F x) { return wasm_f32x4_abs(x); }
  static F lt(F a, F b) { return wasm_f32x4_lt(a, b); }
  static F eq(F a, F b) { return wasm_f32x4_eq(a, b); }
  static F select(F mask, F a, F b) { return wasm_v128_bitselect(a, b, mask); }
  static F pow2(F n) {
    return wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  }
  static F exponent(F x) {
    const v128_t biased = wasm_v128_and(wasm_u32x4_shr(x, 23), wasm_i32x4_splat(0xff));
    return wasm_f32x4_convert_i32x4(wasm_i32x4_sub(biased, wasm_i32x4_splat(127)));
  }
  static F mantissa(F x) {
    return wasm_v128_or(wasm_v128_and(x, wasm_i32x4_splat(0x007fffff)), wasm_i32x4_splat(0x3f800000));
  }
  static float hmax(F v) {
    v = wasm_f32x4_max(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    v = wasm_f32x4_max(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
    return wasm_f32x4_extract_lane(v, 0);
  }
  static float hsum(F v) { return kd::hsum(v); }
};

using WasmMath = vmath::Math<WasmF32x4>;

// ---- gemm: 4x16 tile, 16 accumulator vectors, B strip packed 16 wide ----
// (4x8 tiles leave the mul/add units half idle waiting on loads; 4x16 and 8x8 keep them busy.)
struct Gemm4x16 {
  static constexpr int MR = 4, NR = 16;
  static void tile(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate) {
    v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c02 = c00, c03 = c00;
    v128_t c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    v128_t c20 = c00, c21 = c00, c22 = c00, c23 = c00;
    v128_t c30 = c00, c31 = c00, c32 = c00, c33 = c00;
    for (int64_t k = 0; k < kc; ++k, a += MR, b += NR) {
      const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
      const v128_t b2 = wasm_v128_load(b + 8), b3 = wasm_v128_load(b + 12);
      v128_t ak = wasm_v128_load32_splat(a);
      c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(ak, b0));
      c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(ak, b1));
      c02 = wasm_f32x4_add(c02, wasm_f32x4_mul(ak, b2));
      c03 = wasm_f32x4_add(c03, wasm_f32x4_mul(ak, b3));
      ak = wasm_v128_load32_splat(a + 1);
      c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(ak, b0));
      c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(ak, b1));
      c12 = wasm_f32x4_add(c12, wasm_f32x4_mul(ak, b2));
      c13 = wasm_f32x4_add(c13, wasm_f32x4_mul(ak, b3));
      ak = wasm_v128_load32_splat(a + 2);
      c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(ak, b0));
      c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(ak, b1));
      c22 = wasm_f32x4_add(c22, wasm_f32x4_mul(ak, b2));
      c23 = wasm_f32x4_add(c23, wasm_f32x4_mul(ak, b3));
      ak = wasm_v128_load32_splat(a + 3);
      c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(ak, b0));
      c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(ak, b1));
      c32 = wasm_f32x4_add(c32, wasm_f32x4_mul(ak, b2));
      c33 = wasm_f32x4_add(c33, wasm_f32x4_mul(ak, b3));
    }
    store_row(c, accumulate, c00, c01, c02, c03);
    store_row(c + ldc, accumulate, c10, c11, c12, c13);
    store_row(c + 2 * ldc, accumulate, c20, c21, c22, c23);
    store_row(c + 3 * ldc, accumulate, c30, c31, c32, c33);
  }
  static void store_row(float* c, bool accumulate, v128_t r0, v128_t r1, v128_t r2, v128_t r3) {
    if (accumulate) {
      r0 = wasm_f32x4_add(r0, wasm_v128_load(c));
      r1 = wasm_f32x4_add(r1, wasm_v128_load(c + 4));
      r2 = wasm_f32x4_add(r2, wasm_v128_load(c + 8));
      r3 = wasm_f32x4_add(r3, wasm_v128_load(c + 12));
    }
    wasm_v128_store(c, r0);
    wasm_v128_store(c + 4, r1);
    wasm_v128_store(c + 8, r2);
    wasm_v128_store(c + 12, r3);
  }
};

void f32_gemm__wasmsimd_4x16(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, bool transA,
                             const float* B, int64_t ldb, bool transB, float* C, int64_t ldc, float beta) {
  assert(M >= 0 && N >= 0 && K >= 0);
  detail::gemm_blocked<Gemm4x16>(M, N, K, A, lda, transA, B, ldb, transB, C, ldc, beta);
}

}  // namespace

namespace detail {
const KernelTable wasmsimd_table = {
    "wasmsimd",
    f32_vbinary__wasmsimd_u16<AddOp>,
    f32_vbinary__wasmsimd_u16<SubOp>,
    f32_vbinary__wasmsimd_u16<MulOp>,
    f32_vbinary__wasmsimd_u16<DivOp>,
    f32_vbinaryc__wasmsimd_u16<AddOp>,
    f32_vbinaryc__wasmsimd_u16<MulOp>,
    f32_axpy__wasmsimd_u16,
    f32_sum__wasmsimd_u16,
    f32_dot__wasmsimd_u16,
    vmath::f32_vunary<WasmF32x4, WasmMath::exp>,
    vmath::f32_vunary<WasmF32x4, WasmMath::log>,
    vmath::f32_vunary<WasmF32x4, WasmMath::tanh>,
    vmath::f32_vunary<WasmF32x4, WasmMath::sigmoid>,
    vmath::f32_vunary<WasmF32x4, WasmMath::gelu>,
    vmath::f32_softmax<WasmF32x4>,
    vmath::f32_log_softmax<WasmF32x4>,
    vmath::f32_softmax_backward<WasmF32x4>,
    vmath::f32_log_softmax_backward<WasmF32x4>,
    f32_gemm__wasmsimd_4x16,
};
}  // namespace detail

}  // namespace kd

#endif  // __EMSCRIPTEN__ && __wasm_simd128__
