// Element-wise math and softmax rows, written once over the vector layer V of simd_kernels.h
// (the layer's contract is there). The algorithms use only the layer, so each ISA gets the
// same code and the same results. The scalar reference
// (scalar.cpp) uses the C library; tests hold every table to it within float32 rounding (a
// few ulp).
//
// Accuracy (measured against double precision over wide ranges): exp and log within 2 ulp;
// tanh and sigmoid within 3e-7 absolute and a few ulp relative; gelu within 3e-7 absolute.
#pragma once

#include <cstdint>
#include <limits>

namespace kd::vmath {

template <class V>
struct Math {
  using F = typename V::F;

  // 2^n for whole n in [-126, 127]: n + 127 in the exponent field.
  static F pow2(F n) { return V::from_bits(V::shl(V::iadd(V::to_int(n), V::isplat(127)), 23)); }
  // The unbiased exponent e of a normal x, as a float.
  static F exponent(F x) {
    return V::to_float(V::isub(V::iand(V::shr(V::bits_of(x), 23), V::isplat(0xff)), V::isplat(127)));
  }
  // x / 2^e for a normal x, in [1, 2): x's mantissa under the exponent of 1.
  static F mantissa(F x) {
    return V::from_bits(V::ior(V::iand(V::bits_of(x), V::isplat(0x007fffff)), V::isplat(0x3f800000)));
  }

  // e^x: x = n·ln2 + r with |r| <= ln2/2, e^r by a degree-6 polynomial (Cephes' expf
  // coefficients), times 2^n built in two halves so that n may reach the ends of the float
  // range (e^x underflows to 0 below about -103.9 and overflows to inf above 88.72).
  static F exp(F x) {
    x = V::clamp(x, V::splat(-104.0f), V::splat(88.8f));
    const F n = V::round(V::mul(x, V::splat(1.44269504088896341f)));
    F r = V::sub(x, V::mul(n, V::splat(0.693359375f)));
    r = V::sub(r, V::mul(n, V::splat(-2.12194440e-4f)));
    F p = V::splat(1.9875691500e-4f);
    p = V::add(V::mul(p, r), V::splat(1.3981999507e-3f));
    p = V::add(V::mul(p, r), V::splat(8.3334519073e-3f));
    p = V::add(V::mul(p, r), V::splat(4.1665795894e-2f));
    p = V::add(V::mul(p, r), V::splat(1.6666665459e-1f));
    p = V::add(V::mul(p, r), V::splat(5.0000001201e-1f));
    p = V::add(V::add(V::mul(V::mul(p, r), r), r), V::splat(1.0f));
    const F half = V::round(V::mul(n, V::splat(0.5f)));  // n = half + (n - half), each within range
    return V::mul(V::mul(p, pow2(half)), pow2(V::sub(n, half)));
  }

  // log x: x = m·2^e with m in [sqrt(1/2), sqrt(2)), log(m) = f - f²/2 + f³·P(f) with
  // f = m - 1 (Cephes' logf coefficients). Subnormals are scaled by 2^23 first. log 0 = -inf,
  // log of a negative number is NaN, log inf = inf, NaN stays NaN.
  static F log(F x) {
    const F tiny = V::lt(x, V::splat(std::numeric_limits<float>::min()));
    const F scaled = V::select(tiny, V::mul(x, V::splat(8388608.0f)), x);
    F e = V::select(tiny, V::sub(exponent(scaled), V::splat(23.0f)), exponent(scaled));
    F m = mantissa(scaled);                                     // [1, 2)
    const F big = V::lt(V::splat(1.41421356237f), m);           // fold into [sqrt(1/2), sqrt(2))
    m = V::select(big, V::mul(m, V::splat(0.5f)), m);
    e = V::select(big, V::add(e, V::splat(1.0f)), e);
    const F f = V::sub(m, V::splat(1.0f));
    const F z = V::mul(f, f);
    F p = V::splat(7.0376836292e-2f);
    p = V::add(V::mul(p, f), V::splat(-1.1514610310e-1f));
    p = V::add(V::mul(p, f), V::splat(1.1676998740e-1f));
    p = V::add(V::mul(p, f), V::splat(-1.2420140846e-1f));
    p = V::add(V::mul(p, f), V::splat(1.4249322787e-1f));
    p = V::add(V::mul(p, f), V::splat(-1.6668057665e-1f));
    p = V::add(V::mul(p, f), V::splat(2.0000714765e-1f));
    p = V::add(V::mul(p, f), V::splat(-2.4999993993e-1f));
    p = V::add(V::mul(p, f), V::splat(3.3333331174e-1f));
    F y = V::mul(V::mul(p, f), z);
    y = V::add(y, V::mul(e, V::splat(-2.12194440e-4f)));
    y = V::sub(y, V::mul(z, V::splat(0.5f)));
    F result = V::add(V::add(f, y), V::mul(e, V::splat(0.693359375f)));
    const float inf = std::numeric_limits<float>::infinity();
    result = V::select(V::eq(x, V::splat(0.0f)), V::splat(-inf), result);
    result = V::select(V::lt(x, V::splat(0.0f)), V::splat(std::numeric_limits<float>::quiet_NaN()), result);
    result = V::select(V::eq(x, V::splat(inf)), x, result);
    return V::select(V::eq(x, x), result, x);  // NaN in, NaN out
  }

