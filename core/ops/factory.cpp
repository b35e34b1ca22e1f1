// Factories: new tensors from sizes, ranges, random draws or values.
#include <cmath>

#include "autograd/grad_mode.h"
#include "ops/ops.h"
#include "tensor/random.h"

namespace kd {
namespace {

Tensor finish(Tensor t, const TensorOptions& options) {
  if (options.requires_grad_) t.requires_grad_(true);
  return t;
}

template <typename T>
void fill_all(Tensor& t, T value) {
  T* p = t.data<T>();
  for (int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = value;
}

void fill_scalar(Tensor& t, double value) {
  switch (t.dtype()) {
    case DType::Float32: fill_all<float>(t, static_cast<float>(value)); break;
    case DType::Int64: fill_all<int64_t>(t, static_cast<int64_t>(value)); break;
    case DType::Bool: fill_all<bool>(t, value != 0); break;
  }
}

bool is_integral(double v) { return std::floor(v) == v && std::isfinite(v); }

}  // namespace

Tensor empty(const Shape& shape, TensorOptions options) { return finish(Tensor::make(shape, options.dtype_), options); }
Tensor zeros(const Shape& shape, TensorOptions options) { return finish(Tensor::make(shape, options.dtype_), options); }

Tensor full(const Shape& shape, double value, TensorOptions options) {
  Tensor t = Tensor::make(shape, options.dtype_);
  fill_scalar(t, value);
  return finish(t, options);
}

Tensor ones(const Shape& shape, TensorOptions options) { return full(shape, 1, options); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype()); }
Tensor full_like(const Tensor& t, double value) { return full(t.shape(), value, t.dtype()); }

Tensor scalar_tensor(double value, DType dtype) { return full({}, value, dtype); }

Tensor wrapped_scalar(const Tensor& t, Scalar value) {
  if (t.dtype() == DType::Float32 || !value.is_integral()) return scalar_tensor(value.to_double(), DType::Float32);
  Tensor out = Tensor::make({}, DType::Int64);
  out.data<int64_t>()[0] = value.to_int64();  // exact beyond 2^53
  return out;
}

Scalar Scalar::from_js_number(double value) {
  // Whole and within int64: an integer; else a float.
  if (kd::is_integral(value) && std::fabs(value) < 9.2e18) return Scalar(static_cast<int64_t>(value));
  return Scalar(value);
}

Tensor arange(double end, std::optional<TensorOptions> options) { return arange(0, end, 1, options); }

Tensor arange(double start, double end, double step, std::optional<TensorOptions> options) {
  KD_CHECK(step != 0, ValueError, "arange: step must be nonzero");
  KD_CHECK(std::isfinite(start) && std::isfinite(end), ValueError, "arange: unsupported range: ", start, " -> ", end);
  KD_CHECK((step > 0 && end >= start) || (step < 0 && end <= start), ValueError,
           "arange: upper bound and larger bound inconsistent with step sign");
  TensorOptions opts = options ? *options
                               : TensorOptions(is_integral(start) && is_integral(end) && is_integral(step) ? DType::Int64
                                                                                                        : DType::Float32);
  int64_t n = static_cast<int64_t>(std::ceil((end - start) / step));
  Tensor t = Tensor::make({n}, opts.dtype_);
  for (int64_t i = 0; i < n; ++i) {
    double v = start + static_cast<double>(i) * step;
    switch (opts.dtype_) {
      case DType::Float32: t.data<float>()[i] = static_cast<float>(v); break;
      case DType::Int64: t.data<int64_t>()[i] = static_cast<int64_t>(v); break;
      case DType::Bool: t.data<bool>()[i] = v != 0; break;
    }
  }
  return finish(t, opts);
}

Tensor linspace(double start, double end, int64_t steps, TensorOptions options) {
  KD_CHECK(steps >= 0, ValueError, "linspace: number of steps must be non-negative");
  Tensor t = Tensor::make({steps}, DType::Float32);
  float* p = t.data<float>();
  // As PyTorch: the first half counts up from start, the second half down from end, so both
  // ends are exact.
  double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0;
  int64_t half = steps == 1 ? 1 : steps / 2;  // a single step is `start`, as in PyTorch
  for (int64_t i = 0; i < steps; ++i)
    p[i] = static_cast<float>(i < half ? start + step * static_cast<double>(i) : end - step * static_cast<double>(steps - i - 1));
  if (options.dtype_ != DType::Float32) t = to_dtype(t, options.dtype_);
  return finish(t, options);
}

Tensor eye(int64_t n, int64_t m, TensorOptions options) {
  if (m < 0) m = n;
  KD_CHECK(n >= 0, ValueError, "n must be greater or equal to 0, got ", n);
  Tensor t = Tensor::make({n, m}, options.dtype_);
  for (int64_t i = 0; i < std::min(n, m); ++i) {
    switch (options.dtype_) {
      case DType::Float32: t.data<float>()[i * m + i] = 1; break;
      case DType::Int64: t.data<int64_t>()[i * m + i] = 1; break;
      case DType::Bool: t.data<bool>()[i * m + i] = true; break;
    }
  }
  return finish(t, options);
}

Tensor randn(const Shape& shape, TensorOptions options) {
  KD_CHECK(options.dtype_ == DType::Float32, TypeError, "randn: only float32 is supported");
  Tensor t = Tensor::make(shape, DType::Float32);
  Generator& g = default_generator();
  std::lock_guard<std::mutex> lock(g.mutex());
  float* p = t.data<float>();
  for (int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = g.normal();
  return finish(t, options);
}

Tensor rand(const Shape& shape, TensorOptions options) {
  KD_CHECK(options.dtype_ == DType::Float32, TypeError, "rand: only float32 is supported");
  Tensor t = Tensor::make(shape, DType::Float32);
  Generator& g = default_generator();
  std::lock_guard<std::mutex> lock(g.mutex());
  float* p = t.data<float>();
  for (int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = g.uniform();
  return finish(t, options);
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions options) {
  KD_CHECK(low < high, ValueError, "random_ expects 'from' to be less than 'to', but got from=", low, " >= to=", high);
  Tensor t = Tensor::make(shape, DType::Int64);
  {
    Generator& g = default_generator();
    std::lock_guard<std::mutex> lock(g.mutex());
    int64_t* p = t.data<int64_t>();
    for (int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = g.randint(low, high);
  }
  return options.dtype_ == DType::Int64 ? t : finish(to_dtype(t, options.dtype_), options);
}

Tensor randperm(int64_t n) {
  KD_CHECK(n >= 0, ValueError, "randperm: n must be non-negative, got ", n);
  Tensor t = arange(0, static_cast<double>(n), 1, TensorOptions(DType::Int64));
  Generator& g = default_generator();
  std::lock_guard<std::mutex> lock(g.mutex());
  int64_t* p = t.data<int64_t>();
  for (int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[g.randint(0, i + 1)]);
  return t;
}

Tensor tensor(const std::vector<float>& values, const Shape& shape, TensorOptions options) {
  KD_CHECK(shape_numel(shape) == static_cast<int64_t>(values.size()), ShapeError, "tensor: shape ", shape_str(shape),
           " needs ", shape_numel(shape), " values but got ", values.size());
  Tensor t = Tensor::make(shape, DType::Float32);
  std::copy(values.begin(), values.end(), t.data<float>());
  if (options.dtype_ != DType::Float32) t = to_dtype(t, options.dtype_);
  return finish(t, options);
}

Tensor tensor(const std::vector<float>& values) { return tensor(values, {static_cast<int64_t>(values.size())}); }

Tensor tensor_i64(const std::vector<int64_t>& values, const Shape& shape) {
  KD_CHECK(shape_numel(shape) == static_cast<int64_t>(values.size()), ShapeError, "tensor: shape ", shape_str(shape),
           " needs ", shape_numel(shape), " values but got ", values.size());
  Tensor t = Tensor::make(shape, DType::Int64);
  std::copy(values.begin(), values.end(), t.data<int64_t>());
  return t;
}

Tensor tensor_i64(const std::vector<int64_t>& values) { return tensor_i64(values, {static_cast<int64_t>(values.size())}); }

Tensor tensor_bool(const std::vector<bool>& values, const Shape& shape) {
  KD_CHECK(shape_numel(shape) == static_cast<int64_t>(values.size()), ShapeError, "tensor: shape ", shape_str(shape),
           " needs ", shape_numel(shape), " values but got ", values.size());
  Tensor t = Tensor::make(shape, DType::Bool);
  bool* p = t.data<bool>();
  for (size_t i = 0; i < values.size(); ++i) p[i] = values[i];
  return t;
}

}  // namespace kd
