#include "neighbors/neighbors.h"

#include <algorithm>
#include <cmath>

#include "kernels/kernels.h"
#include "ops/ops.h"
#include "parallel/thread_pool.h"
#include "util/data_matrix.h"
#include "util/error.h"
#include "util/shape.h"

namespace kd {
namespace neighbors {

namespace {

// Rows per gemm block: fixed, so that which rows share a gemm call (and so the rounding of
// their candidate scores) never depends on the thread count.
constexpr int64_t kBlockRows = 64;
// Candidates kept per row beyond k before the exact recomputation, so that rows whose order
// the float32 shortcut got wrong near the k-th place still come out right.
constexpr int64_t kExtraCandidates = 8;

struct Candidate {
  float score;
  int32_t index;
};
bool operator<(const Candidate& a, const Candidate& b) {
  return a.score < b.score || (a.score == b.score && a.index < b.index);
}

struct ExactNeighbor {
  double distance;
  int32_t index;
};
bool operator<(const ExactNeighbor& a, const ExactNeighbor& b) {
  return a.distance < b.distance || (a.distance == b.distance && a.index < b.index);
}

}  // namespace

Metric metric_from_name(const std::string& name, const char* op) {
  if (name == "euclidean") return Metric::Euclidean;
  if (name == "cosine") return Metric::Cosine;
  throw ValueError(str(op, ": metric must be \"euclidean\" or \"cosine\", got \"", name, "\""));
}

const char* metric_name(Metric metric) { return metric == Metric::Euclidean ? "euclidean" : "cosine"; }

double row_distance(const float* a, const float* b, int64_t d, Metric metric) {
  if (metric == Metric::Euclidean) {
    double sum = 0;
    for (int64_t f = 0; f < d; ++f) {
      const double diff = static_cast<double>(a[f]) - b[f];
      sum += diff * diff;
    }
    return std::sqrt(sum);
  }
  double ab = 0, aa = 0, bb = 0;
  for (int64_t f = 0; f < d; ++f) {
    ab += static_cast<double>(a[f]) * b[f];
    aa += static_cast<double>(a[f]) * a[f];
    bb += static_cast<double>(b[f]) * b[f];
  }
  const double similarity = (aa > 0 && bb > 0) ? ab / std::sqrt(aa * bb) : 0.0;
  return std::clamp(1.0 - similarity, 0.0, 2.0);
}

KnnGraph knn_graph(const float* x, int64_t n, int64_t d, int64_t k, Metric metric) {
  KnnGraph graph;
  graph.n = n;
  graph.k = k;
  graph.indices.resize(static_cast<size_t>(n * k));
  graph.distances.resize(static_cast<size_t>(n * k));
  const int64_t candidates = std::min(n - 1, k + kExtraCandidates);

  // Ranking score per pair, smaller is nearer. Euclidean: |b|^2 - 2 a.b (|a|^2 is the same for
  // every candidate of row a). Cosine: -a.b over unit rows.
  std::vector<float> unit;
  const float* rows = x;
  if (metric == Metric::Cosine) {
    unit.assign(x, x + n * d);
    for (int64_t i = 0; i < n; ++i) {
      double sq = 0;
      for (int64_t f = 0; f < d; ++f) sq += static_cast<double>(x[i * d + f]) * x[i * d + f];
      const float inv = sq > 0 ? static_cast<float>(1.0 / std::sqrt(sq)) : 0.0f;
      for (int64_t f = 0; f < d; ++f) unit[i * d + f] *= inv;
    }
    rows = unit.data();
  }
  std::vector<float> sq_norms(static_cast<size_t>(n), 0.0f);
  if (metric == Metric::Euclidean) {
    for (int64_t i = 0; i < n; ++i) {
      double sq = 0;
      for (int64_t f = 0; f < d; ++f) sq += static_cast<double>(x[i * d + f]) * x[i * d + f];
      sq_norms[i] = static_cast<float>(sq);
    }
  }

  const KernelTable& kt = kernels();
  const int64_t blocks = (n + kBlockRows - 1) / kBlockRows;
  parallel_for(blocks, 1, [&](int64_t block_begin, int64_t block_end) {
    std::vector<float> dots(static_cast<size_t>(kBlockRows * n));
    std::vector<Candidate> heap;
    std::vector<ExactNeighbor> exact;
    heap.reserve(static_cast<size_t>(candidates));
    for (int64_t block = block_begin; block < block_end; ++block) {
      const int64_t r0 = block * kBlockRows;
      const int64_t rn = std::min(kBlockRows, n - r0);
      kt.f32_gemm(rn, n, d, rows + r0 * d, d, false, rows, d, true, dots.data(), n, 0.0f);
      for (int64_t r = 0; r < rn; ++r) {
        const int64_t i = r0 + r;
        float* score = dots.data() + r * n;  // dot products, turned into scores in place
        if (metric == Metric::Euclidean) {
          for (int64_t j = 0; j < n; ++j) score[j] = sq_norms[j] - 2.0f * score[j];
        } else {
          for (int64_t j = 0; j < n; ++j) score[j] = -score[j];
        }
        // A bounded max-heap of the best candidates; most j fail the one comparison with the
        // worst kept score and cost nothing more.
        heap.clear();
        int64_t j = 0;
        for (; j < n && static_cast<int64_t>(heap.size()) < candidates; ++j) {
          if (j != i) heap.push_back({score[j], static_cast<int32_t>(j)});
        }
        std::make_heap(heap.begin(), heap.end());
        float worst = heap.front().score;
        for (; j < n; ++j) {
          if (score[j] > worst || j == i) continue;
          const Candidate c{score[j], static_cast<int32_t>(j)};
          if (!(c < heap.front())) continue;
          std::pop_heap(heap.begin(), heap.end());
          heap.back() = c;
          std::push_heap(heap.begin(), heap.end());
          worst = heap.front().score;
        }
        exact.clear();
        for (const Candidate& c : heap) {
          exact.push_back({row_distance(x + i * d, x + static_cast<int64_t>(c.index) * d, d, metric), c.index});
        }
        std::sort(exact.begin(), exact.end());
        for (int64_t m = 0; m < k; ++m) {
          graph.indices[i * k + m] = exact[m].index;
          graph.distances[i * k + m] = static_cast<float>(exact[m].distance);
        }
      }
    }
  });
  return graph;
}

std::pair<Tensor, Tensor> kneighbors(const Tensor& x, int64_t k, Metric metric) {
  DataMatrix m = data_matrix(x, "neighbors()", 2);
  KD_CHECK(k >= 1 && k < m.n_samples, ValueError, "neighbors(): k must be in [1, n_samples - 1] = [1, ",
           m.n_samples - 1, "] (each row's neighbours are the other rows), got k=", k, " for shape ",
           shape_str(x.shape()));
  KnnGraph graph = knn_graph(m.data, m.n_samples, m.n_features, k, metric);
  Tensor indices = Tensor::make({m.n_samples, k}, DType::Int64);
  Tensor distances = Tensor::make({m.n_samples, k}, DType::Float32);
  int64_t* out_indices = indices.data<int64_t>();
  std::copy(graph.indices.begin(), graph.indices.end(), out_indices);
  std::copy(graph.distances.begin(), graph.distances.end(), distances.data<float>());
  return {indices, distances};
}

}  // namespace neighbors
}  // namespace kd
