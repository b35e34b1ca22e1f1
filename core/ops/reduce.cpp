// Reductions over dims (sum, mean, max/min, arg*, var/std, norm) and softmax/log_softmax.
//
// Each reduction moves the reduced dims last and makes the input contiguous, so the kernels
// reduce plain rows: [outer rows] x [inner elements].
#include <algorithm>
#include <cmath>
#include <limits>

#include "autograd/grad_mode.h"
#include "autograd/rule.h"
#include "kernels/kernels.h"
#include "ops/ops.h"
#include "ops/pointwise.h"
#include "parallel/thread_pool.h"

namespace kd {
namespace {

struct ReducePlan {
  Tensor rows;       // contiguous, reduced dims last
  int64_t outer = 1;  // number of rows
  int64_t inner = 1;  // elements reduced per row
  Shape out_shape;    // with or without the kept dims
  Shape reduced;      // sorted, wrapped dims
};

// Wraps and de-duplicates `dims`; empty means every dim (as torch.sum(x, dim=[])).
Shape normalize_dims(const Tensor& t, const Shape& dims) {
  Shape out;
  if (dims.empty()) {
    for (int64_t i = 0; i < t.dim(); ++i) out.push_back(i);
    return out;
  }
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, t.dim());
    if (t.dim() == 0) continue;
    KD_CHECK(std::find(out.begin(), out.end(), w) == out.end(), ShapeError, "dim ", w,
             " appears multiple times in the list of dims");
    out.push_back(w);
  }
  std::sort(out.begin(), out.end());
  return out;
}

ReducePlan plan_reduction(const Tensor& t, const Shape& dims, bool keepdim) {
  ReducePlan p;
  p.reduced = normalize_dims(t, dims);
  Shape order;
  for (int64_t i = 0; i < t.dim(); ++i)
    if (!std::binary_search(p.reduced.begin(), p.reduced.end(), i)) {
      order.push_back(i);
      p.outer *= t.shape()[i];
      p.out_shape.push_back(t.shape()[i]);
    } else if (keepdim) {
      p.out_shape.push_back(1);
    }
  for (int64_t d : p.reduced) {
    order.push_back(d);
    p.inner *= t.shape()[d];
  }
  if (!keepdim) {
    // out_shape already holds only the kept dims, in order.
  } else {
    Shape shape = t.shape();
    for (int64_t d : p.reduced) shape[d] = 1;
    p.out_shape = shape;
  }
  NoGradGuard no_grad;
  p.rows = t.dim() == 0 ? t.reshape({1}) : t.permute(order).contiguous();
  return p;
}

// A gradient of the reduced shape, made broadcastable against the input again.
Tensor unreduce(const Tensor& g, const Shape& input_shape, const Shape& reduced, bool keepdim) {
  Tensor out = g;
  if (!keepdim)
    for (int64_t d : reduced) out = out.unsqueeze(d);
  return out.expand(input_shape);
}

Tensor float_input(const Tensor& t) { return t.dtype() == DType::Float32 ? t : to_dtype(t, DType::Float32); }

}  // namespace

// ---- sum and mean ----

namespace {

// Σ over the leading dims [0, k) of a contiguous float tensor (a Linear layer's bias gradient,
// broadcast gradients): rows added into the first one with the vector kernel, without the
// transposed copy the general plan makes. Returns an undefined tensor for any other case.
Tensor sum_leading_dims(const Tensor& t, const Shape& reduced, bool keepdim) {
  const int64_t k = static_cast<int64_t>(reduced.size());
  if (t.dtype() != DType::Float32 || !t.is_contiguous() || k == 0 || k >= t.dim() || reduced.back() != k - 1) return Tensor();
  Shape out_shape = t.shape();
  int64_t rows = 1;
  for (int64_t d = 0; d < k; ++d) rows *= t.shape()[d];
  out_shape.erase(out_shape.begin(), out_shape.begin() + k);
  if (keepdim) out_shape.insert(out_shape.begin(), static_cast<size_t>(k), 1);
  Tensor out = zeros(out_shape);
  const int64_t cols = out.numel();
  const float* in = t.data<float>();
  float* o = out.data<float>();
  const auto vadd = kernels().f32_vadd;
  for (int64_t r = 0; r < rows; ++r) vadd(cols, o, in + r * cols, o);
  return out;
}

// The values of sum(t, dims, keepdim), no history.
Tensor sum_values(const Tensor& t, const Shape& dims, bool keepdim) {
  Tensor leading = sum_leading_dims(t, normalize_dims(t, dims), keepdim);
  if (leading.defined()) return leading;
  ReducePlan p = plan_reduction(t, dims, keepdim);
  Tensor out;
  if (t.dtype() == DType::Float32) {
    out = Tensor::make(p.out_shape, DType::Float32);
    const float* in = p.rows.data<float>();
    float* o = out.data<float>();
    const KernelTable& k = kernels();
    for (int64_t r = 0; r < p.outer; ++r) o[r] = k.f32_sum(p.inner, in + r * p.inner);
  } else {
    // Integer and bool sums are int64, as in PyTorch, and wrap around on overflow as PyTorch's
    // do: summed as uint64 (signed overflow would be undefined behaviour).
    Tensor rows = to_dtype(p.rows, DType::Int64);
    out = Tensor::make(p.out_shape, DType::Int64);
    const int64_t* in = rows.data<int64_t>();
    int64_t* o = out.data<int64_t>();
    for (int64_t r = 0; r < p.outer; ++r) {
      uint64_t total = 0;
      for (int64_t i = r * p.inner; i < (r + 1) * p.inner; ++i) total += static_cast<uint64_t>(in[i]);
      o[r] = static_cast<int64_t>(total);
    }
  }
  return out;
}

}  // namespace

