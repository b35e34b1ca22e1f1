// Exact k nearest neighbours by brute force: sklearn's NearestNeighbors(...).kneighbors() with
// no query, i.e. each row's neighbours among the *other* rows.
//
// How: rows are taken in fixed blocks of 64; for a block, one f32_gemm of the kernel table
// gives its dot products with every row, a bounded heap keeps the best candidates of each row,
// and the candidates' distances are then recomputed exactly in double (the |a|^2 + |b|^2 - 2ab
// shortcut loses digits to cancellation). Blocks run on the thread pool. Memory: one 64 x n
// float buffer per thread plus the n x k result, never n x n.
//
// Order: by increasing distance, ties by increasing index, so the result does not depend on
// the number of threads.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace kd {
namespace neighbors {

enum class Metric { Euclidean, Cosine };

// "euclidean" | "cosine"; anything else is a ValueError naming `op`.
Metric metric_from_name(const std::string& name, const char* op);
const char* metric_name(Metric metric);

// The options of kd.neighbors(x, k, {metric}), as JSON through util/estimator_options.h.
struct NeighborsOptions {
  std::string metric = "euclidean";
  template <typename Visitor>
  void fields(Visitor& v) {
    v.choice("metric", metric, {"euclidean", "cosine"});
  }
  void validate() const {}
  Metric parsed_metric() const { return metric_from_name(metric, "neighbors()"); }
};

// n rows, k neighbours each, row-major [n, k].
struct KnnGraph {
  int64_t n = 0;
  int64_t k = 0;
  std::vector<int32_t> indices;
  // Euclidean: the distance (not squared). Cosine: 1 - cos(a, b), clipped to [0, 2]; a zero
  // row has cosine similarity 0 with everything (distance 1), as in sklearn.
  std::vector<float> distances;
};

// x: n rows of d floats (finite), 1 <= k < n. Unchecked: validate first (kneighbors does).
KnnGraph knn_graph(const float* x, int64_t n, int64_t d, int64_t k, Metric metric);

// kd.neighbors(x, k, {metric}): [indices (int64 [n, k]), distances (float32 [n, k])].
// Errors: x not a finite 2-D float32 tensor, k outside [1, n - 1].
std::pair<Tensor, Tensor> kneighbors(const Tensor& x, int64_t k, Metric metric);

// The exact distance between two rows of length d, as knn_graph reports it.
double row_distance(const float* a, const float* b, int64_t d, Metric metric);

}  // namespace neighbors
}  // namespace kd
