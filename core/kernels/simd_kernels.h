// Internal: the element-wise, reduction, dot and vmath kernels, written once over a per-ISA
// vector layer, and the kernel table they make. Each SIMD .cpp instantiates simd_kernel_table
// with its layer and adds its gemm micro-tile, the one kernel written per ISA.
//
// A vector layer V (simd_wasm.h: 4 lanes of wasm SIMD128; simd_avx2.h: 8 lanes of AVX2)
// provides, on V::F (V::width floats) and V::I (as many int32):
//   load, store (unaligned), splat, add, sub, mul, div,
//   madd(a, b, c) = a·b + c (fused where the ISA has FMA, so it may differ in the last bit),
//   max, min, clamp(x, lo, hi) (NaN stays NaN), round (to nearest even), abs,
//   lt(a, b), eq(a, b) (lane masks) and select(mask, a, b),
//   isplat, iadd, isub, iand, ior, shl(i, bits), shr(i, bits) (logical) on int32 lanes,
//   bits_of(F) -> I and from_bits(I) -> F (bit casts), to_int (truncating) and to_float,
//   hsum and hmax (the sum and max of the lanes).
// Nothing else is per ISA: a new ISA is a layer, a gemm micro-tile and one table line.
#pragma once

#include <cstdint>

#include "kernels/kernels.h"
#include "kernels/vmath.h"

