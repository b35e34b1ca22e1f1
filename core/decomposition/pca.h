// sklearn.decomposition.PCA (svd_solver='full', whiten=False): principal axes of the centred
// data from the covariance matrix, eigen-decomposed in double.
//
//   kd::decomposition::PCA pca(kd::decomposition::PCAOptions().n_components(2));
//   kd::Tensor y = pca.fit_transform(x);           // [n, 2]
//   pca.components();                              // [2, n_features], rows orthonormal
//   pca.explained_variance_ratio();                // [2]
//
// sklearn gets the same axes from an SVD of the centred data; an axis is only defined up to
// its sign, so here each component is flipped to make its largest-magnitude entry positive
// (the first one on ties). explained_variance = eigenvalue of the covariance with n - 1 in the
// denominator; explained_variance_ratio divides it by the total variance (all components).
//
// Cost: O(n_samples * n_features^2) for the covariance (on the thread pool, one row of it per
// task, so the result does not depend on the thread count) plus the eigen-decomposition
// (decomposition/symmetric_eigen.h). Memory: O(n_features^2).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tensor/tensor.h"
#include "util/json.h"

namespace kd {
namespace decomposition {

struct PCAOptions {
  // null: min(n_samples, n_features), as sklearn's None.
  std::optional<int64_t> n_components_;

  PCAOptions& n_components(int64_t value) {
    n_components_ = value;
    return *this;
  }
  std::optional<int64_t> n_components() const { return n_components_; }

  template <typename Visitor>
  void fields(Visitor& v) {
    v.optional_integer("n_components", n_components_);
  }
  void validate() const;
  Json to_json() const;
  static PCAOptions from_json(const Json& json);  // defaults for absent keys
};

class PCA {
 public:
  explicit PCA(PCAOptions options = {});

  // Every check before any change: a failed fit leaves a fitted PCA as it was.
  PCA& fit(const Tensor& x);
  Tensor transform(const Tensor& x) const;  // (x - mean) @ components^T, [n, n_components]
  Tensor fit_transform(const Tensor& x);

  bool fitted() const { return n_features_ > 0; }
  int64_t n_components() const;  // after fit
  int64_t n_features() const { return n_features_; }
  Tensor components() const;                // [n_components, n_features]
  Tensor explained_variance() const;        // [n_components]
  Tensor explained_variance_ratio() const;  // [n_components]
  Tensor mean() const;                      // [n_features]
  const PCAOptions& options() const { return options_; }

  // The fitted values in double, for callers in the core (TSNE's init).
  const std::vector<double>& components_data() const { return components_; }
  const std::vector<double>& mean_data() const { return mean_; }

 private:
  void check_fitted(const char* op) const;

  PCAOptions options_;
  int64_t n_features_ = 0;
  std::vector<double> mean_;
  std::vector<double> components_;  // n_components x n_features
  std::vector<double> variance_;
  std::vector<double> variance_ratio_;
};

}  // namespace decomposition
}  // namespace kd