Tensor sum(const Tensor& t, const Shape& dims, bool keepdim) {
  Tensor out = sum_values(t, dims, keepdim);
  auto node = record_rule("SumBackward1", [](const RuleBackward& n, const Tensor& g, const TensorList&) {
    return TensorList{unreduce(g, n.input_shapes[0], n.dims, n.keepdim)};
  }, {t}, out, {});
  if (node) {
    node->dims = normalize_dims(t, dims);
    node->keepdim = keepdim;
  }
  return out;
}

// PyTorch names the node of x.sum() SumBackward0 and that of x.sum(dims) SumBackward1; so do we.
Tensor rename_node(Tensor out, const char* op) {
  if (auto* node = dynamic_cast<RuleBackward*>(out.grad_fn().get())) node->op = op;
  return out;
}

Tensor sum(const Tensor& t) { return rename_node(sum(t, {}, false), "SumBackward0"); }

Tensor mean(const Tensor& t, const Shape& dims, bool keepdim) {
  KD_CHECK(t.dtype() == DType::Float32, TypeError,
           "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ",
           dtype_name(t.dtype()));
  Shape reduced = normalize_dims(t, dims);
  int64_t count = 1;
  for (int64_t d : reduced) count *= t.shape()[d];
  Tensor out;
  {
    NoGradGuard no_grad;
    out = sum(t, dims, keepdim).div(static_cast<double>(count));
  }
  // Its own node (not sum's and div's) so that grad_fn prints as PyTorch's.
  auto node = record_rule("MeanBackward1", [](const RuleBackward& n, const Tensor& g, const TensorList&) {
    return TensorList{unreduce(g, n.input_shapes[0], n.dims, n.keepdim).div(n.scalar)};
  }, {t}, out, {}, false, static_cast<double>(count));
  if (node) {
    node->dims = reduced;
    node->keepdim = keepdim;
  }
  return out;
}

Tensor mean(const Tensor& t) { return rename_node(mean(t, {}, false), "MeanBackward0"); }

// ---- max / min and arg* ----
namespace {

// Index of the largest (or smallest) element of each row; NaN wins, as in PyTorch.
template <typename T>
void arg_extreme(const T* in, int64_t outer, int64_t inner, bool largest, int64_t* idx) {
  for (int64_t r = 0; r < outer; ++r) {
    const T* row = in + r * inner;
    int64_t best = 0;
    for (int64_t k = 1; k < inner; ++k) {
      T v = row[k], b = row[best];
      if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(b)) break;
        if (std::isnan(v)) { best = k; break; }
      }
      if (largest ? v > b : v < b) best = k;
    }
    idx[r] = best;
  }
}

