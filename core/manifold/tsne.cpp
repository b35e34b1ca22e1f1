#include "manifold/tsne.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <mutex>

#include "optim/optimizer.h"
#include "parallel/thread_pool.h"
#include "tensor/random.h"
#include "util/data_matrix.h"
#include "util/error.h"
#include "util/estimator_options.h"
#include "util/shape.h"

namespace kd {
namespace manifold {

namespace {

constexpr double kMomentumExploration = 0.5;
constexpr double kMomentumConvergence = 0.8;
constexpr float kGainIncrease = 0.2f;
constexpr float kGainDecay = 0.8f;
constexpr float kMinGain = 0.01f;
// The initial layout's scale: sklearn's 1e-4 standard deviation, for both inits.
constexpr double kInitialScale = 1e-4;
// The gradient of KL with Student-t (one degree of freedom) similarities is
// 4 * sum_j (p_ij - q_ij) (y_i - y_j) / (1 + |y_i - y_j|^2).
constexpr double kGradientFactor = 4.0;

// As Python prints a float in sklearn's messages: 30.0, 0.5.
std::string format_value(double v) { return optim::detail::format_number(v); }

// Sums that span points (Z, the KL) are made per point on the pool, then added here in point
// order, never across threads: the total does not depend on the thread count.
double ordered_sum(const std::vector<double>& values) {
  double total = 0;
  for (double v : values) total += v;
  return total;
}

}  // namespace

void TSNEOptions::validate() const {
  KD_CHECK(n_components >= 1, ValueError, "TSNE: n_components must be >= 1, got ", n_components);
  KD_CHECK(method != "barnes_hut" || n_components <= SpaceTree::kMaxDims, ValueError,
           "TSNE: n_components should be inferior to 4 for the barnes_hut algorithm as it relies on quad-tree "
           "or oct-tree, got ", n_components, " (use method=\"exact\")");
  KD_CHECK(perplexity > 0, ValueError, "TSNE: perplexity must be > 0, got ", format_value(perplexity));
  KD_CHECK(early_exaggeration >= 1, ValueError, "TSNE: early_exaggeration must be at least 1, but is ",
           format_value(early_exaggeration));
  KD_CHECK(!learning_rate || *learning_rate > 0, ValueError, "TSNE: learning_rate must be a positive number or \"auto\", got ",
           format_value(learning_rate.value_or(0)));
  KD_CHECK(n_iter >= kExplorationIterations, ValueError, "TSNE: n_iter should be at least ", kExplorationIterations,
           ", got ", n_iter);
  KD_CHECK(angle >= 0 && angle <= 1, ValueError, "TSNE: angle must be in [0, 1], got ", format_value(angle));
  KD_CHECK(!random_state || *random_state >= 0, ValueError, "TSNE: random_state must be >= 0 or null, got ",
           random_state.value_or(0));
}

Json TSNEOptions::to_json() const { return estimator_options_to_json(*this); }

TSNEOptions TSNEOptions::from_json(const Json& json) {
  TSNEOptions options;
  read_estimator_options(json, "TSNE", options);
  return options;
}

TSNE::TSNE(TSNEOptions options) : options_(std::move(options)) { options_.validate(); }

void TSNE::check_started(const char* op) const {
  KD_CHECK(started(), StateError, op, ": this TSNE has no data yet; call start(x) or fit_transform(x) first");
}

namespace {

struct Affinities {
  SparseAffinities sparse;
  std::vector<double> dense;
};

Affinities compute_affinities(const TSNEOptions& options, const float* x, int64_t n, int64_t d) {
  const neighbors::Metric metric = neighbors::metric_from_name(options.metric, "TSNE");
  Affinities a;
  if (options.method == "exact") {
    a.dense = dense_joint_probabilities(x, n, d, metric, options.perplexity);
  } else {
    const int64_t k = neighbors_for_perplexity(n, options.perplexity);
    a.sparse = sparse_joint_probabilities(neighbors::knn_graph(x, n, d, k, metric), metric, options.perplexity);
  }
  return a;
}

void check_perplexity(const TSNEOptions& options, const Tensor& x, int64_t n, const char* op) {
  KD_CHECK(options.perplexity < static_cast<double>(n), ValueError, op, ": perplexity must be less than n_samples, got perplexity=",
           format_value(options.perplexity), " for x of shape ", shape_str(x.shape()));
}

}  // namespace

void TSNE::start(const Tensor& x) {
  const char* op = "TSNE.start()";
  DataMatrix m = data_matrix(x, op, 2);
  const int64_t n = m.n_samples, d = m.n_features;
  check_perplexity(options_, x, n, op);
  const int dims = static_cast<int>(options_.n_components);
  KD_CHECK(options_.init != "pca" || options_.n_components <= std::min(n, d), ValueError, op,
           ": init=\"pca\" needs n_components <= min(n_samples, n_features), got n_components=",
           options_.n_components, " for x of shape ", shape_str(x.shape()));

  // Everything into locals first: an error below leaves a running TSNE as it was.
  Affinities affinities = compute_affinities(options_, m.data, n, d);
  std::vector<float> y(static_cast<size_t>(n * dims));
  if (options_.init == "pca") {
    decomposition::PCA pca(decomposition::PCAOptions().n_components(dims));
    Tensor projected = pca.fit_transform(m.rows);
    const float* py = projected.data<float>();
    double mean = 0, sq = 0;
    for (int64_t i = 0; i < n; ++i) mean += py[i * dims];
    mean /= static_cast<double>(n);
    for (int64_t i = 0; i < n; ++i) sq += (py[i * dims] - mean) * (py[i * dims] - mean);
    const double std0 = std::sqrt(sq / static_cast<double>(n));
    const double scale = kInitialScale / (std0 > 0 ? std0 : 1.0);
    for (int64_t e = 0; e < n * dims; ++e) y[e] = static_cast<float>(py[e] * scale);
  } else {
    uint64_t seed;
    if (options_.random_state) {
      seed = static_cast<uint64_t>(*options_.random_state);
    } else {
      Generator& global = default_generator();
      std::lock_guard<std::mutex> lock(global.mutex());
      seed = static_cast<uint64_t>(global.randint(0, int64_t(1) << 62));
    }
    Generator generator(seed);
    for (float& v : y) v = static_cast<float>(kInitialScale * generator.normal());
  }

  exact_ = options_.method == "exact";
  dims_ = dims;
  n_ = n;
  n_features_ = d;
  data_.assign(m.data, m.data + n * d);
  sparse_p_ = std::move(affinities.sparse);
  dense_p_ = std::move(affinities.dense);
  y_ = std::move(y);
  update_.assign(y_.size(), 0.0f);
  gains_.assign(y_.size(), 1.0f);
  grad_.assign(y_.size(), 0.0f);
  row_sums_.assign(static_cast<size_t>(n), 0.0);
  iteration_ = 0;
  learning_rate_ = options_.learning_rate.value_or(std::max(static_cast<double>(n) / options_.early_exaggeration / 4, 50.0));
  kl_cache_.reset();
}

Tensor TSNE::fit_transform(const Tensor& x) {
  start(x);
  step(options_.n_iter);
  return embedding();
}

void TSNE::update_data(const Tensor& x) {
  const char* op = "TSNE.update_data()";
  check_started(op);
  DataMatrix m = data_matrix(x, op, 2);
  KD_CHECK(m.n_samples == n_, ShapeError, op, ": the layout has ", n_, " points, but x has shape ",
           shape_str(x.shape()), " (call start(x) for a new set of points)");
  Affinities affinities = compute_affinities(options_, m.data, m.n_samples, m.n_features);
  data_.assign(m.data, m.data + m.n_samples * m.n_features);
  n_features_ = m.n_features;
  sparse_p_ = std::move(affinities.sparse);
  dense_p_ = std::move(affinities.dense);
  kl_cache_.reset();
}

void TSNE::set_params(const TSNEOptions& options) {
  options.validate();
  if (started() && (options.perplexity != options_.perplexity || options.metric != options_.metric)) {
    KD_CHECK(options.perplexity < static_cast<double>(n_), ValueError,
             "TSNE.set_params(): perplexity must be less than n_samples, got perplexity=", format_value(options.perplexity),
             " for ", n_, " samples");
    Affinities affinities = compute_affinities(options, data_.data(), n_, n_features_);
    sparse_p_ = std::move(affinities.sparse);
    dense_p_ = std::move(affinities.dense);
    kl_cache_.reset();
  }
  options_ = options;
  if (started()) {
    learning_rate_ =
        options_.learning_rate.value_or(std::max(static_cast<double>(n_) / options_.early_exaggeration / 4, 50.0));
  }
}

Tensor TSNE::embedding() const {
  check_started("TSNE.embedding");
  Tensor out = Tensor::make({n_, static_cast<int64_t>(dims_)}, DType::Float32);
  std::copy(y_.begin(), y_.end(), out.data<float>());
  return out;
}

void TSNE::set_embedding(const Tensor& y) {
  const char* op = "TSNE.set_embedding()";
  check_started(op);
  DataMatrix m = data_matrix(y, op);
  KD_CHECK(m.n_samples == n_ && m.n_features == dims_, ShapeError, op, ": expected shape [", n_, ", ", dims_,
           "], got ", shape_str(y.shape()));
  y_.assign(m.data, m.data + n_ * dims_);
  kl_cache_.reset();
}

void TSNE::step(int64_t iterations) {
  check_started("TSNE.step()");
  KD_CHECK(iterations >= 0, ValueError, "TSNE.step(): iterations must be >= 0, got ", iterations);
  const size_t size = y_.size();
  for (int64_t t = 0; t < iterations; ++t) {
    if (iteration_ == kExplorationIterations) {
      std::fill(update_.begin(), update_.end(), 0.0f);
      std::fill(gains_.begin(), gains_.end(), 1.0f);
    }
    const bool exploring = iteration_ < kExplorationIterations;
    gradient(exploring ? options_.early_exaggeration : 1.0);
    const float momentum = static_cast<float>(exploring ? kMomentumExploration : kMomentumConvergence);
    const float lr = static_cast<float>(learning_rate_);
    for (size_t e = 0; e < size; ++e) {
      const float g = grad_[e];
      float gain = update_[e] * g < 0 ? gains_[e] + kGainIncrease : gains_[e] * kGainDecay;
      gain = std::max(gain, kMinGain);
      gains_[e] = gain;
      update_[e] = momentum * update_[e] - lr * (gain * g);
      y_[e] += update_[e];
    }
    ++iteration_;
  }
  if (iterations > 0) kl_cache_.reset();
}

void TSNE::gradient(double exaggeration) {
  const int dims = dims_;
  const float* y = y_.data();
  if (exact_) {
    parallel_for(n_, 16, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        double z = 0;
        for (int64_t j = 0; j < n_; ++j) {
          if (j == i) continue;
          double d2 = 0;
          for (int d = 0; d < dims; ++d) {
            const double diff = static_cast<double>(y[i * dims + d]) - y[j * dims + d];
            d2 += diff * diff;
          }
          z += 1 / (1 + d2);
        }
        row_sums_[i] = z;
      }
    });
    const double z = ordered_sum(row_sums_);
    parallel_for(n_, 16, [&](int64_t begin, int64_t end) {
      std::vector<double> acc(static_cast<size_t>(dims));
      for (int64_t i = begin; i < end; ++i) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t j = 0; j < n_; ++j) {
          if (j == i) continue;
          double d2 = 0;
          for (int d = 0; d < dims; ++d) {
            const double diff = static_cast<double>(y[i * dims + d]) - y[j * dims + d];
            d2 += diff * diff;
          }
          const double w = 1 / (1 + d2);
          const double coeff = (exaggeration * dense_p_[i * n_ + j] - w / z) * w;
          for (int d = 0; d < dims; ++d) acc[d] += coeff * (static_cast<double>(y[i * dims + d]) - y[j * dims + d]);
        }
        for (int d = 0; d < dims; ++d) grad_[i * dims + d] = static_cast<float>(kGradientFactor * acc[d]);
      }
    });
    return;
  }

  const double z = barnes_hut_repulsion();
  const std::vector<double>& repulsion = repulsion_;
  const SparseAffinities& p = sparse_p_;
  parallel_for(n_, 128, [&](int64_t begin, int64_t end) {
    double attraction[SpaceTree::kMaxDims];
    for (int64_t i = begin; i < end; ++i) {
      std::fill(attraction, attraction + dims, 0.0);
      for (int64_t e = p.row_start[i]; e < p.row_start[i + 1]; ++e) {
        const int64_t j = p.columns[e];
        double diff[SpaceTree::kMaxDims], d2 = 0;
        for (int d = 0; d < dims; ++d) {
          diff[d] = static_cast<double>(y[i * dims + d]) - y[j * dims + d];
          d2 += diff[d] * diff[d];
        }
        const double w = exaggeration * p.values[e] / (1 + d2);
        for (int d = 0; d < dims; ++d) attraction[d] += w * diff[d];
      }
      for (int d = 0; d < dims; ++d)
        grad_[i * dims + d] = static_cast<float>(kGradientFactor * (attraction[d] - repulsion[i * dims + d] / z));
    }
  });
}

