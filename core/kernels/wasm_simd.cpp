// The wasm SIMD128 table: the kernels of simd_kernels.h over the 4-lane layer of simd_wasm.h,
// and the gemm micro-tile. Only compiled under Emscripten; -msimd128 is on for the whole core
// there.
#if defined(__EMSCRIPTEN__) && defined(__wasm_simd128__)

#include "kernels/gemm_blocked.h"
#include "kernels/isa_tables.h"
#include "kernels/simd_kernels.h"
#include "kernels/simd_wasm.h"

namespace kd {
namespace {

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

}  // namespace

namespace detail {
constexpr KernelTable wasmsimd_table = simd::simd_kernel_table<simd::WasmF32x4>("wasmsimd", gemm_blocked<Gemm4x16>);
}  // namespace detail

}  // namespace kd

#endif  // __EMSCRIPTEN__ && __wasm_simd128__