Tensor arg_reduce(const Tensor& t, std::optional<int64_t> dim, bool keepdim, bool largest, const char* op) {
  if (!dim) {
    KD_CHECK(t.numel() > 0, IndexError, op, "(): Expected reduction dim to be specified for input.numel() == 0.");
    Tensor flat = t.reshape({-1});
    Tensor r = arg_reduce(flat, 0, false, largest, op);
    return keepdim ? r.reshape(Shape(t.dim(), 1)) : r;
  }
  int64_t d = wrap_dim(*dim, t.dim());
  KD_CHECK(t.dim() == 0 || t.shape()[d] > 0, IndexError, op, "(): Expected reduction dim ", d, " to have non-zero size.");
  ReducePlan p = plan_reduction(t, {d}, keepdim);
  Tensor idx = Tensor::make(p.out_shape, DType::Int64);
  switch (p.rows.dtype()) {
    case DType::Float32: arg_extreme(p.rows.data<float>(), p.outer, p.inner, largest, idx.data<int64_t>()); break;
    case DType::Int64: arg_extreme(p.rows.data<int64_t>(), p.outer, p.inner, largest, idx.data<int64_t>()); break;
    case DType::Bool: {
      Tensor ints = to_dtype(p.rows, DType::Int64);
      arg_extreme(ints.data<int64_t>(), p.outer, p.inner, largest, idx.data<int64_t>());
      break;
    }
  }
  return idx;
}

std::pair<Tensor, Tensor> extreme_dim(const Tensor& t, int64_t dim, bool keepdim, bool largest, const char* op) {
  Tensor idx = arg_reduce(t, dim, true, largest, op);
  Tensor values;
  {
    NoGradGuard no_grad;
    values = t.dim() == 0 ? t.clone() : gather(t, dim, idx);
  }
  if (!keepdim && t.dim() > 0) {
    int64_t d = wrap_dim(dim, t.dim());
    idx = idx.squeeze(d);
    values = values.squeeze(d);
  }
  values = values.contiguous();
  // The gradient goes to the element that was picked (the first one on ties).
  auto node = record_rule(largest ? "MaxBackward0" : "MinBackward0",
                          [](const RuleBackward& n, const Tensor& g, const TensorList& s) {
    Tensor gi = g, ii = s[0];
    if (n.input_shapes[0].empty()) return TensorList{g.reshape({})};
    if (!n.keepdim) {
      gi = gi.unsqueeze(n.dims[0]);
      ii = ii.unsqueeze(n.dims[0]);
    }
    return TensorList{zeros(n.input_shapes[0]).scatter_add(n.dims[0], ii, gi)};
  }, {t}, values, {idx});
  if (node) {
    node->dims = {t.dim() == 0 ? 0 : wrap_dim(dim, t.dim())};
    node->keepdim = keepdim;
  }
  return {values, idx};
}

Tensor extreme_all(const Tensor& t, bool largest, const char* op) {
  KD_CHECK(t.numel() > 0, IndexError, op,
           "(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.");
  Tensor idx = arg_reduce(t, std::nullopt, false, largest, op);
  Tensor value;
  {
    NoGradGuard no_grad;
    value = t.reshape({-1}).select(0, idx.item<int64_t>()).clone();
  }
  // The full reduction spreads the gradient evenly over ties, as PyTorch does.
  record_rule(largest ? "MaxBackward1" : "MinBackward1", [](const RuleBackward&, const Tensor& g, const TensorList& s) {
    Tensor ties = s[0].eq(s[1]);
    Tensor count = ties.sum().to(DType::Float32);
    return TensorList{ties.to(DType::Float32).mul(g.div(count))};
  }, {t}, value, {t, value}, true);
  return value;
}

}  // namespace

Tensor max(const Tensor& t) { return extreme_all(t, true, "max"); }
Tensor min(const Tensor& t) { return extreme_all(t, false, "min"); }
std::pair<Tensor, Tensor> max(const Tensor& t, int64_t dim, bool keepdim) { return extreme_dim(t, dim, keepdim, true, "max"); }
std::pair<Tensor, Tensor> min(const Tensor& t, int64_t dim, bool keepdim) { return extreme_dim(t, dim, keepdim, false, "min"); }
Tensor argmax(const Tensor& t, std::optional<int64_t> dim, bool keepdim) { return arg_reduce(t, dim, keepdim, true, "argmax"); }
Tensor argmin(const Tensor& t, std::optional<int64_t> dim, bool keepdim) { return arg_reduce(t, dim, keepdim, false, "argmin"); }

// ---- var, std: compositions (two-pass: subtract the mean, then square) ----