double TSNE::barnes_hut_repulsion() {
  const int dims = dims_;
  const float* y = y_.data();
  tree_.build(y, n_, dims);
  repulsion_.assign(static_cast<size_t>(n_ * dims), 0.0);
  const double angle = options_.angle;
  parallel_for(n_, 128, [&](int64_t begin, int64_t end) {
    std::vector<int32_t> stack;
    for (int64_t i = begin; i < end; ++i)
      row_sums_[i] = tree_.repulsion(y + i * dims, angle, repulsion_.data() + i * dims, stack);
  });
  return ordered_sum(row_sums_);
}

double TSNE::kl_divergence() {
  check_started("TSNE.kl_divergence");
  if (kl_cache_) return *kl_cache_;
  const int dims = dims_;
  const float* y = y_.data();
  auto squared_distance = [&](int64_t i, int64_t j) {
    double d2 = 0;
    for (int d = 0; d < dims; ++d) {
      const double diff = static_cast<double>(y[i * dims + d]) - y[j * dims + d];
      d2 += diff * diff;
    }
    return d2;
  };
  std::vector<double> row_kl(static_cast<size_t>(n_), 0.0);
  if (exact_) {
    parallel_for(n_, 16, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        double z = 0;
        for (int64_t j = 0; j < n_; ++j)
          if (j != i) z += 1 / (1 + squared_distance(i, j));
        row_sums_[i] = z;
      }
    });
    const double z = ordered_sum(row_sums_);
    parallel_for(n_, 16, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        double kl = 0;
        for (int64_t j = 0; j < n_; ++j) {
          if (j == i) continue;
          const double p = dense_p_[i * n_ + j];
          const double q = std::max(1 / (1 + squared_distance(i, j)) / z, DBL_EPSILON);
          kl += p * std::log(std::max(p, DBL_EPSILON) / q);
        }
        row_kl[i] = kl;
      }
    });
  } else {
    // As sklearn's Barnes-Hut error: Z from the tree, the sum over P's nonzeros, floored at
    // float32's smallest normal.
    const double z = barnes_hut_repulsion();
    const SparseAffinities& p = sparse_p_;
    parallel_for(n_, 128, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        double kl = 0;
        for (int64_t e = p.row_start[i]; e < p.row_start[i + 1]; ++e) {
          const double pij = p.values[e];
          const double q = std::max(1 / (1 + squared_distance(i, p.columns[e])) / z, static_cast<double>(FLT_MIN));
          kl += pij * std::log(std::max(pij, static_cast<double>(FLT_MIN)) / q);
        }
        row_kl[i] = kl;
      }
    });
  }
  kl_cache_ = ordered_sum(row_kl);
  return *kl_cache_;
}