  // tanh x: an odd polynomial below |x| = 0.625 (Cephes' tanhf coefficients), where
  // 1 - 2/(e^2|x| + 1) would lose relative accuracy; that formula above, with x's sign.
  static F tanh(F x) {
    const F ax = V::abs(x);
    const F z = V::mul(x, x);
    F p = V::splat(-5.70498872745e-3f);
    p = V::add(V::mul(p, z), V::splat(2.06390887954e-2f));
    p = V::add(V::mul(p, z), V::splat(-5.37397155531e-2f));
    p = V::add(V::mul(p, z), V::splat(1.33314422036e-1f));
    p = V::add(V::mul(p, z), V::splat(-3.33332819422e-1f));
    const F small = V::add(V::mul(V::mul(p, z), x), x);
    const F one = V::splat(1.0f);
    const F large_abs = V::sub(one, V::div(V::splat(2.0f), V::add(exp(V::add(ax, ax)), one)));
    const F large = V::select(V::lt(x, V::splat(0.0f)), V::sub(V::splat(0.0f), large_abs), large_abs);
    return V::select(V::lt(ax, V::splat(0.625f)), small, large);
  }

  // 1 / (1 + e^-x)
  static F sigmoid(F x) {
    const F one = V::splat(1.0f);
    return V::div(one, V::add(one, exp(V::sub(V::splat(0.0f), x))));
  }

