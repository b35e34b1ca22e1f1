// t-SNE's input similarities: the joint probabilities P of the high-dimensional points.
//
// For each point i, p_{j|i} is proportional to exp(-beta_i * d_ij), where d_ij is the squared
// euclidean distance (or the cosine distance, not squared, as sklearn does), and beta_i is
// found by bisection so that the entropy of p_{.|i} is log(perplexity). Then
// P = (p_{j|i} + p_{i|j}) / sum, symmetric, summing to 1.
//
// Two forms, as in sklearn:
// - sparse (Barnes-Hut): only each point's k = min(n - 1, floor(3 * perplexity + 1)) nearest
//   neighbours get a p_{j|i}; P is stored as CSR, O(n * k) memory;
// - dense (exact): every pair, n x n doubles. Only for small n.
#pragma once

#include <cstdint>
#include <vector>

#include "neighbors/neighbors.h"

namespace kd {
namespace manifold {

// p_{.|i} over `count` distances (already squared for euclidean) into p (summing to 1).
// Bisection on beta from 1, doubling or halving until bracketed, at most 100 steps, stopping
// when the entropy (in nats) is within 1e-5 of log(perplexity).
void conditional_probabilities(const float* distances, int64_t count, double perplexity, double* p);

// The number of neighbours the sparse form uses.
int64_t neighbors_for_perplexity(int64_t n_samples, double perplexity);

// Symmetric P in compressed rows; each row's columns ascending.
struct SparseAffinities {
  int64_t n = 0;
  std::vector<int64_t> row_start;  // n + 1 offsets into columns/values
  std::vector<int32_t> columns;
  std::vector<float> values;
};

SparseAffinities sparse_joint_probabilities(const neighbors::KnnGraph& graph, neighbors::Metric metric,
                                            double perplexity);

// n x n row-major, zero diagonal; entries floored at DBL_EPSILON as sklearn does.
std::vector<double> dense_joint_probabilities(const float* x, int64_t n, int64_t d, neighbors::Metric metric,
                                              double perplexity);

}  // namespace manifold
}  // namespace kd