double trustworthiness(const Tensor& x, const Tensor& embedded, int64_t n_neighbors, neighbors::Metric metric) {
  const char* op = "trustworthiness()";
  DataMatrix high = data_matrix(x, op, 2);
  DataMatrix low = data_matrix(embedded, op, 2);
  const int64_t n = high.n_samples;
  KD_CHECK(low.n_samples == n, ShapeError, op, ": x and embedded must have the same number of rows, got shapes ",
           shape_str(x.shape()), " and ", shape_str(embedded.shape()));
  KD_CHECK(n_neighbors >= 1 && 2 * n_neighbors < n, ValueError, op, ": n_neighbors (", n_neighbors,
           ") should be less than n_samples / 2 (", n, ") and at least 1");
  const neighbors::KnnGraph near =
      neighbors::knn_graph(low.data, n, low.n_features, n_neighbors, neighbors::Metric::Euclidean);
  // Per point, the rank (1 = nearest) in the original space of each embedded neighbour; what
  // lies beyond n_neighbors counts against the embedding.
  std::vector<double> penalty(static_cast<size_t>(n), 0.0);
  const int64_t d = high.n_features;
  parallel_for(n, 16, [&](int64_t begin, int64_t end) {
    std::vector<double> dist(static_cast<size_t>(n));
    for (int64_t i = begin; i < end; ++i) {
      for (int64_t j = 0; j < n; ++j) dist[j] = neighbors::row_distance(high.data + i * d, high.data + j * d, d, metric);
      double sum = 0;
      for (int64_t m = 0; m < n_neighbors; ++m) {
        const int64_t j = near.indices[i * n_neighbors + m];
        int64_t rank = 1;
        for (int64_t l = 0; l < n; ++l) {
          if (l == i) continue;
          if (dist[l] < dist[j] || (dist[l] == dist[j] && l < j)) ++rank;
        }
        if (rank > n_neighbors) sum += static_cast<double>(rank - n_neighbors);
      }
      penalty[i] = sum;
    }
  });
  const double total = ordered_sum(penalty);
  const double nn = static_cast<double>(n), k = static_cast<double>(n_neighbors);
  return 1.0 - total * (2.0 / (nn * k * (2.0 * nn - 3.0 * k - 1.0)));
}

}  // namespace manifold
}  // namespace kd