  // The exact GELU, x·Φ(x) = x/2 · (1 + erf(x/√2)). erf by Abramowitz & Stegun 7.1.26
  // (|error| <= 1.5e-7): 1 - erf(a) = q(t)·e^(-a²), t = 1/(1 + 0.3275911·a), a = |x|/√2. Using
  // q directly for negative x (x/2 · q·e^(-a²)) avoids the cancellation of 1 + erf there.
  static F gelu(F x) {
    const F a = V::mul(V::abs(x), V::splat(0.70710678118654752f));
    const F one = V::splat(1.0f);
    const F t = V::div(one, V::add(one, V::mul(a, V::splat(0.3275911f))));
    F q = V::splat(1.061405429f);
    q = V::add(V::mul(q, t), V::splat(-1.453152027f));
    q = V::add(V::mul(q, t), V::splat(1.421413741f));
    q = V::add(V::mul(q, t), V::splat(-0.284496736f));
    q = V::add(V::mul(q, t), V::splat(0.254829592f));
    const F tail = V::mul(V::mul(q, t), exp(V::sub(V::splat(0.0f), V::mul(a, a))));  // 1 - erf(a)
    const F half_x = V::mul(x, V::splat(0.5f));
    const F cdf2 = V::select(V::lt(x, V::splat(0.0f)), tail, V::sub(V::splat(2.0f), tail));  // 2·Φ(x)
    return V::select(V::eq(x, x), V::mul(half_x, cdf2), x);
  }
};

// A partial vector at the end of a row: copied into a full one padded with `fill`, so the
// tail goes through the same code as the body and gets the same values.
template <class V>
typename V::F load_partial(const float* p, int64_t n, float fill) {
  alignas(32) float buf[V::width];
  for (int64_t i = 0; i < V::width; ++i) buf[i] = i < n ? p[i] : fill;
  return V::load(buf);
}
template <class V>
void store_partial(float* p, int64_t n, typename V::F v) {
  alignas(32) float buf[V::width];
  V::store(buf, v);
  for (int64_t i = 0; i < n; ++i) p[i] = buf[i];
}

// out[i] = Fn(x[i]); out may alias x.
template <class V, typename V::F (*Fn)(typename V::F)>
void f32_vunary(int64_t n, const float* x, float* out) {
  int64_t i = 0;
  for (; i + 2 * V::width <= n; i += 2 * V::width) {
    const typename V::F a = V::load(x + i), b = V::load(x + i + V::width);
    V::store(out + i, Fn(a));
    V::store(out + i + V::width, Fn(b));
  }
  for (; i + V::width <= n; i += V::width) V::store(out + i, Fn(V::load(x + i)));
  if (i < n) store_partial<V>(out + i, n - i, Fn(load_partial<V>(x + i, n - i, 0.0f)));
}

template <class V>
float row_max(int64_t n, const float* x) {
  const float ninf = -std::numeric_limits<float>::infinity();
  typename V::F m = V::splat(ninf);
  int64_t i = 0;
  for (; i + V::width <= n; i += V::width) m = V::max(m, V::load(x + i));
  if (i < n) m = V::max(m, load_partial<V>(x + i, n - i, ninf));
  return V::hmax(m);
}

// Σ e^(x[i] - shift); also stores the terms in out when out is not null.
template <class V>
float row_sum_exp(int64_t n, const float* x, float shift, float* out) {
  const typename V::F s = V::splat(shift);
  typename V::F acc = V::splat(0.0f);
  int64_t i = 0;
  for (; i + V::width <= n; i += V::width) {
    const typename V::F e = Math<V>::exp(V::sub(V::load(x + i), s));
    if (out) V::store(out + i, e);
    acc = V::add(acc, e);
  }
  if (i < n) {
    const typename V::F e = Math<V>::exp(V::sub(load_partial<V>(x + i, n - i, -std::numeric_limits<float>::infinity()), s));
    if (out) store_partial<V>(out + i, n - i, e);
    acc = V::add(acc, e);
  }
  return V::hsum(acc);
}

// The shift of a softmax row: its max, or 0 for a row of -inf (then the result is NaN, as in
// PyTorch, instead of inf - inf everywhere).
template <class V>
float softmax_shift(int64_t n, const float* x) {
  const float max = row_max<V>(n, x);
  return max == -std::numeric_limits<float>::infinity() ? 0.0f : max;
}

// out = softmax(x) over one row of n values.
template <class V>
void f32_softmax(int64_t n, const float* x, float* out) {
  const float total = row_sum_exp<V>(n, x, softmax_shift<V>(n, x), out);
  const typename V::F scale = V::splat(1.0f / total);
  int64_t i = 0;
  for (; i + V::width <= n; i += V::width) V::store(out + i, V::mul(V::load(out + i), scale));
  for (; i < n; ++i) out[i] *= 1.0f / total;
}

// out = log_softmax(x) = (x - max) - log Σ e^(x - max) over one row.
template <class V>
void f32_log_softmax(int64_t n, const float* x, float* out) {
  const float shift = softmax_shift<V>(n, x);
  const float total = row_sum_exp<V>(n, x, shift, nullptr);
  // (x - shift) - log Σ: adding the small log to a large shift first would round it away.
  const typename V::F s = V::splat(shift);
  const typename V::F log_total = Math<V>::log(V::splat(total));
  int64_t i = 0;
  for (; i + V::width <= n; i += V::width) V::store(out + i, V::sub(V::sub(V::load(x + i), s), log_total));
  if (i < n) store_partial<V>(out + i, n - i, V::sub(V::sub(load_partial<V>(x + i, n - i, 0.0f), s), log_total));
}

// Softmax backward over one row: dx = y · (g - Σ g·y).
template <class V>
void f32_softmax_backward(int64_t n, const float* y, const float* g, float* dx) {
  typename V::F acc = V::splat(0.0f);
  int64_t i = 0;
  for (; i + V::width <= n; i += V::width) acc = V::add(acc, V::mul(V::load(g + i), V::load(y + i)));
  float dot = V::hsum(acc);
  for (; i < n; ++i) dot += g[i] * y[i];
  const typename V::F s = V::splat(dot);
  i = 0;
  for (; i + V::width <= n; i += V::width) V::store(dx + i, V::mul(V::load(y + i), V::sub(V::load(g + i), s)));
  for (; i < n; ++i) dx[i] = y[i] * (g[i] - dot);
}

// Log-softmax backward over one row: dx = g - e^y · Σ g.
template <class V>
void f32_log_softmax_backward(int64_t n, const float* y, const float* g, float* dx) {
  typename V::F acc = V::splat(0.0f);
  int64_t i = 0;
  for (; i + V::width <= n; i += V::width) acc = V::add(acc, V::load(g + i));
  float total = V::hsum(acc);
  for (; i < n; ++i) total += g[i];
  const typename V::F s = V::splat(total);
  i = 0;
  for (; i + V::width <= n; i += V::width)
    V::store(dx + i, V::sub(V::load(g + i), V::mul(Math<V>::exp(V::load(y + i)), s)));
  if (i < n) {
    const typename V::F e = Math<V>::exp(load_partial<V>(y + i, n - i, 0.0f));
    store_partial<V>(dx + i, n - i, V::sub(load_partial<V>(g + i, n - i, 0.0f), V::mul(e, s)));
  }
}

}  // namespace kd::vmath