Tensor var(const Tensor& t, std::optional<Shape> dims, bool unbiased, bool keepdim) {
  KD_CHECK(t.dtype() == DType::Float32, TypeError, "var(): expected a float32 tensor but got ", dtype_name(t.dtype()));
  Shape d = dims ? *dims : Shape{};
  Shape reduced = normalize_dims(t, d);
  int64_t count = 1;
  for (int64_t r : reduced) count *= t.shape()[r];
  // With fewer elements than degrees of freedom the result is NaN, as in PyTorch (which warns).
  double denom = static_cast<double>(count - (unbiased ? 1 : 0));
  Tensor out;
  {
    NoGradGuard no_grad;
    Tensor centered = t.sub(mean(t, d, true));
    out = sum(centered.mul(centered), d, keepdim).div(denom);
  }
  // dvar/dx = 2 (x - mean) / (n - correction). One node, named as PyTorch's.
  auto node = record_rule("VarBackward0", [](const RuleBackward& n, const Tensor& g, const TensorList& s) {
    const Tensor& x = s[0];
    Tensor centered = x.sub(mean(x, n.dims, true));
    return TensorList{unreduce(g, x.shape(), n.dims, n.keepdim).mul(centered).mul(2.0 / n.scalar)};
  }, {t}, out, {t}, false, denom);
  if (node) {
    node->dims = reduced;
    node->keepdim = keepdim;
  }
  return out;
}

Tensor std(const Tensor& t, std::optional<Shape> dims, bool unbiased, bool keepdim) {
  Tensor out;
  {
    NoGradGuard no_grad;
    out = sqrt(var(t, dims, unbiased, keepdim));
  }
  Shape reduced = normalize_dims(t, dims ? *dims : Shape{});
  int64_t count = 1;
  for (int64_t r : reduced) count *= t.shape()[r];
  double denom = static_cast<double>(count - (unbiased ? 1 : 0));
  // dstd/dx = (x - mean) / ((n - correction) std). One node, named as PyTorch's.
  auto node = record_rule("StdBackward0", [](const RuleBackward& n, const Tensor& g, const TensorList& s) {
    const Tensor& x = s[0];
    Tensor centered = x.sub(mean(x, n.dims, true));
    Tensor scale = unreduce(g.div(s[1]), x.shape(), n.dims, n.keepdim);
    return TensorList{scale.mul(centered).div(n.scalar)};
  }, {t}, out, {t, out}, true, denom);
  if (node) {
    node->dims = reduced;
    node->keepdim = keepdim;
  }
  return out;
}

// ---- p-norms ----

Tensor norm(const Tensor& t, double p, std::optional<Shape> dims, bool keepdim) {
  KD_CHECK(t.dtype() == DType::Float32, TypeError, "norm(): input dtype should be float32, got ", dtype_name(t.dtype()));
  Shape d = dims ? *dims : Shape{};
  ReducePlan plan = plan_reduction(t, d, keepdim);
  Tensor out = Tensor::make(plan.out_shape, DType::Float32);
  const float* in = plan.rows.data<float>();
  float* o = out.data<float>();
  for (int64_t r = 0; r < plan.outer; ++r) {
    const float* row = in + r * plan.inner;
    double acc = 0;
    if (std::isinf(p)) {
      acc = p > 0 ? 0 : INFINITY;
      for (int64_t k = 0; k < plan.inner; ++k) acc = p > 0 ? std::max<double>(acc, std::fabs(row[k])) : std::min<double>(acc, std::fabs(row[k]));
    } else if (p == 0) {
      for (int64_t k = 0; k < plan.inner; ++k) acc += row[k] != 0;
    } else {
      for (int64_t k = 0; k < plan.inner; ++k) acc += std::pow(std::fabs(static_cast<double>(row[k])), p);
      acc = std::pow(acc, 1.0 / p);
    }
    o[r] = static_cast<float>(acc);
  }
  // d||x||_p/dx = sign(x)·|x|^(p-1) / ||x||^(p-1); 0 where the norm is 0 (PyTorch's choice).
  auto node = record_rule("NormBackward1", [](const RuleBackward& n, const Tensor& g, const TensorList& s) {
    const Tensor& x = s[0];
    double p = n.scalar;
    Tensor nrm = unreduce(s[1], x.shape(), n.dims, n.keepdim);
    Tensor gx = unreduce(g, x.shape(), n.dims, n.keepdim);
    Tensor sign = x.gt(0.0).to(DType::Float32).sub(x.lt(0.0).to(DType::Float32));
    Tensor local;
    if (p == 0) return TensorList{zeros_like(x)};
    if (p == 1) {
      local = sign;
    } else if (std::isinf(p)) {
      // The gradient goes to the elements that reach the max (or min), shared evenly.
      Tensor hit = x.abs().eq(nrm).to(DType::Float32);
      Tensor count = unreduce(sum(hit, n.dims, true), x.shape(), n.dims, true);
      local = sign.mul(hit).div(count);
    } else {
      Tensor scaled = where(nrm.eq(0.0), zeros_like(x), x.abs().pow(p - 1).div(nrm.pow(p - 1)));
      local = sign.mul(scaled);
    }
    return TensorList{gx.mul(local)};
  }, {t}, out, {t, out}, true, p);
  if (node) {
    node->dims = plan.reduced;
    node->keepdim = keepdim;
  }
  return out;
}

