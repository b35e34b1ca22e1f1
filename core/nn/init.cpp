#include "nn/init.h"

#include <cmath>
#include <vector>

#include "autograd/grad_mode.h"
#include "nn/format.h"
#include "ops/ops.h"

namespace kd::nn::init {
namespace {

int64_t correct_fan(const Tensor& tensor, const std::string& mode) {
  KD_CHECK(mode == "fan_in" || mode == "fan_out", ValueError, "Mode ", mode,
           " not supported, please use one of ['fan_in', 'fan_out']");
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  return mode == "fan_in" ? fan_in : fan_out;
}

// Inverse error function in double: a rational first guess, then Newton steps on erf.
double erfinv(double y) {
  if (y <= -1) return -INFINITY;
  if (y >= 1) return INFINITY;
  // Initial guess from the inverse of erf(x) ≈ sign(x)·√(1 − exp(−x²(4/π + a x²)/(1 + a x²))).
  const double a = 0.147;
  const double ln = std::log(1 - y * y);
  const double t = 2 / (M_PI * a) + ln / 2;
  double x = std::copysign(std::sqrt(std::sqrt(t * t - ln / a) - t), y);
  for (int i = 0; i < 4; ++i) {
    const double err = std::erf(x) - y;
    x -= err / (2 / std::sqrt(M_PI) * std::exp(-x * x));
  }
  return x;
}

double norm_cdf(double x) { return (1 + std::erf(x / std::sqrt(2.0))) / 2; }

}  // namespace

double calculate_gain(const std::string& nonlinearity, std::optional<double> param) {
  static const char* unit[] = {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                               "conv_transpose2d", "conv_transpose3d", "sigmoid"};
  for (const char* name : unit)
    if (nonlinearity == name) return 1;
  if (nonlinearity == "tanh") return 5.0 / 3;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") {
    double slope = param.value_or(0.01);
    KD_CHECK(std::isfinite(slope), ValueError, "negative_slope ", py_float(slope), " not a valid number");
    return std::sqrt(2.0 / (1 + slope * slope));
  }
  if (nonlinearity == "selu") return 3.0 / 4;
  throw ValueError(str("Unsupported nonlinearity ", nonlinearity));
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor) {
  KD_CHECK(tensor.dim() >= 2, ValueError,
           "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  int64_t receptive = 1;
  for (int64_t i = 2; i < tensor.dim(); ++i) receptive *= tensor.size(i);
  return {tensor.size(1) * receptive, tensor.size(0) * receptive};
}

Tensor uniform_(Tensor tensor, double a, double b) {
  NoGradGuard no_grad;
  tensor.uniform_(a, b);
  return tensor;
}

Tensor normal_(Tensor tensor, double mean, double std) {
  NoGradGuard no_grad;
  tensor.normal_(mean, std);
  return tensor;
}

Tensor constant_(Tensor tensor, double value) {
  NoGradGuard no_grad;
  tensor.fill_(value);
  return tensor;
}

Tensor ones_(Tensor tensor) { return constant_(tensor, 1); }
Tensor zeros_(Tensor tensor) { return constant_(tensor, 0); }

Tensor eye_(Tensor tensor) {
  KD_CHECK(tensor.dim() == 2, ValueError, "Only tensors with 2 dimensions are supported");
  NoGradGuard no_grad;
  tensor.copy_(eye(tensor.size(0), tensor.size(1)));
  return tensor;
}

Tensor xavier_uniform_(Tensor tensor, double gain) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  const double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  const double a = std::sqrt(3.0) * std;  // U(-a, a) has standard deviation a/√3
  return uniform_(tensor, -a, a);
}

Tensor xavier_normal_(Tensor tensor, double gain) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  return normal_(tensor, 0, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)));
}

Tensor kaiming_uniform_(Tensor tensor, double a, const std::string& mode, const std::string& nonlinearity) {
  if (tensor.numel() == 0) return tensor;  // PyTorch warns and leaves it
  const int64_t fan = correct_fan(tensor, mode);
  const double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan));
  const double bound = std::sqrt(3.0) * std;
  return uniform_(tensor, -bound, bound);
}

Tensor kaiming_normal_(Tensor tensor, double a, const std::string& mode, const std::string& nonlinearity) {
  if (tensor.numel() == 0) return tensor;
  const int64_t fan = correct_fan(tensor, mode);
  return normal_(tensor, 0, calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan)));
}