namespace kd::simd {

template <class V>
struct Add {
  static typename V::F vec(typename V::F a, typename V::F b) { return V::add(a, b); }
  static float one(float a, float b) { return a + b; }
};
template <class V>
struct Sub {
  static typename V::F vec(typename V::F a, typename V::F b) { return V::sub(a, b); }
  static float one(float a, float b) { return a - b; }
};
template <class V>
struct Mul {
  static typename V::F vec(typename V::F a, typename V::F b) { return V::mul(a, b); }
  static float one(float a, float b) { return a * b; }
};
template <class V>
struct Div {
  static typename V::F vec(typename V::F a, typename V::F b) { return V::div(a, b); }
  static float one(float a, float b) { return a / b; }
};

// The main loops handle 4 vectors per step (independent loads and operations to keep the
// units busy), then one vector, then one float at a time.
constexpr int64_t kUnroll = 4;

// The second operand of a binary op: an array (b[i]) or one value for every i (c).
template <class V>
struct ArrayOperand {
  const float* b;
  typename V::F vec(int64_t i) const { return V::load(b + i); }
  float one(int64_t i) const { return b[i]; }
};
template <class V>
struct SplatOperand {
  float c;
  typename V::F v;
  explicit SplatOperand(float value) : c(value), v(V::splat(value)) {}
  typename V::F vec(int64_t) const { return v; }
  float one(int64_t) const { return c; }
};

// out[i] = a[i] op b(i)
template <class V, template <class> class Op, class B>
void map_binary(int64_t n, const float* a, const B& b, float* out) {
  constexpr int64_t W = V::width;
  int64_t i = 0;
  for (; i + kUnroll * W <= n; i += kUnroll * W) {
    const typename V::F a0 = V::load(a + i), a1 = V::load(a + i + W), a2 = V::load(a + i + 2 * W),
                        a3 = V::load(a + i + 3 * W);
    V::store(out + i, Op<V>::vec(a0, b.vec(i)));
    V::store(out + i + W, Op<V>::vec(a1, b.vec(i + W)));
    V::store(out + i + 2 * W, Op<V>::vec(a2, b.vec(i + 2 * W)));
    V::store(out + i + 3 * W, Op<V>::vec(a3, b.vec(i + 3 * W)));
  }
  for (; i + W <= n; i += W) V::store(out + i, Op<V>::vec(V::load(a + i), b.vec(i)));
  for (; i < n; ++i) out[i] = Op<V>::one(a[i], b.one(i));
}

// out[i] = a[i] op b[i]
template <class V, template <class> class Op>
void f32_vbinary(int64_t n, const float* a, const float* b, float* out) {
  map_binary<V, Op>(n, a, ArrayOperand<V>{b}, out);
}

// out[i] = a[i] op c
template <class V, template <class> class Op>
void f32_vbinaryc(int64_t n, const float* a, float c, float* out) {
  map_binary<V, Op>(n, a, SplatOperand<V>(c), out);
}

// y[i] += alpha * x[i]
template <class V>
void f32_axpy(int64_t n, float alpha, const float* x, float* y) {
  constexpr int64_t W = V::width;
  const typename V::F va = V::splat(alpha);
  int64_t i = 0;
  for (; i + kUnroll * W <= n; i += kUnroll * W) {
    const typename V::F x0 = V::load(x + i), x1 = V::load(x + i + W), x2 = V::load(x + i + 2 * W),
                        x3 = V::load(x + i + 3 * W);
    V::store(y + i, V::madd(va, x0, V::load(y + i)));
    V::store(y + i + W, V::madd(va, x1, V::load(y + i + W)));
    V::store(y + i + 2 * W, V::madd(va, x2, V::load(y + i + 2 * W)));
    V::store(y + i + 3 * W, V::madd(va, x3, V::load(y + i + 3 * W)));
  }
  for (; i + W <= n; i += W) V::store(y + i, V::madd(va, V::load(x + i), V::load(y + i)));
  for (; i < n; ++i) y[i] += alpha * x[i];
}

// Σ of a term over i < n, with four accumulators in the main loop: reassociates, so rounding
// differs from the scalar left-to-right sum. Term gives vec(i, acc) (acc plus the terms of
// the vector at i) and one(i) (the term at i). Terms are structs, not lambdas: clang's target
// region of native_avx2.cpp applies to functions, and a lambda's body is not one.
template <class V, class Term>
float reduce_sum(int64_t n, const Term& term) {
  constexpr int64_t W = V::width;
  typename V::F s0 = V::splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
  int64_t i = 0;
  for (; i + kUnroll * W <= n; i += kUnroll * W) {
    s0 = term.vec(i, s0);
    s1 = term.vec(i + W, s1);
    s2 = term.vec(i + 2 * W, s2);
    s3 = term.vec(i + 3 * W, s3);
  }
  for (; i + W <= n; i += W) s0 = term.vec(i, s0);
  float s = V::hsum(V::add(V::add(s0, s1), V::add(s2, s3)));
  for (; i < n; ++i) s += term.one(i);
  return s;
}

template <class V>
struct SumTerm {
  const float* x;
  typename V::F vec(int64_t i, typename V::F acc) const { return V::add(acc, V::load(x + i)); }
  float one(int64_t i) const { return x[i]; }
};

template <class V>
struct DotTerm {
  const float* a;
  const float* b;
  typename V::F vec(int64_t i, typename V::F acc) const { return V::madd(V::load(a + i), V::load(b + i), acc); }
  float one(int64_t i) const { return a[i] * b[i]; }
};

template <class V>
float f32_sum(int64_t n, const float* x) {
  return reduce_sum<V>(n, SumTerm<V>{x});
}

template <class V>
float f32_dot(int64_t n, const float* a, const float* b) {
  return reduce_sum<V>(n, DotTerm<V>{a, b});
}

using GemmKernel = void (*)(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, bool transA,
                            const float* B, int64_t ldb, bool transB, float* C, int64_t ldc, float beta);

// The table of an ISA: everything from its layer V, plus its gemm.
template <class V>
constexpr KernelTable simd_kernel_table(const char* isa, GemmKernel gemm) {
  using M = vmath::Math<V>;
  return KernelTable{
      isa,
      f32_vbinary<V, Add>,
      f32_vbinary<V, Sub>,
      f32_vbinary<V, Mul>,
      f32_vbinary<V, Div>,
      f32_vbinaryc<V, Add>,
      f32_vbinaryc<V, Mul>,
      f32_axpy<V>,
      f32_sum<V>,
      f32_dot<V>,
      vmath::f32_vunary<V, M::exp>,
      vmath::f32_vunary<V, M::log>,
      vmath::f32_vunary<V, M::tanh>,
      vmath::f32_vunary<V, M::sigmoid>,
      vmath::f32_vunary<V, M::gelu>,
      vmath::f32_softmax<V>,
      vmath::f32_log_softmax<V>,
      vmath::f32_softmax_backward<V>,
      vmath::f32_log_softmax_backward<V>,
      gemm,
  };
}

}  // namespace kd::simd
