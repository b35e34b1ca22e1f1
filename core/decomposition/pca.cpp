#include "decomposition/pca.h"

#include <algorithm>
#include <cmath>

#include "decomposition/symmetric_eigen.h"
#include "parallel/thread_pool.h"
#include "util/data_matrix.h"
#include "util/error.h"
#include "util/estimator_options.h"
#include "util/shape.h"

namespace kd {
namespace decomposition {

void PCAOptions::validate() const {
  KD_CHECK(!n_components_ || *n_components_ >= 1, ValueError, "PCA: n_components must be >= 1 or null, got ",
           *n_components_);
}

Json PCAOptions::to_json() const { return estimator_options_to_json(*this); }

PCAOptions PCAOptions::from_json(const Json& json) {
  PCAOptions options;
  read_estimator_options(json, "PCA", options);
  return options;
}

PCA::PCA(PCAOptions options) : options_(options) { options_.validate(); }

PCA& PCA::fit(const Tensor& x) {
  DataMatrix m = data_matrix(x, "PCA.fit()", 2);
  const int64_t n = m.n_samples, d = m.n_features;
  const int64_t max_components = std::min(n, d);
  const int64_t k = options_.n_components().value_or(max_components);
  KD_CHECK(k <= max_components, ValueError, "PCA.fit(): n_components=", k,
           " must be between 1 and min(n_samples, n_features)=", max_components, " for x of shape ",
           shape_str(x.shape()));

  std::vector<double> mean(static_cast<size_t>(d), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t f = 0; f < d; ++f) mean[f] += m.data[i * d + f];
  for (double& v : mean) v /= static_cast<double>(n);

  // Upper triangle of the covariance, one row per task: row a sums over the samples in order.
  std::vector<double> cov(static_cast<size_t>(d * d), 0.0);
  parallel_for(d, 1, [&](int64_t a_begin, int64_t a_end) {
    for (int64_t a = a_begin; a < a_end; ++a) {
      double* row = cov.data() + a * d;
      for (int64_t i = 0; i < n; ++i) {
        const float* xi = m.data + i * d;
        const double xa = xi[a] - mean[a];
        for (int64_t b = a; b < d; ++b) row[b] += xa * (xi[b] - mean[b]);
      }
    }
  });
  for (int64_t a = 0; a < d; ++a) {
    for (int64_t b = a; b < d; ++b) {
      cov[a * d + b] /= static_cast<double>(n - 1);
      cov[b * d + a] = cov[a * d + b];
    }
  }
  double total_variance = 0;
  for (int64_t a = 0; a < d; ++a) total_variance += cov[a * d + a];

  SymmetricEigen eig = symmetric_eigen(std::move(cov), d);
  std::vector<double> components(eig.vectors.begin(), eig.vectors.begin() + k * d);
  for (int64_t c = 0; c < k; ++c) {
    double* row = components.data() + c * d;
    int64_t largest = 0;
    for (int64_t f = 1; f < d; ++f)
      if (std::fabs(row[f]) > std::fabs(row[largest])) largest = f;
    if (row[largest] < 0)
      for (int64_t f = 0; f < d; ++f) row[f] = -row[f];
  }
  std::vector<double> variance(static_cast<size_t>(k)), ratio(static_cast<size_t>(k));
  for (int64_t c = 0; c < k; ++c) {
    // Rounding can leave a null direction's eigenvalue a hair below zero; a variance is not.
    variance[c] = std::max(0.0, eig.values[c]);
    ratio[c] = total_variance > 0 ? variance[c] / total_variance : 0.0;
  }

  n_features_ = d;
  mean_ = std::move(mean);
  components_ = std::move(components);
  variance_ = std::move(variance);
  variance_ratio_ = std::move(ratio);
  return *this;
}

void PCA::check_fitted(const char* op) const {
  KD_CHECK(fitted(), StateError, op, ": this PCA is not fitted yet; call fit() first");
}

int64_t PCA::n_components() const {
  check_fitted("PCA.n_components");
  return static_cast<int64_t>(variance_.size());
}

Tensor PCA::transform(const Tensor& x) const {
  check_fitted("PCA.transform()");
  DataMatrix m = data_matrix(x, "PCA.transform()");
  KD_CHECK(m.n_features == n_features_, ShapeError, "PCA.transform(): x has ", m.n_features,
           " features, but this PCA was fitted on ", n_features_, " (x of shape ", shape_str(x.shape()), ")");
  const int64_t n = m.n_samples, d = n_features_, k = n_components();
  Tensor out = Tensor::make({n, k}, DType::Float32);
  float* y = out.data<float>();
  parallel_for(n, 64, [&](int64_t begin, int64_t end) {
    std::vector<double> centred(static_cast<size_t>(d));
    for (int64_t i = begin; i < end; ++i) {
      for (int64_t f = 0; f < d; ++f) centred[f] = m.data[i * d + f] - mean_[f];
      for (int64_t c = 0; c < k; ++c) {
        double dot = 0;
        for (int64_t f = 0; f < d; ++f) dot += centred[f] * components_[c * d + f];
        y[i * k + c] = static_cast<float>(dot);
      }
    }
  });
  return out;
}

Tensor PCA::fit_transform(const Tensor& x) { return fit(x).transform(x); }

namespace {
Tensor float_tensor(const std::vector<double>& values, const Shape& shape) {
  Tensor t = Tensor::make(shape, DType::Float32);
  std::transform(values.begin(), values.end(), t.data<float>(), [](double v) { return static_cast<float>(v); });
  return t;
}
}  // namespace

Tensor PCA::components() const { return float_tensor(components_, {n_components(), n_features_}); }
Tensor PCA::explained_variance() const { return float_tensor(variance_, {n_components()}); }
Tensor PCA::explained_variance_ratio() const { return float_tensor(variance_ratio_, {n_components()}); }
Tensor PCA::mean() const {
  check_fitted("PCA.mean");
  return float_tensor(mean_, {n_features_});
}

}  // namespace decomposition
}  // namespace kd
