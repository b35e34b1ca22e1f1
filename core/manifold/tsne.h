// sklearn.manifold.TSNE (scikit-learn 1.2), with a stepping form for live use.
//
//   kd::manifold::TSNE tsne(kd::manifold::TSNEOptions::from_json(kd::parse_json(R"({"random_state": 0})")));
//   kd::Tensor y = tsne.fit_transform(x);   // [n, n_components]
//   double kl = tsne.kl_divergence();
//
//   tsne.start(x);                          // P, the initial layout; iteration() == 0
//   while (running) { tsne.step(5); draw(tsne.embedding()); }
//   tsne.update_data(x2);                   // new P from new rows; the layout carries on
//
// The optimisation is sklearn's: gradient descent with momentum and per-coordinate gains
// (+0.2 when the gradient changes sign against the last update, x0.8 otherwise, at least
// 0.01); for the first 250 iterations P is multiplied by early_exaggeration and the momentum
// is 0.5, after that 0.8; the momentum buffer and the gains restart at iteration 250, as
// sklearn's second call of its optimiser does. There is no early stopping: fit_transform runs
// exactly n_iter iterations, and step() can go on past n_iter.
//
// method "barnes_hut": sparse P over the k = min(n - 1, floor(3 * perplexity + 1)) nearest
// neighbours (neighbors/neighbors.h), repulsion through a space tree with `angle` (theta);
// memory O(n * k), time O(n * k + n log n) per iteration. method "exact": dense P and O(n^2)
// work and memory per iteration, for small n.
//
// Reproducible: the initial layout depends only on the data and random_state (the "pca" init
// uses no randomness at all), and every sum runs in a fixed order, so the same inputs and
// random_state give bit-identical layouts at any thread count.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "decomposition/pca.h"
#include "manifold/affinities.h"
#include "manifold/space_tree.h"
#include "neighbors/neighbors.h"
#include "tensor/tensor.h"
#include "util/json.h"

namespace kd {
namespace manifold {

struct TSNEOptions {
  int64_t n_components = 2;
  double perplexity = 30;
  double early_exaggeration = 12;
  std::optional<double> learning_rate = 200.0;  // nullopt: "auto", max(n / early_exaggeration / 4, 50)
  int64_t n_iter = 1000;
  double angle = 0.5;
  std::string metric = "euclidean";  // "euclidean" | "cosine"
  std::string init = "pca";          // "pca" | "random"
  std::string method = "barnes_hut"; // "barnes_hut" | "exact"
  std::optional<int64_t> random_state;  // null: a seed drawn from the global generator (manual_seed)

  template <typename Visitor>
  void fields(Visitor& v) {
    v.integer("n_components", n_components);
    v.number("perplexity", perplexity);
    v.number("early_exaggeration", early_exaggeration);
    v.number_or_auto("learning_rate", learning_rate);
    v.integer("n_iter", n_iter);
    v.number("angle", angle);
    v.choice("metric", metric, {"euclidean", "cosine"});
    v.choice("init", init, {"pca", "random"});
    v.choice("method", method, {"barnes_hut", "exact"});
    v.optional_integer("random_state", random_state);
  }
  // Ranges as sklearn checks them, ValueError naming the option and the value.
  void validate() const;
  Json to_json() const;
  static TSNEOptions from_json(const Json& json);  // defaults for absent keys
};

// The iterations of the early-exaggeration phase.
constexpr int64_t kExplorationIterations = 250;

class TSNE {
 public:
  explicit TSNE(TSNEOptions options = {});

  // start(x) then step(n_iter); returns the embedding.
  Tensor fit_transform(const Tensor& x);

  // Computes P from x (float32 [n, n_features], finite, n > perplexity) and the initial
  // layout, and resets the optimiser; iteration() becomes 0. On error nothing changes.
  void start(const Tensor& x);
  // Runs `iterations` (>= 0) more iterations. StateError before start().
  void step(int64_t iterations = 1);
  // Recomputes P from new rows for the same points (same n; n_features may change), keeping
  // the layout, the optimiser state and the iteration count. StateError before start().
  void update_data(const Tensor& x);

  bool started() const { return n_ > 0; }
  int64_t iteration() const { return iteration_; }
  int64_t n_samples() const { return n_; }
  // The layout now, a new float32 tensor [n, n_components].
  Tensor embedding() const;
  // Replaces the layout (e.g. a perturbed copy of embedding()); same shape, finite.
  void set_embedding(const Tensor& y);
  // KL(P || Q) of the current layout with the unexaggerated P (Q from the same Barnes-Hut
  // sums for that method). Computed on demand, cached until the layout changes.
  double kl_divergence();

  const TSNEOptions& options() const { return options_; }
  // Changes options. Changing perplexity or metric of a started TSNE recomputes P from its
  // current data; n_components, init, method and random_state apply at the next start().
  void set_params(const TSNEOptions& options);

  // For tests: P as computed (sparse for barnes_hut, dense for exact).
  const SparseAffinities& sparse_affinities() const { return sparse_p_; }
  const std::vector<double>& dense_affinities() const { return dense_p_; }

 private:
  void check_started(const char* op) const;
  // The gradient of KL at y_ into grad_ (n * dims floats); P scaled by `exaggeration`.
  void gradient(double exaggeration);
  // Builds the tree over y_ and fills repulsion_ and row_sums_; returns Z.
  double barnes_hut_repulsion();

  TSNEOptions options_;
  bool exact_ = false;
  int dims_ = 2;
  int64_t n_ = 0;
  int64_t iteration_ = 0;
  double learning_rate_ = 200;
  std::vector<float> data_;  // the rows P was computed from (set_params may need them again)
  int64_t n_features_ = 0;
  SparseAffinities sparse_p_;
  std::vector<double> dense_p_;
  std::vector<float> y_, update_, gains_, grad_;
  std::vector<double> row_sums_;   // per point: its part of the normaliser Z
  std::vector<double> repulsion_;  // per point: sum_j q_ij^2 (y_i - y_j), Barnes-Hut
  SpaceTree tree_;
  std::optional<double> kl_cache_;
};

// The options of kd.manifold.trustworthiness, as sklearn's keyword arguments.
struct TrustworthinessOptions {
  int64_t n_neighbors = 5;
  std::string metric = "euclidean";  // of the original space; the embedding's is euclidean
  template <typename Visitor>
  void fields(Visitor& v) {
    v.integer("n_neighbors", n_neighbors);
    v.choice("metric", metric, {"euclidean", "cosine"});
  }
  void validate() const {}  // n_neighbors is checked against n by trustworthiness()
  neighbors::Metric parsed_metric() const { return neighbors::metric_from_name(metric, "trustworthiness()"); }
};

// sklearn.manifold.trustworthiness: how far the embedding's n_neighbors nearest neighbours
// of each point are down its ranking in the original space, 1 = all of them are also among
// its original nearest. x: [n, d], embedded: [n, c] (euclidean), n_neighbors < n / 2.
// O(n^2 * d) time, O(n) memory per thread.
double trustworthiness(const Tensor& x, const Tensor& embedded, int64_t n_neighbors,
                       neighbors::Metric metric = neighbors::Metric::Euclidean);

}  // namespace manifold
}  // namespace kd
