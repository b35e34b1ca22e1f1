#include "manifold/affinities.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>

#include "parallel/thread_pool.h"

namespace kd {
namespace manifold {

namespace {
constexpr int kMaxBisectionSteps = 100;
constexpr double kEntropyTolerance = 1e-5;
// Used instead of a zero normaliser when every exp() underflowed.
constexpr double kTinySum = 1e-8;
}  // namespace

void conditional_probabilities(const float* distances, int64_t count, double perplexity, double* p) {
  const double target_entropy = std::log(perplexity);
  const double inf = std::numeric_limits<double>::infinity();
  double beta = 1, beta_low = -inf, beta_high = inf;
  for (int step = 0; step < kMaxBisectionSteps; ++step) {
    double sum = 0;
    for (int64_t j = 0; j < count; ++j) {
      p[j] = std::exp(-static_cast<double>(distances[j]) * beta);
      sum += p[j];
    }
    if (sum == 0) sum = kTinySum;
    double mean_distance = 0;
    for (int64_t j = 0; j < count; ++j) {
      p[j] /= sum;
      mean_distance += distances[j] * p[j];
    }
    // H = -sum p log p with p = exp(-beta d) / sum, i.e. log(sum) + beta * E[d].
    const double excess = std::log(sum) + beta * mean_distance - target_entropy;
    if (std::fabs(excess) <= kEntropyTolerance) break;
    if (excess > 0) {  // too flat: sharpen
      beta_low = beta;
      beta = beta_high == inf ? beta * 2 : (beta + beta_high) / 2;
    } else {
      beta_high = beta;
      beta = beta_low == -inf ? beta / 2 : (beta + beta_low) / 2;
    }
  }
}

int64_t neighbors_for_perplexity(int64_t n_samples, double perplexity) {
  return std::min<int64_t>(n_samples - 1, static_cast<int64_t>(3.0 * perplexity + 1.0));
}

SparseAffinities sparse_joint_probabilities(const neighbors::KnnGraph& graph, neighbors::Metric metric,
                                            double perplexity) {
  const int64_t n = graph.n, k = graph.k;
  std::vector<double> conditional(static_cast<size_t>(n * k));
  parallel_for(n, 64, [&](int64_t begin, int64_t end) {
    std::vector<float> d(static_cast<size_t>(k));
    for (int64_t i = begin; i < end; ++i) {
      for (int64_t m = 0; m < k; ++m) {
        const float dist = graph.distances[i * k + m];
        d[m] = metric == neighbors::Metric::Euclidean ? dist * dist : dist;
      }
      conditional_probabilities(d.data(), k, perplexity, conditional.data() + i * k);
    }
  });

  // P + P^T: row i gets its own k entries and every (j -> i) entry, merged by column.
  std::vector<int64_t> count(static_cast<size_t>(n), k);
  for (int32_t j : graph.indices) ++count[j];
  std::vector<int64_t> offset(static_cast<size_t>(n + 1), 0);
  for (int64_t i = 0; i < n; ++i) offset[i + 1] = offset[i] + count[i];
  std::vector<std::pair<int32_t, double>> entries(static_cast<size_t>(offset[n]));
  std::vector<int64_t> fill(offset.begin(), offset.end() - 1);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t m = 0; m < k; ++m) {
      const int32_t j = graph.indices[i * k + m];
      const double v = conditional[i * k + m];
      entries[fill[i]++] = {j, v};
      entries[fill[j]++] = {static_cast<int32_t>(i), v};
    }
  }
  SparseAffinities p;
  p.n = n;
  p.row_start.assign(static_cast<size_t>(n + 1), 0);
  std::vector<double> merged;
  merged.reserve(entries.size());
  p.columns.reserve(entries.size());
  for (int64_t i = 0; i < n; ++i) {
    auto first = entries.begin() + offset[i], last = entries.begin() + offset[i + 1];
    // By column, then value: a pair's two halves are added in one fixed order.
    std::sort(first, last);
    for (auto it = first; it != last; ++it) {
      if (static_cast<int64_t>(p.columns.size()) > p.row_start[i] && p.columns.back() == it->first) {
        merged.back() += it->second;
      } else {
        p.columns.push_back(it->first);
        merged.push_back(it->second);
      }
    }
    p.row_start[i + 1] = static_cast<int64_t>(p.columns.size());
  }
  double total = 0;
  for (double v : merged) total += v;
  total = std::max(total, DBL_EPSILON);
  p.values.resize(merged.size());
  for (size_t e = 0; e < merged.size(); ++e) p.values[e] = static_cast<float>(merged[e] / total);
  return p;
}

std::vector<double> dense_joint_probabilities(const float* x, int64_t n, int64_t d, neighbors::Metric metric,
                                              double perplexity) {
  std::vector<double> p(static_cast<size_t>(n * n), 0.0);
  parallel_for(n, 16, [&](int64_t begin, int64_t end) {
    std::vector<float> dist(static_cast<size_t>(n - 1));
    std::vector<double> row(static_cast<size_t>(n - 1));
    for (int64_t i = begin; i < end; ++i) {
      int64_t m = 0;
      for (int64_t j = 0; j < n; ++j) {
        if (j == i) continue;
        const double r = neighbors::row_distance(x + i * d, x + j * d, d, metric);
        dist[m++] = static_cast<float>(metric == neighbors::Metric::Euclidean ? r * r : r);
      }
      conditional_probabilities(dist.data(), n - 1, perplexity, row.data());
      m = 0;
      for (int64_t j = 0; j < n; ++j)
        if (j != i) p[i * n + j] = row[m++];
    }
  });
  double total = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) {
      const double s = p[i * n + j] + p[j * n + i];
      p[i * n + j] = p[j * n + i] = s;
      total += 2 * s;
    }
  total = std::max(total, DBL_EPSILON);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      if (i != j) p[i * n + j] = std::max(p[i * n + j] / total, DBL_EPSILON);
  return p;
}

}  // namespace manifold
}  // namespace kd
