// Element-wise ops with broadcasting. Each op's forward (a scalar function mapped over the
// operands) stands next to its backward rule.
#include "ops/pointwise.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "autograd/grad_mode.h"
#include "autograd/rule.h"
#include "kernels/kernels.h"
#include "ops/ops.h"
#include "parallel/thread_pool.h"

namespace kd {

DType promote_types(DType a, DType b) {
  if (a == DType::Float32 || b == DType::Float32) return DType::Float32;
  if (a == DType::Int64 || b == DType::Int64) return DType::Int64;
  return DType::Bool;
}

void check_subtraction_operands(const Tensor& a, const Tensor& b) {
  KD_CHECK(!(a.dtype() == DType::Bool && b.dtype() == DType::Bool), TypeError,
           "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.");
  KD_CHECK(a.dtype() != DType::Bool && b.dtype() != DType::Bool, TypeError,
           "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
}

namespace {

// One element converted. float -> int64 of NaN, an infinity or a value outside int64's range is
// undefined behaviour in C++; it gives INT64_MIN here, what PyTorch gives on x86 (cvttss2si's
// "integer indefinite") and what a wasm build gives without the non-trapping conversions.
template <typename D, typename S>
D convert(S value) {
  if constexpr (std::is_same_v<D, int64_t> && std::is_same_v<S, float>) {
    // 2^63 is exact in float; every float below it (and at or above -2^63) converts exactly.
    if (!(value >= -9223372036854775808.0f && value < 9223372036854775808.0f)) return std::numeric_limits<int64_t>::min();
  }
  return static_cast<D>(value);
}

template <typename D, typename S>
void copy_typed(const Tensor& dst, const Tensor& src) {
  D* d = dst.data<D>();
  const S* s = src.data<S>();
  for_each_row<2>(dst.shape(), {dst.strides(), broadcast_strides(src, dst.shape())},
                  [&](const std::array<int64_t, 2>& off, const std::array<int64_t, 2>& st, int64_t n) {
                    for (int64_t k = 0; k < n; ++k) d[off[0] + k * st[0]] = convert<D, S>(s[off[1] + k * st[1]]);
                  });
}

template <typename D>
void copy_from(const Tensor& dst, const Tensor& src) {
  switch (src.dtype()) {
    case DType::Float32: copy_typed<D, float>(dst, src); break;
    case DType::Int64: copy_typed<D, int64_t>(dst, src); break;
    case DType::Bool: copy_typed<D, bool>(dst, src); break;
  }
}

// Maps f over a and b broadcast together; T is the compute type, R the result type.
template <typename T, typename R, typename F>
Tensor map_binary(const Tensor& a, const Tensor& b, const Shape& shape, F f) {
  Tensor out = Tensor::make(shape, dtype_of<R>::value);
  R* o = out.data<R>();
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  for_each_row<3>(shape, {out.strides(), broadcast_strides(a, shape), broadcast_strides(b, shape)},
                  [&](const std::array<int64_t, 3>& off, const std::array<int64_t, 3>& st, int64_t n) {
                    R* orow = o + off[0];
                    const T* arow = pa + off[1];
                    const T* brow = pb + off[2];
                    for (int64_t k = 0; k < n; ++k) orow[k] = f(arow[k * st[1]], brow[k * st[2]]);
                  });
  return out;
}

template <typename T, typename R, typename F>
Tensor map_unary(const Tensor& a, F f) {
  Tensor out = Tensor::make(a.shape(), dtype_of<R>::value);
  R* o = out.data<R>();
  const T* pa = a.data<T>();
  for_each_row<2>(a.shape(), {out.strides(), a.strides()},
                  [&](const std::array<int64_t, 2>& off, const std::array<int64_t, 2>& st, int64_t n) {
                    for (int64_t k = 0; k < n; ++k) o[off[0] + k] = f(pa[off[1] + k * st[1]]);
                  });
  return out;
}

Tensor as_dtype(const Tensor& t, DType d) { return t.dtype() == d ? t : to_dtype(t, d); }

enum class Arith { Add, Sub, Mul, Div };

// The values of a (op) alpha*b, computed without recording history.
Tensor arith_values(Arith op, const Tensor& a, const Tensor& b, double alpha, const char* name) {
  Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  DType type = op == Arith::Div ? DType::Float32 : promote_types(a.dtype(), b.dtype());
  if (op == Arith::Sub) check_subtraction_operands(a, b);
  if (type == DType::Float32) {
    Tensor fa = as_dtype(a, type), fb = as_dtype(b, type);
    const float s = static_cast<float>(alpha);
    // Contiguous operands of one shape go to the SIMD kernels.
    if (fa.is_contiguous() && fb.is_contiguous() && fa.shape() == shape && fb.shape() == shape && alpha == 1) {
      Tensor out = Tensor::make(shape, DType::Float32);
      const KernelTable& k = kernels();
      auto fn = op == Arith::Add ? k.f32_vadd : op == Arith::Sub ? k.f32_vsub : op == Arith::Mul ? k.f32_vmul : k.f32_vdiv;
      const float *pa = fa.data<float>(), *pb = fb.data<float>();
      float* po = out.data<float>();
      parallel_for(out.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) { fn(end - begin, pa + begin, pb + begin, po + begin); });
      return out;
    }
    switch (op) {
      case Arith::Add: return map_binary<float, float>(fa, fb, shape, [s](float x, float y) { return x + s * y; });
      case Arith::Sub: return map_binary<float, float>(fa, fb, shape, [s](float x, float y) { return x - s * y; });
      case Arith::Mul: return map_binary<float, float>(fa, fb, shape, [](float x, float y) { return x * y; });
      case Arith::Div: return map_binary<float, float>(fa, fb, shape, [](float x, float y) { return x / y; });
    }
  }
  // Integer (and bool, computed as integers) arithmetic.
  KD_CHECK(alpha == std::trunc(alpha), TypeError,
           "For integral input tensors, argument alpha must not be a floating point number.");
  Tensor ia = as_dtype(a, DType::Int64), ib = as_dtype(b, DType::Int64);
  const int64_t s = static_cast<int64_t>(alpha);
  Tensor out;
  switch (op) {
    case Arith::Add: out = map_binary<int64_t, int64_t>(ia, ib, shape, [s](int64_t x, int64_t y) { return x + s * y; }); break;
    case Arith::Sub: out = map_binary<int64_t, int64_t>(ia, ib, shape, [s](int64_t x, int64_t y) { return x - s * y; }); break;
    case Arith::Mul: out = map_binary<int64_t, int64_t>(ia, ib, shape, [](int64_t x, int64_t y) { return x * y; }); break;
    case Arith::Div: break;  // always float, handled above
  }
  return type == DType::Bool ? to_dtype(out, DType::Bool) : out;
}

// ---- float unary ops ----
using UnaryKernel = void (*)(int64_t, const float*, float*);

// A contiguous input goes to the kernel table's vector loop (when the op has one), shared out
// over the pool in chunks big enough to pay for a thread; a strided one to f, a functor the
// compiler inlines into the loop.
template <typename F>
Tensor float_unary(const Tensor& t, const char* op, UnaryKernel KernelTable::*kernel, F f) {
  KD_CHECK(t.dtype() == DType::Float32, TypeError, op, ": expected a float32 tensor but got ", dtype_name(t.dtype()));
  if (kernel == nullptr || !t.is_contiguous()) return map_unary<float, float>(t, f);
  Tensor out = Tensor::make(t.shape(), DType::Float32);
  const UnaryKernel fn = kernels().*kernel;
  const float* in = t.data<float>();
  float* o = out.data<float>();
  parallel_for(out.numel(), kElementwiseGrain, [&](int64_t begin, int64_t end) { fn(end - begin, in + begin, o + begin); });
  return out;
}

}  // namespace

void copy_values(const Tensor& dst, const Tensor& src) {
  broadcast_shapes(dst.shape(), src.shape(), "copy_");
  KD_CHECK(src.dim() <= dst.dim() && broadcast_shapes(dst.shape(), src.shape(), "copy_") == dst.shape(), ShapeError,
           "output with shape ", shape_str(dst.shape()), " doesn't match the broadcast shape ",
           shape_str(broadcast_shapes(dst.shape(), src.shape(), "copy_")));
  switch (dst.dtype()) {
    case DType::Float32: copy_from<float>(dst, src); break;
    case DType::Int64: copy_from<int64_t>(dst, src); break;
    case DType::Bool: copy_from<bool>(dst, src); break;
  }
}

// ---- arithmetic ----

Tensor add(const Tensor& a, const Tensor& b, double alpha) {
  Tensor out = arith_values(Arith::Add, a, b, alpha, "add");
  record_rule("AddBackward0", [](const RuleBackward& n, const Tensor& g, const TensorList&) {
    return TensorList{g, n.scalar == 1 ? g : g.mul(n.scalar)};
  }, {a, b}, out, {}, false, alpha);
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b, double alpha) {
  Tensor out = arith_values(Arith::Sub, a, b, alpha, "sub");
  record_rule("SubBackward0", [](const RuleBackward& n, const Tensor& g, const TensorList&) {
    return TensorList{g, g.mul(-n.scalar)};
  }, {a, b}, out, {}, false, alpha);
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = arith_values(Arith::Mul, a, b, 1, "mul");
  record_rule("MulBackward0", [](const RuleBackward& n, const Tensor& g, const TensorList& s) {
    return TensorList{n.needs_grad(0) ? g.mul(s[1]) : Tensor(), n.needs_grad(1) ? g.mul(s[0]) : Tensor()};
  }, {a, b}, out, {a, b});
  return out;
}

// Multiplying by a Python number saves nothing for backward (the number is kept in the
// node), so a second backward through it needs no retain_graph, as in PyTorch.
Tensor mul(const Tensor& a, Scalar b) {
  Tensor out = arith_values(Arith::Mul, a, wrapped_scalar(a, b), 1, "mul");
  record_rule("MulBackward0", [](const RuleBackward& n, const Tensor& g, const TensorList&) {
    return TensorList{g.mul(n.scalar)};
  }, {a}, out, {}, false, b.to_double());
  return out;
}

Tensor div(const Tensor& a, Scalar b) {
  Tensor out = arith_values(Arith::Div, a, wrapped_scalar(a, b), 1, "div");
  record_rule("DivBackward0", [](const RuleBackward& n, const Tensor& g, const TensorList&) {
    return TensorList{g.div(n.scalar)};
  }, {a}, out, {}, false, b.to_double());
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = arith_values(Arith::Div, a, b, 1, "div");
  // d(a/b)/da = 1/b, d(a/b)/db = -a/b².
  record_rule("DivBackward0", [](const RuleBackward& n, const Tensor& g, const TensorList& s) {
    return TensorList{n.needs_grad(0) ? g.div(s[1]) : Tensor(),
                               n.needs_grad(1) ? g.neg().mul(s[0]).div(s[1].mul(s[1])) : Tensor()};
  }, {a, b}, out, {a, b});
  return out;
}

Tensor neg(const Tensor& t) {
  KD_CHECK(t.dtype() != DType::Bool, TypeError,
           "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
  Tensor out = t.dtype() == DType::Float32 ? map_unary<float, float>(t, [](float x) { return -x; })
                                           : map_unary<int64_t, int64_t>(t, [](int64_t x) { return -x; });
  record_rule("NegBackward0", [](const RuleBackward&, const Tensor& g, const TensorList&) {
    return TensorList{g.neg()};
  }, {t}, out, {});
  return out;
}

Tensor pow(const Tensor& base, Scalar exponent_scalar) {
  const double exponent = exponent_scalar.to_double();
  Tensor out;
  if (base.dtype() != DType::Float32 && exponent_scalar.is_integral()) {
    const int64_t e = exponent_scalar.to_int64();
    KD_CHECK(e >= 0, RuntimeError, "Integers to negative integer powers are not allowed.");
    out = map_unary<int64_t, int64_t>(as_dtype(base, DType::Int64), [e](int64_t x) {
      // Square-and-multiply in unsigned arithmetic: wraps on overflow as torch's int64 pow does.
      uint64_t result = 1, b = static_cast<uint64_t>(x);
      for (int64_t k = e; k > 0; k >>= 1, b *= b) {
        if (k & 1) result *= b;
      }
      return static_cast<int64_t>(result);
    });
  } else {
    Tensor fb = as_dtype(base, DType::Float32);
    const float e = static_cast<float>(exponent);
    out = e == 2 ? map_unary<float, float>(fb, [](float x) { return x * x; })
                 : map_unary<float, float>(fb, [e](float x) { return std::pow(x, e); });
  }
  // d(x^e)/dx = e·x^(e-1); zero for e == 0 (PyTorch's choice, also at x == 0).
  record_rule("PowBackward0", [](const RuleBackward& n, const Tensor& g, const TensorList& s) {
    if (n.scalar == 0) return TensorList{zeros_like(g)};
    return TensorList{g.mul(pow(s[0], n.scalar - 1).mul(n.scalar))};
  }, {base}, out, {base}, false, exponent);
  return out;
}

Tensor square(const Tensor& t) { return pow(t, 2); }

Tensor pow(const Tensor& base, const Tensor& exponent) {
  Shape shape = broadcast_shapes(base.shape(), exponent.shape(), "pow");
  Tensor out = map_binary<float, float>(as_dtype(base, DType::Float32), as_dtype(exponent, DType::Float32), shape,
                                        [](float x, float y) { return std::pow(x, y); });
  // d/dbase = e·b^(e-1), taken as 0 where e == 0 (else 0·0^-1 would give nan at b == 0);
  // d/dexp = b^e·log(b), taken as 0 where b == 0 and e >= 0. Both as PyTorch's pow_backward.
  record_rule("PowBackward1", [](const RuleBackward& n, const Tensor& g, const TensorList& s) {
    const Tensor &b = s[0], &e = s[1], &out = s[2];
    Tensor gb, ge;
    if (n.needs_grad(0)) gb = where(e.eq(0.0), zeros_like(g), g.mul(e.mul(pow(b, e.sub(1.0)))));
    if (n.needs_grad(1)) {
      Tensor zero_case = b.eq(0.0).mul(e.ge(0.0));
      ge = where(zero_case, zeros_like(g), g.mul(out.mul(b.log())));
    }
    return TensorList{gb, ge};
  }, {base, exponent}, out, {base, exponent, out}, true);
  return out;
}

Tensor exp(const Tensor& t) {
  Tensor out = float_unary(t, "exp", &KernelTable::f32_vexp, [](float x) { return std::exp(x); });
  record_rule("ExpBackward0", [](const RuleBackward&, const Tensor& g, const TensorList& s) {
    return TensorList{g.mul(s[0])};
  }, {t}, out, {out}, true);
  return out;
}

Tensor log(const Tensor& t) {
  Tensor out = float_unary(as_dtype(t, DType::Float32), "log", &KernelTable::f32_vlog, [](float x) { return std::log(x); });
  record_rule("LogBackward0", [](const RuleBackward&, const Tensor& g, const TensorList& s) {
    return TensorList{g.div(s[0])};
  }, {t}, out, {t});
  return out;
}

Tensor sqrt(const Tensor& t) {
  Tensor out = float_unary(as_dtype(t, DType::Float32), "sqrt", nullptr, [](float x) { return std::sqrt(x); });
  record_rule("SqrtBackward0", [](const RuleBackward&, const Tensor& g, const TensorList& s) {
    return TensorList{g.div(s[0].mul(2.0))};
  }, {t}, out, {out}, true);
  return out;
}

Tensor abs(const Tensor& t) {
  KD_CHECK(t.dtype() != DType::Bool, TypeError, "abs: not implemented for bool tensors");
  Tensor out = t.dtype() == DType::Float32 ? map_unary<float, float>(t, [](float x) { return std::fabs(x); })
                                           : map_unary<int64_t, int64_t>(t, [](int64_t x) { return x < 0 ? -x : x; });
  // The gradient is sign(x), with sign(0) = 0.
  record_rule("AbsBackward0", [](const RuleBackward&, const Tensor& g, const TensorList& s) {
    Tensor sign = map_unary<float, float>(s[0], [](float x) { return x > 0 ? 1.0f : x < 0 ? -1.0f : 0.0f; });
    return TensorList{g.mul(sign)};
  }, {t}, out, {t});
  return out;
}

Tensor clamp(const Tensor& t, std::optional<double> min, std::optional<double> max) {
  KD_CHECK(min || max, ValueError, "torch.clamp: At least one of 'min' or 'max' must not be None");
  KD_CHECK(t.dtype() != DType::Bool, TypeError, "clamp is not supported for bool tensors");
  Tensor out;
  if (t.dtype() == DType::Float32) {
    float lo = min ? static_cast<float>(*min) : -INFINITY, hi = max ? static_cast<float>(*max) : INFINITY;
    // As PyTorch: min is applied first, then max (so min > max gives max everywhere); NaN stays NaN.
    out = map_unary<float, float>(t, [lo, hi](float x) { return std::isnan(x) ? x : std::min(std::max(x, lo), hi); });
  } else {
    int64_t lo = min ? static_cast<int64_t>(*min) : INT64_MIN, hi = max ? static_cast<int64_t>(*max) : INT64_MAX;
    out = map_unary<int64_t, int64_t>(t, [lo, hi](int64_t x) { return std::min(std::max(x, lo), hi); });
  }
  // The gradient passes where min <= x <= max (bounds included, as PyTorch's clamp_backward).
  auto node_scalar_lo = min ? *min : -INFINITY;
  auto node_scalar_hi = max ? *max : INFINITY;
  if (any_requires_grad({&t})) {
    Tensor pass = t.ge(node_scalar_lo).mul(t.le(node_scalar_hi));  // bool mask, evaluated now
    record_rule("ClampBackward1", [](const RuleBackward&, const Tensor& g, const TensorList& s) {
      return TensorList{g.mul(s[0])};
    }, {t}, out, {pass});
  }
  return out;
}

Tensor tanh(const Tensor& t) {
  Tensor out = float_unary(t, "tanh", &KernelTable::f32_vtanh, [](float x) { return std::tanh(x); });
  // g·(1 - y²): one fused map, or recorded ops in a backward with create_graph.
  record_rule("TanhBackward0", [](const RuleBackward&, const Tensor& g, const TensorList& s) {
    if (GradMode::is_enabled()) return TensorList{g.mul(1.0 - s[0].mul(s[0]))};
    return TensorList{map_binary<float, float>(g, s[0], g.shape(), [](float gv, float y) { return gv * (1.0f - y * y); })};
  }, {t}, out, {out}, true);
  return out;
}

Tensor sigmoid(const Tensor& t) {
  Tensor out = float_unary(t, "sigmoid", &KernelTable::f32_vsigmoid, [](float x) { return 1.0f / (1.0f + std::exp(-x)); });
  // g·y(1 - y): one fused map, or recorded ops in a backward with create_graph.
  record_rule("SigmoidBackward0", [](const RuleBackward&, const Tensor& g, const TensorList& s) {
    if (GradMode::is_enabled()) return TensorList{g.mul(s[0].mul(1.0 - s[0]))};
    return TensorList{map_binary<float, float>(g, s[0], g.shape(), [](float gv, float y) { return gv * (y * (1.0f - y)); })};
  }, {t}, out, {out}, true);
  return out;
}

Tensor relu(const Tensor& t) {
  KD_CHECK(t.dtype() != DType::Bool, TypeError, "relu: not implemented for bool tensors");
  if (t.dtype() == DType::Int64) return map_unary<int64_t, int64_t>(t, [](int64_t x) { return x > 0 ? x : 0; });
  Tensor out = map_unary<float, float>(t, [](float x) { return x > 0 ? x : 0.0f; });
  // Gradient 1 where the output is positive, 0 at and below zero (as PyTorch's threshold_backward).
  // One fused map, or recorded ops in a backward with create_graph.
  record_rule("ReluBackward0", [](const RuleBackward&, const Tensor& g, const TensorList& s) {
    if (GradMode::is_enabled()) return TensorList{g.mul(s[0].gt(0.0))};
    return TensorList{map_binary<float, float>(g, s[0], g.shape(), [](float gv, float y) { return gv * (y > 0 ? 1.0f : 0.0f); })};
  }, {t}, out, {out}, true);
  return out;
}

namespace {
// Φ(x), the standard normal CDF, as an op of its own: gelu's derivative is Φ(x) + x·φ(x), and
// a backward with create_graph needs it differentiable (dΦ/dx = φ(x), itself made of ops).
Tensor normal_pdf(const Tensor& x) { return x.mul(x).mul(-0.5).exp().mul(0.3989422804014327); }

Tensor normal_cdf(const Tensor& t) {
  Tensor out = map_unary<float, float>(t, [](float x) { return 0.5f * (1.0f + std::erf(x * 0.70710678118654752f)); });
  record_rule("NormalCdfBackward", [](const RuleBackward&, const Tensor& g, const TensorList& s) {
    return TensorList{g.mul(normal_pdf(s[0]))};
  }, {t}, out, {t});
  return out;
}
}  // namespace

Tensor gelu(const Tensor& t) {
  // The exact form, x·Φ(x), PyTorch's default (approximate='none').
  Tensor out = float_unary(t, "gelu", &KernelTable::f32_vgelu,
                           [](float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); });
  // d gelu/dx = Φ(x) + x·φ(x): one fused map, or recorded ops in a backward with create_graph.
  record_rule("GeluBackward0", [](const RuleBackward&, const Tensor& g, const TensorList& s) {
    const Tensor& x = s[0];
    if (GradMode::is_enabled()) return TensorList{g.mul(normal_cdf(x).add(x.mul(normal_pdf(x))))};
    Tensor d = map_unary<float, float>(x, [](float v) {
      float cdf = 0.5f * (1.0f + std::erf(v * 0.70710678118654752f));
      float pdf = 0.3989422804014327f * std::exp(-0.5f * v * v);
      return cdf + v * pdf;
    });
    return TensorList{g.mul(d)};
  }, {t}, out, {t});
  return out;
}

// ---- comparisons: bool masks, no gradient ----
namespace {
enum class Cmp { Eq, Ne, Lt, Le, Gt, Ge };
template <typename T>
bool compare(Cmp c, T x, T y) {
  switch (c) {
    case Cmp::Eq: return x == y;
    case Cmp::Ne: return x != y;
    case Cmp::Lt: return x < y;
    case Cmp::Le: return x <= y;
    case Cmp::Gt: return x > y;
    case Cmp::Ge: return x >= y;
  }
  return false;
}
Tensor comparison(Cmp c, const Tensor& a, const Tensor& b, const char* op) {
  Shape shape = broadcast_shapes(a.shape(), b.shape(), op);
  DType type = promote_types(a.dtype(), b.dtype());
  if (type == DType::Float32)
    return map_binary<float, bool>(as_dtype(a, type), as_dtype(b, type), shape, [c](float x, float y) { return compare(c, x, y); });
  return map_binary<int64_t, bool>(as_dtype(a, DType::Int64), as_dtype(b, DType::Int64), shape,
                                   [c](int64_t x, int64_t y) { return compare(c, x, y); });
}
}  // namespace

Tensor eq(const Tensor& a, const Tensor& b) { return comparison(Cmp::Eq, a, b, "eq"); }
Tensor ne(const Tensor& a, const Tensor& b) { return comparison(Cmp::Ne, a, b, "ne"); }
Tensor lt(const Tensor& a, const Tensor& b) { return comparison(Cmp::Lt, a, b, "lt"); }
Tensor le(const Tensor& a, const Tensor& b) { return comparison(Cmp::Le, a, b, "le"); }
Tensor gt(const Tensor& a, const Tensor& b) { return comparison(Cmp::Gt, a, b, "gt"); }
Tensor ge(const Tensor& a, const Tensor& b) { return comparison(Cmp::Ge, a, b, "ge"); }

Tensor logical_not(const Tensor& t) {
  Tensor b = as_dtype(t, DType::Bool);
  return map_unary<bool, bool>(b, [](bool x) { return !x; });
}

}  // namespace kd