Tensor trunc_normal_(Tensor tensor, double mean, double std, double a, double b) {
  KD_CHECK(std >= 0, ValueError, "trunc_normal_: std must be non-negative, got ", std);
  KD_CHECK(a <= b, ValueError, "trunc_normal_: expected a <= b, got a=", a, ", b=", b);
  NoGradGuard no_grad;
  // Draw u uniformly between the CDF values of a and b (mapped to [-1, 1]), and return
  // mean + std·√2·erfinv(u): the inverse CDF of the truncated normal.
  const double lo = 2 * norm_cdf((a - mean) / std) - 1;
  const double hi = 2 * norm_cdf((b - mean) / std) - 1;
  Tensor u = empty(tensor.shape());
  u.uniform_(lo, hi);
  std::vector<float> values = u.to_vector<float>();
  for (float& v : values) {
    double x = mean + std * std::sqrt(2.0) * erfinv(v);
    v = static_cast<float>(std::min(std::max(x, a), b));
  }
  tensor.copy_(kd::tensor(values, tensor.shape()));
  return tensor;
}

Tensor orthogonal_(Tensor tensor, double gain) {
  KD_CHECK(tensor.dim() >= 2, ValueError, "Only tensors with 2 or more dimensions are supported");
  if (tensor.numel() == 0) return tensor;
  NoGradGuard no_grad;
  const int64_t rows = tensor.size(0), cols = tensor.numel() / rows;
  std::vector<float> sample = randn({rows, cols}).to_vector<float>();
  // Work on A [m, n] with m >= n (the transpose when the matrix is wide), in double.
  const bool wide = rows < cols;
  const int64_t m = wide ? cols : rows, n = wide ? rows : cols;
  std::vector<double> A(static_cast<size_t>(m * n));
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      A[wide ? j * n + i : i * n + j] = sample[static_cast<size_t>(i * cols + j)];
  // Householder QR: reflect column k below the diagonal onto e_k; store each unit vector v.
  std::vector<std::vector<double>> reflectors;
  std::vector<double> r_diag(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) {
    double norm = 0;
    for (int64_t i = k; i < m; ++i) norm += A[i * n + k] * A[i * n + k];
    norm = std::sqrt(norm);
    const double alpha = A[k * n + k] > 0 ? -norm : norm;  // opposite sign: no cancellation
    std::vector<double> v(static_cast<size_t>(m - k));
    for (int64_t i = k; i < m; ++i) v[i - k] = A[i * n + k];
    v[0] -= alpha;
    double vnorm = 0;
    for (double x : v) vnorm += x * x;
    vnorm = std::sqrt(vnorm);
    if (vnorm > 0)
      for (double& x : v) x /= vnorm;
    for (int64_t j = k; j < n; ++j) {  // A ← (I − 2vvᵀ)A
      double dot = 0;
      for (int64_t i = k; i < m; ++i) dot += v[i - k] * A[i * n + j];
      for (int64_t i = k; i < m; ++i) A[i * n + j] -= 2 * v[i - k] * dot;
    }
    r_diag[static_cast<size_t>(k)] = A[k * n + k];
    reflectors.push_back(std::move(v));
  }
  // Q (thin, [m, n]) = H_0 H_1 … H_{n-1} applied to the first n columns of I.
  std::vector<double> Q(static_cast<size_t>(m * n), 0.0);
  for (int64_t j = 0; j < n; ++j) Q[j * n + j] = 1;
  for (int64_t k = n - 1; k >= 0; --k) {
    const std::vector<double>& v = reflectors[static_cast<size_t>(k)];
    for (int64_t j = 0; j < n; ++j) {
      double dot = 0;
      for (int64_t i = k; i < m; ++i) dot += v[i - k] * Q[i * n + j];
      for (int64_t i = k; i < m; ++i) Q[i * n + j] -= 2 * v[i - k] * dot;
    }
  }
  // As PyTorch: multiply column k by sign(R_kk), making the decomposition unique.
  std::vector<float> out(static_cast<size_t>(rows * cols));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      const double d = r_diag[static_cast<size_t>(j)];
      const double sign = d > 0 ? 1 : d < 0 ? -1 : 0;
      const double q = Q[i * n + j] * sign * gain;
      out[static_cast<size_t>(wide ? j * cols + i : i * cols + j)] = static_cast<float>(q);
    }
  tensor.copy_(kd::tensor(out, {rows, cols}).reshape(tensor.shape()));
  return tensor;
}

}  // namespace kd::nn::init
