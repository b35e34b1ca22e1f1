#include "decomposition/symmetric_eigen.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace kd {
namespace decomposition {

SymmetricEigen symmetric_eigen(std::vector<double> a, int64_t n) {
  std::vector<double> v(static_cast<size_t>(n * n), 0.0);
  for (int64_t i = 0; i < n; ++i) v[i * n + i] = 1.0;
  auto at = [&](int64_t r, int64_t c) -> double& { return a[r * n + c]; };

  double total = 0;
  for (double x : a) total += x * x;
  constexpr int kMaxSweeps = 64;
  for (int sweep = 0; sweep < kMaxSweeps; ++sweep) {
    double off = 0;
    for (int64_t p = 0; p < n; ++p)
      for (int64_t q = p + 1; q < n; ++q) off += at(p, q) * at(p, q);
    // Converged when what is left off the diagonal is below double rounding of the whole.
    if (off <= 1e-30 * total || off == 0) break;
    for (int64_t p = 0; p < n; ++p) {
      for (int64_t q = p + 1; q < n; ++q) {
        const double apq = at(p, q);
        if (apq == 0) continue;
        // The rotation J in the (p, q) plane with (J^T A J)_pq = 0, taking the smaller of the
        // two angles (|t| <= 1) so that the rest of the matrix moves as little as possible.
        const double theta = (at(q, q) - at(p, p)) / (2 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1);
        const double s = t * c;
        for (int64_t k = 0; k < n; ++k) {  // columns p and q
          const double akp = at(k, p), akq = at(k, q);
          at(k, p) = c * akp - s * akq;
          at(k, q) = s * akp + c * akq;
        }
        for (int64_t k = 0; k < n; ++k) {  // rows p and q
          const double apk = at(p, k), aqk = at(q, k);
          at(p, k) = c * apk - s * aqk;
          at(q, k) = s * apk + c * aqk;
        }
        for (int64_t k = 0; k < n; ++k) {  // V accumulates the rotations: A = V diag V^T
          const double vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }

  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t i, int64_t j) { return at(i, i) > at(j, j); });
  SymmetricEigen out;
  out.values.resize(static_cast<size_t>(n));
  out.vectors.resize(static_cast<size_t>(n * n));
  for (int64_t r = 0; r < n; ++r) {
    out.values[r] = at(order[r], order[r]);
    for (int64_t k = 0; k < n; ++k) out.vectors[r * n + k] = v[k * n + order[r]];
  }
  return out;
}

}  // namespace decomposition
}  // namespace kd
