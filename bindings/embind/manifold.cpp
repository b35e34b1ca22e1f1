// Raw Embind block for the estimators: kd::decomposition::PCA, kd::manifold::TSNE,
// kd::neighbors and trustworthiness.
//
// Options cross as JSON text with sklearn's snake_case keys; the C++ options structs own the
// defaults and validate (unknown keys, types, ranges), so the JS layer (bindings/js/manifold.mjs)
// only renames keys. Every body runs inside guarded (see boundary.h).
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <memory>
#include <string>

#include "boundary.h"
#include "decomposition/pca.h"
#include "manifold/tsne.h"
#include "neighbors/neighbors.h"
#include "util/estimator_options.h"
#include "util/json.h"

using emscripten::val;
using kd::Tensor;
using kd::wasm::guarded;
using kd::decomposition::PCA;
using kd::manifold::TSNE;

using PCAPtr = std::shared_ptr<PCA>;
using TSNEPtr = std::shared_ptr<TSNE>;

namespace {

int64_t i64(double x) { return static_cast<int64_t>(x); }

PCAPtr make_pca(const std::string& options_json) {
  return guarded([&] {
    return std::make_shared<PCA>(kd::decomposition::PCAOptions::from_json(kd::parse_json(options_json)));
  });
}

TSNEPtr make_tsne(const std::string& options_json) {
  return guarded([&] {
    return std::make_shared<TSNE>(kd::manifold::TSNEOptions::from_json(kd::parse_json(options_json)));
  });
}

// Some options over the current ones (JSON text); validated on a copy, so an error changes nothing.
void tsne_set_params(const TSNEPtr& t, const std::string& options_json) {
  guarded([&] {
    kd::manifold::TSNEOptions options = t->options();
    kd::read_estimator_options(kd::parse_json(options_json), "TSNE", options);
    t->set_params(options);
  });
}

// [indices, distances]: two new handles. options: {"metric": ...} (NeighborsOptions).
val neighbors(const Tensor& x, double k, const std::string& options_json) {
  return guarded([&] {
    kd::neighbors::NeighborsOptions options;
    kd::read_estimator_options(kd::parse_json(options_json), "neighbors()", options);
    auto [indices, distances] = kd::neighbors::kneighbors(x, i64(k), options.parsed_metric());
    val out = val::array();
    out.set(0, val(indices));
    out.set(1, val(distances));
    return out;
  });
}

// options: {"n_neighbors": ..., "metric": ...} (TrustworthinessOptions).
double trustworthiness(const Tensor& x, const Tensor& embedded, const std::string& options_json) {
  return guarded([&] {
    kd::manifold::TrustworthinessOptions options;
    kd::read_estimator_options(kd::parse_json(options_json), "trustworthiness()", options);
    return kd::manifold::trustworthiness(x, embedded, options.n_neighbors, options.parsed_metric());
  });
}

}  // namespace

#define G(...) guarded([&] { return __VA_ARGS__; })
#define GV(...) guarded([&] { __VA_ARGS__; })

EMSCRIPTEN_BINDINGS(kindling_manifold) {
  using emscripten::function;

  emscripten::class_<PCA>("RawPCA")
      .smart_ptr<PCAPtr>("RawPCAPtr")
      .function("fit", +[](PCA& p, const Tensor& x) { GV(p.fit(x)); })
      .function("transform", +[](const PCA& p, const Tensor& x) { return G(p.transform(x)); })
      .function("fitTransform", +[](PCA& p, const Tensor& x) { return G(p.fit_transform(x)); })
      .function("fitted", +[](const PCA& p) { return p.fitted(); })
      .function("nComponents", +[](const PCA& p) { return G(static_cast<double>(p.n_components())); })
      .function("components", +[](const PCA& p) { return G(p.components()); })
      .function("explainedVariance", +[](const PCA& p) { return G(p.explained_variance()); })
      .function("explainedVarianceRatio", +[](const PCA& p) { return G(p.explained_variance_ratio()); })
      .function("mean", +[](const PCA& p) { return G(p.mean()); })
      .function("params", +[](const PCA& p) { return G(p.options().to_json().dump()); });

  emscripten::class_<TSNE>("RawTSNE")
      .smart_ptr<TSNEPtr>("RawTSNEPtr")
      .function("fitTransform", +[](TSNE& t, const Tensor& x) { return G(t.fit_transform(x)); })
      .function("start", +[](TSNE& t, const Tensor& x) { GV(t.start(x)); })
      .function("step", +[](TSNE& t, double k) { GV(t.step(i64(k))); })
      .function("updateData", +[](TSNE& t, const Tensor& x) { GV(t.update_data(x)); })
      .function("started", +[](const TSNE& t) { return t.started(); })
      .function("iteration", +[](const TSNE& t) { return static_cast<double>(t.iteration()); })
      .function("embedding", +[](const TSNE& t) { return G(t.embedding()); })
      .function("setEmbedding", +[](TSNE& t, const Tensor& y) { GV(t.set_embedding(y)); })
      .function("klDivergence", +[](TSNE& t) { return G(t.kl_divergence()); })
      .function("params", +[](const TSNE& t) { return G(t.options().to_json().dump()); })
      .function("setParams", &tsne_set_params);

  function("pcaMake", &make_pca);
  function("tsneMake", &make_tsne);
  function("neighbors", &neighbors);
  function("trustworthiness", &trustworthiness);
}