// ---- softmax and log_softmax along one dim ----
// Both run one row kernel per row along `dim` (fused: max, exp, sum and scale in one kernel,
// the backward in another), on the rows moved last and made contiguous, which costs nothing
// in the usual case of the last dim of a contiguous tensor.
namespace {

using RowForward = void (*)(int64_t, const float*, float*);
using RowBackward = void (*)(int64_t, const float*, const float*, float*);

Tensor dim_last(const Tensor& t, int64_t d) { return t.transpose(d, -1).contiguous(); }

// fn(offset) for the start of every row of `inner` values in `numel`, rows shared out over the
// pool in chunks of kElementwiseGrain values.
template <typename Fn>
void for_each_row_start(int64_t numel, int64_t inner, Fn fn) {
  if (inner == 0) return;
  const int64_t rows = numel / inner;
  parallel_for(rows, std::max<int64_t>(1, kElementwiseGrain / inner), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) fn(r * inner);
  });
}

Tensor softmax_values(const Tensor& t, int64_t dim, bool log) {
  Tensor x = float_input(t);
  const int64_t d = wrap_dim(dim, x.dim());
  if (x.dim() == 0) x = x.reshape({1});
  Tensor moved = dim_last(x, d);
  const int64_t inner = moved.shape().back();
  Tensor out_moved = Tensor::make(moved.shape(), DType::Float32);
  const RowForward fn = log ? kernels().f32_log_softmax : kernels().f32_softmax;
  const float* in = moved.data<float>();
  float* o = out_moved.data<float>();
  for_each_row_start(moved.numel(), inner, [&](int64_t at) { fn(inner, in + at, o + at); });
  Tensor out = dim_last(out_moved, d);
  return t.dim() == 0 ? out.reshape({}) : out;
}

// The input gradient from the output y and its gradient g (see the kernels for the formulas).
// In a backward with create_graph (grad mode on) the same formulas run as recorded ops, so
// the gradient can be differentiated again; otherwise the fused row kernels.
Tensor softmax_grad(const Tensor& y, const Tensor& g, int64_t d, bool log) {
  if (y.dim() == 0) return zeros_like(g);
  if (GradMode::is_enabled()) {
    if (log) return g.sub(y.exp().mul(g.sum({d}, true)));
    return y.mul(g.sub(g.mul(y).sum({d}, true)));
  }
  Tensor ym = dim_last(y, d), gm = dim_last(g.expand(y.shape()), d);
  const int64_t inner = ym.shape().back();
  Tensor dx = Tensor::make(ym.shape(), DType::Float32);
  const RowBackward fn = log ? kernels().f32_log_softmax_backward : kernels().f32_softmax_backward;
  const float *py = ym.data<float>(), *pg = gm.data<float>();
  float* pdx = dx.data<float>();
  for_each_row_start(ym.numel(), inner, [&](int64_t at) { fn(inner, py + at, pg + at, pdx + at); });
  return dim_last(dx, d);
}

}  // namespace

Tensor softmax(const Tensor& t, int64_t dim) {
  Tensor out;
  {
    NoGradGuard no_grad;
    out = softmax_values(t, dim, false);
  }
  // dx = y · (g - Σ g·y) along dim.
  auto node = record_rule("SoftmaxBackward0", [](const RuleBackward& n, const Tensor& g, const TensorList& s) {
    return TensorList{softmax_grad(s[0], g, n.dims[0], false)};
  }, {t}, out, {out}, true);
  if (node) node->dims = {t.dim() == 0 ? 0 : wrap_dim(dim, t.dim())};
  return out;
}

Tensor log_softmax(const Tensor& t, int64_t dim) {
  Tensor out;
  {
    NoGradGuard no_grad;
    out = softmax_values(t, dim, true);
  }
  // dx = g - exp(y) · Σ g along dim.
  auto node = record_rule("LogSoftmaxBackward0", [](const RuleBackward& n, const Tensor& g, const TensorList& s) {
    return TensorList{softmax_grad(s[0], g, n.dims[0], true)};
  }, {t}, out, {out}, true);
  if (node) node->dims = {t.dim() == 0 ? 0 : wrap_dim(dim, t.dim())};
  return out;
}

}  // namespace kd
