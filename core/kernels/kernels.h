// The kernel table: every float32 inner loop the ops need, once per instruction set.
//
// Names follow XNNPACK: datatype, op. Each table holds one implementation per op; scalar.cpp
// is the plain reference (the oracle the tests compare the others with), wasm_simd.cpp the
// 128-bit wasm SIMD one, native_avx2.cpp the x86 AVX2+FMA one; the SIMD tables share every
// kernel but the gemm micro-tile (simd_kernels.h). kernels() picks one: at compile time under
// Emscripten, by cpuid natively.
//
// Conventions for every kernel:
// - n, M, N, K >= 0 (0 does nothing); pointers may be null only when their length is 0.
// - Elementwise outputs may alias an input exactly (out == a), but must not partially overlap.
// - f32_sum and f32_dot may reassociate the additions (several accumulators, tree reduction),
//   so they differ from the scalar left-to-right loop by rounding only.
// - f32_gemm: C[M,N] = beta * C + op(A)[M,K] @ op(B)[K,N], row-major.
//     transA == false: A is [M,K] with row stride lda; true: A is stored [K,M] (stride lda).
//     transB == false: B is [K,N] with row stride ldb; true: B is stored [N,K] (stride ldb).
//     C is [M,N] with row stride ldc. beta == 0 overwrites C without reading it (old NaNs
//     vanish); beta == 1 accumulates; other values scale C first.
//   C must not overlap A or B. Large products are split over the thread pool (grain_for).
// - f32_vexp .. f32_vgelu: out[i] = f(x[i]), out may alias x. The scalar reference calls the C
//   library; the vector tables use the polynomials of vmath.h (within a few ulp of it).
// - f32_softmax / f32_log_softmax: one row of n values, out must not overlap x; a row of all
//   -inf gives NaN. The *_backward ones take the forward's output y and the gradient g of one
//   row: softmax dx = y·(g - Σ g·y), log-softmax dx = g - e^y·Σ g.
#pragma once

#include <cstdint>
#include <vector>

namespace kd {

struct KernelTable {
  const char* isa;  // "scalar", "wasmsimd", "avx2"

  // out[i] = a[i] op b[i]
  void (*f32_vadd)(int64_t n, const float* a, const float* b, float* out);
  void (*f32_vsub)(int64_t n, const float* a, const float* b, float* out);
  void (*f32_vmul)(int64_t n, const float* a, const float* b, float* out);
  void (*f32_vdiv)(int64_t n, const float* a, const float* b, float* out);
  // out[i] = a[i] op c
  void (*f32_vaddc)(int64_t n, const float* a, float c, float* out);
  void (*f32_vmulc)(int64_t n, const float* a, float c, float* out);
  // y[i] += alpha * x[i]
  void (*f32_axpy)(int64_t n, float alpha, const float* x, float* y);
  // sum of x[i]; sum of a[i] * b[i]
  float (*f32_sum)(int64_t n, const float* x);
  float (*f32_dot)(int64_t n, const float* a, const float* b);
  // out[i] = f(x[i]): e^x, log x, tanh x, 1/(1+e^-x), x·Φ(x) (the exact GELU)
  void (*f32_vexp)(int64_t n, const float* x, float* out);
  void (*f32_vlog)(int64_t n, const float* x, float* out);
  void (*f32_vtanh)(int64_t n, const float* x, float* out);
  void (*f32_vsigmoid)(int64_t n, const float* x, float* out);
  void (*f32_vgelu)(int64_t n, const float* x, float* out);
  // one row: forward (out from x) and backward (dx from y and g), see above
  void (*f32_softmax)(int64_t n, const float* x, float* out);
  void (*f32_log_softmax)(int64_t n, const float* x, float* out);
  void (*f32_softmax_backward)(int64_t n, const float* y, const float* g, float* dx);
  void (*f32_log_softmax_backward)(int64_t n, const float* y, const float* g, float* dx);
  // C = beta * C + op(A) @ op(B), see above
  void (*f32_gemm)(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, bool transA,
                   const float* B, int64_t ldb, bool transB, float* C, int64_t ldc, float beta);
};

// The active table: wasmsimd under Emscripten, avx2 natively when the CPU has AVX2 and FMA,
// scalar otherwise.
const KernelTable& kernels();

// The reference loops.
const KernelTable& scalar_kernels();

// Every table this machine can run, scalar first (for tests and benchmarks).
std::vector<const KernelTable*> all_kernel_tables();

}  // namespace kd
