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

// ---- gemm: 4x8 tile, 8 accumulator vectors, B strip packed 8 wide ----
// The tile is sized for the register file V8 gives wasm on x64: 15 xmm registers (xmm15 is its
// scratch). 4x8 needs 8 accumulators, 2 B vectors, the broadcast A value and the product: 12,
// so the loop runs from registers. 4x16 (16 accumulators) spilled about half of its
// accumulators to the stack every k step and 6x8 (12) still spilled: in wasm, n = 256..1024,
// 4x8 ran at 40-42 GFLOPS on one thread where 4x16 ran at 27-28, 6x8 at 29-30 and 5x8 at 25-26.
// Unrolling the k loop was slower (25-32): clang hoists the later steps' loads, which V8 then
// spills.
struct Gemm4x8 {
  static constexpr int MR = 4, NR = 8;
  static void tile(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate) {
    v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00;
    v128_t c10 = c00, c11 = c00;
    v128_t c20 = c00, c21 = c00;
    v128_t c30 = c00, c31 = c00;
    for (int64_t k = 0; k < kc; ++k, a += MR, b += NR) {
      const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
      v128_t ak = wasm_v128_load32_splat(a);
      c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(ak, b0));
      c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(ak, b1));
      ak = wasm_v128_load32_splat(a + 1);
      c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(ak, b0));
      c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(ak, b1));
      ak = wasm_v128_load32_splat(a + 2);
      c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(ak, b0));
      c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(ak, b1));
      ak = wasm_v128_load32_splat(a + 3);
      c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(ak, b0));
      c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(ak, b1));
    }
    store_row(c, accumulate, c00, c01);
    store_row(c + ldc, accumulate, c10, c11);
    store_row(c + 2 * ldc, accumulate, c20, c21);
    store_row(c + 3 * ldc, accumulate, c30, c31);
  }
  static void store_row(float* c, bool accumulate, v128_t r0, v128_t r1) {
    if (accumulate) {
      r0 = wasm_f32x4_add(r0, wasm_v128_load(c));
      r1 = wasm_f32x4_add(r1, wasm_v128_load(c + 4));
    }
    wasm_v128_store(c, r0);
    wasm_v128_store(c + 4, r1);
  }
};

}  // namespace

namespace detail {
constexpr KernelTable wasmsimd_table = simd::simd_kernel_table<simd::WasmF32x4>("wasmsimd", gemm_blocked<Gemm4x8>);
}  // namespace detail

}  // namespace kd

#endif  // __EMSCRIPTEN__ && __wasm_simd128__
