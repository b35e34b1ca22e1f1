// PCA, nearest neighbours and t-SNE against scikit-learn 1.2
// (tests/fixtures/manifold/manifold_golden.json, written by generate_manifold.py), plus the
// properties sklearn cannot give: bit-identical layouts across runs and thread counts, the
// stepping form equal to fit_transform, errors that change nothing.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "golden.h"
#include "kindling.h"
#include "nn_test_util.h"
#include "util/estimator_options.h"

using nntest::message_of;

namespace {

const kd::Json& manifold_fixtures() {
  return golden::load_fixture("manifold/manifold_golden.json", "tests/fixtures/manifold/generate_manifold.py");
}

std::vector<double> doubles(const kd::Json& j) {
  std::vector<double> out;
  for (const kd::Json& v : j.as_array()) out.push_back(v.as_double());
  return out;
}

kd::Tensor dataset(const std::string& name) {
  const kd::Json& d = manifold_fixtures()["datasets"][name];
  std::vector<float> values;
  for (const kd::Json& v : d["x"].as_array()) values.push_back(static_cast<float>(v.as_double()));
  return kd::tensor(values, golden::shape_of(d["shape"]));
}

// |ours - theirs| <= atol + rtol * |theirs| for every element; names the first one that is off.
void check_close(const std::string& what, const std::vector<double>& ours, const std::vector<double>& theirs,
                 double rtol, double atol) {
  REQUIRE(ours.size() == theirs.size());
  for (size_t i = 0; i < ours.size(); ++i) {
    INFO(what << "[" << i << "]: ours " << ours[i] << ", sklearn " << theirs[i]);
    REQUIRE(std::fabs(ours[i] - theirs[i]) <= atol + rtol * std::fabs(theirs[i]));
  }
}

// P's smallest entries are exp(-beta d) deep in the tail, where the float32 rounding of d
// (sklearn computes cosine distances in float32, kd in double) moves them by more than 1e-4
// relative: they are allowed 1e-6 of the row's largest entry.
double tail_tolerance(const std::vector<double>& row) {
  double largest = 0;
  for (double v : row) largest = std::max(largest, v);
  return 1e-6 * largest;
}

std::vector<double> values_of(const kd::Tensor& t) {
  std::vector<float> v = t.to_vector<float>();
  return std::vector<double>(v.begin(), v.end());
}

kd::manifold::TSNEOptions tsne_options(const std::string& json) {
  return kd::manifold::TSNEOptions::from_json(kd::parse_json(json));
}

struct ThreadCount {
  int saved = kd::get_num_threads();
  explicit ThreadCount(int n) { kd::set_num_threads(n); }
  ~ThreadCount() { kd::set_num_threads(saved); }
};

const char* const kDatasets[] = {"blobs", "digits", "small"};

}  // namespace

TEST_CASE("PCA matches sklearn (components sign-normalised, variances, mean, transform)", "[manifold][pca]") {
  for (const char* name : kDatasets) {
    SECTION(name) {
      const kd::Json& expected = manifold_fixtures()["datasets"][name]["pca"];
      kd::decomposition::PCA pca(kd::decomposition::PCAOptions().n_components(expected["n_components"].as_int()));
      kd::Tensor x = dataset(name);
      pca.fit(x);
      check_close("components", values_of(pca.components()), doubles(expected["components"]), 0, 1e-4);
      check_close("explained_variance", values_of(pca.explained_variance()), doubles(expected["explained_variance"]),
                  1e-4, 1e-6);
      check_close("explained_variance_ratio", values_of(pca.explained_variance_ratio()),
                  doubles(expected["explained_variance_ratio"]), 0, 1e-4);
      check_close("mean", values_of(pca.mean()), doubles(expected["mean"]), 1e-5, 1e-5);
      kd::Tensor first = x.narrow(0, 0, expected["transform_rows"].as_int());
      check_close("transform", values_of(pca.transform(first)), doubles(expected["transform"]), 1e-4, 1e-4);
    }
  }
}

TEST_CASE("PCA: components are orthonormal and all of them explain all the variance", "[manifold][pca]") {
  kd::Tensor x = dataset("blobs");
  kd::decomposition::PCA pca;  // n_components null: min(n_samples, n_features) = 10
  kd::Tensor y = pca.fit_transform(x);
  REQUIRE(y.shape() == kd::Shape{300, 10});
  std::vector<double> c = values_of(pca.components());
  for (int a = 0; a < 10; ++a)
    for (int b = 0; b < 10; ++b) {
      double dot = 0;
      for (int f = 0; f < 10; ++f) dot += c[a * 10 + f] * c[b * 10 + f];
      REQUIRE(std::fabs(dot - (a == b ? 1.0 : 0.0)) < 1e-5);
    }
  double total = 0;
  for (double r : values_of(pca.explained_variance_ratio())) total += r;
  REQUIRE(std::fabs(total - 1.0) < 1e-5);
}

TEST_CASE("PCA: bad input is an error that leaves a fitted PCA as it was", "[manifold][pca][errors]") {
  kd::Tensor x = dataset("small");
  kd::decomposition::PCA pca(kd::decomposition::PCAOptions().n_components(2));
  REQUIRE(message_of([&] { pca.transform(x); }) == "PCA.transform(): this PCA is not fitted yet; call fit() first");
  pca.fit(x);
  const std::vector<double> before = values_of(pca.components());
  kd::decomposition::PCA wide(kd::decomposition::PCAOptions().n_components(11));
  REQUIRE(message_of([&] { wide.fit(x); }) ==
          "PCA.fit(): n_components=11 must be between 1 and min(n_samples, n_features)=10 for x of shape [120, 10]");
  REQUIRE(message_of([&] { pca.fit(kd::zeros({4})); }) ==
          "PCA.fit(): expected a 2-D float32 tensor [n_samples, n_features], got shape [4]");
  kd::Tensor bad = x.clone();
  bad.data<float>()[13] = NAN;
  REQUIRE(message_of([&] { pca.fit(bad); }) ==
          "PCA.fit(): input contains NaN or infinity (row 1, column 3 of shape [120, 10])");
  REQUIRE(message_of([&] { pca.transform(kd::zeros({3, 4})); }) ==
          "PCA.transform(): x has 4 features, but this PCA was fitted on 10 (x of shape [3, 4])");
  REQUIRE_THROWS_AS(pca.fit(bad), kd::ValueError);
  REQUIRE(values_of(pca.components()) == before);
  REQUIRE_THROWS_AS(kd::decomposition::PCAOptions::from_json(kd::parse_json(R"({"n_components": 0})")), kd::ValueError);
  REQUIRE(message_of([] { kd::decomposition::PCAOptions::from_json(kd::parse_json(R"({"whiten": true})")); }) ==
          "PCA has no option named \"whiten\"");
}

TEST_CASE("neighbors match sklearn's kneighbors() (euclidean and cosine)", "[manifold][neighbors]") {
  for (const char* name : {"blobs", "digits"}) {
    for (const kd::Json& expected : manifold_fixtures()["datasets"][name]["neighbors"].as_array()) {
      const std::string metric = expected["metric"].as_string();
      SECTION(std::string(name) + " " + metric) {
        auto [indices, distances] =
            kd::neighbors::kneighbors(dataset(name), expected["k"].as_int(), kd::neighbors::metric_from_name(metric, "test"));
        const int64_t rows = expected["rows"].as_int();
        std::vector<int64_t> ours = indices.narrow(0, 0, rows).contiguous().to_vector<int64_t>();
        std::vector<int64_t> theirs;
        for (const kd::Json& v : expected["indices"].as_array()) theirs.push_back(v.as_int());
        REQUIRE(ours == theirs);
        check_close("distances", values_of(distances.narrow(0, 0, rows).contiguous()), doubles(expected["distances"]),
                    1e-5, 1e-6);
      }
    }
  }
}

TEST_CASE("neighbors: the same result at any thread count; k out of range is an error", "[manifold][neighbors]") {
  kd::Tensor x = dataset("digits");
  std::vector<int64_t> one, two;
  {
    ThreadCount t(1);
    one = kd::neighbors::kneighbors(x, 12, kd::neighbors::Metric::Euclidean).first.to_vector<int64_t>();
  }
  {
    ThreadCount t(2);
    two = kd::neighbors::kneighbors(x, 12, kd::neighbors::Metric::Euclidean).first.to_vector<int64_t>();
  }
  REQUIRE(one == two);
  REQUIRE(message_of([&] { kd::neighbors::kneighbors(x, 400, kd::neighbors::Metric::Cosine); }) ==
          "neighbors(): k must be in [1, n_samples - 1] = [1, 399] (each row's neighbours are the other rows), got "
          "k=400 for shape [400, 64]");
  REQUIRE(message_of([] { kd::neighbors::metric_from_name("manhattan", "neighbors()"); }) ==
          "neighbors(): metric must be \"euclidean\" or \"cosine\", got \"manhattan\"");
}

TEST_CASE("t-SNE joint probabilities P match sklearn's", "[manifold][tsne]") {
  for (const char* name : kDatasets) {
    for (const kd::Json& expected : manifold_fixtures()["datasets"][name]["p"].as_array()) {
      const std::string method = expected["method"].as_string(), metric = expected["metric"].as_string();
      SECTION(std::string(name) + " " + method + " " + metric) {
        kd::manifold::TSNE tsne(tsne_options(R"({"method": ")" + method + R"(", "metric": ")" + metric + "\"}"));
        tsne.start(dataset(name));
        const kd::Json& rows = expected["rows"];
        if (method == "exact") {
          const std::vector<double>& p = tsne.dense_affinities();
          const int64_t n = tsne.n_samples();
          for (size_t i = 0; i < rows.size(); ++i) {
            std::vector<double> ours(p.begin() + i * n, p.begin() + (i + 1) * n);
            ours[i] = 0;  // sklearn's squareform leaves the diagonal at 0
            check_close("P row " + std::to_string(i), ours, doubles(rows[i]), 1e-4, tail_tolerance(doubles(rows[i])));
          }
        } else {
          const kd::manifold::SparseAffinities& p = tsne.sparse_affinities();
          REQUIRE(static_cast<int64_t>(p.columns.size()) == expected["nnz"].as_int());
          double sum = 0;
          for (float v : p.values) sum += v;
          REQUIRE(std::fabs(sum - 1.0) < 1e-5);
          for (size_t i = 0; i < rows.size(); ++i) {
            std::vector<int64_t> cols(p.columns.begin() + p.row_start[i], p.columns.begin() + p.row_start[i + 1]);
            std::vector<int64_t> their_cols;
            for (const kd::Json& c : rows[i]["columns"].as_array()) their_cols.push_back(c.as_int());
            REQUIRE(cols == their_cols);
            std::vector<double> ours(p.values.begin() + p.row_start[i], p.values.begin() + p.row_start[i + 1]);
            check_close("P row " + std::to_string(i), ours, doubles(rows[i]["values"]), 1e-4,
                        tail_tolerance(doubles(rows[i]["values"])));
          }
        }
      }
    }
  }
}

TEST_CASE("t-SNE: KL within 10% of sklearn's and trustworthiness no more than 0.02 below", "[manifold][tsne]") {
  for (const char* name : kDatasets) {
    SECTION(name) {
      const kd::Json& expected = manifold_fixtures()["datasets"][name]["tsne"];
      kd::manifold::TSNE tsne(tsne_options(R"({"random_state": 0, "method": ")" + expected["method"].as_string() + "\"}"));
      kd::Tensor x = dataset(name);
      tsne.start(x);
      tsne.step(expected["n_iter"].as_int());
      const double kl = tsne.kl_divergence(), sk_kl = expected["kl_divergence"].as_double();
      const double trust = kd::manifold::trustworthiness(x, tsne.embedding(), 5);
      const double sk_trust = expected["trustworthiness"].as_double();
      INFO(name << ": KL ours " << kl << " sklearn " << sk_kl << "; trustworthiness ours " << trust << " sklearn "
                << sk_trust);
      CHECK(std::fabs(kl - sk_kl) <= 0.1 * sk_kl);
      CHECK(trust >= sk_trust - 0.02);
    }
  }
}

TEST_CASE("trustworthiness matches sklearn's on sklearn's own embedding", "[manifold][tsne]") {
  for (const char* name : kDatasets) {
    SECTION(name) {
      const kd::Json& expected = manifold_fixtures()["datasets"][name]["tsne"];
      std::vector<float> y;
      for (const kd::Json& v : expected["embedding"].as_array()) y.push_back(static_cast<float>(v.as_double()));
      kd::Tensor x = dataset(name);
      kd::Tensor embedded = kd::tensor(y, {x.shape()[0], 2});
      REQUIRE(std::fabs(kd::manifold::trustworthiness(x, embedded, 5) - expected["trustworthiness"].as_double()) < 1e-9);
      REQUIRE(kd::manifold::trustworthiness(x, x, 5) == 1.0);
    }
  }
}

TEST_CASE("t-SNE: the same random_state gives a bit-identical layout, at any thread count", "[manifold][tsne]") {
  kd::Tensor x = dataset("blobs");
  for (const char* method : {"barnes_hut", "exact"}) {
    SECTION(method) {
      auto run = [&](int threads, int seed) {
        ThreadCount t(threads);
        kd::manifold::TSNE tsne(tsne_options(std::string(R"({"init": "random", "n_iter": 300, "method": ")") + method +
                                             R"(", "random_state": )" + std::to_string(seed) + "}"));
        return tsne.fit_transform(x).to_vector<float>();
      };
      const std::vector<float> a = run(1, 7);
      REQUIRE(run(1, 7) == a);
      REQUIRE(run(2, 7) == a);
      REQUIRE(run(2, 8) != a);
    }
  }
}

TEST_CASE("t-SNE stepping form: start + steps equals fit_transform; update_data follows new rows", "[manifold][tsne]") {
  kd::Tensor x = dataset("digits");
  kd::manifold::TSNE whole(tsne_options(R"({"n_iter": 400})"));
  const std::vector<float> expected = whole.fit_transform(x).to_vector<float>();

  kd::manifold::TSNE stepped;
  stepped.start(x);
  REQUIRE(stepped.iteration() == 0);
  stepped.step(100);
  stepped.step(0);
  stepped.step(149);
  stepped.step(2);  // across the end of early exaggeration
  // Same rows: P is recomputed identically and the run carries on as if nothing happened.
  stepped.update_data(x.clone());
  stepped.step(149);
  REQUIRE(stepped.iteration() == 400);
  REQUIRE(stepped.embedding().to_vector<float>() == expected);

  // New rows for the same points: the layout and the count are kept, P (and so the KL) changes,
  // and further steps fit the new P.
  const double kl_before = stepped.kl_divergence();
  kd::manual_seed(3);
  kd::Tensor changed = x.add(kd::randn({400, 64}).mul(4.0));
  stepped.update_data(changed);
  REQUIRE(stepped.iteration() == 400);
  REQUIRE(stepped.embedding().to_vector<float>() == expected);
  const double kl_new_p = stepped.kl_divergence();
  REQUIRE(kl_new_p != kl_before);
  stepped.step(100);
  REQUIRE(stepped.kl_divergence() < kl_new_p);
}

TEST_CASE("t-SNE: bad input and options are errors that change nothing", "[manifold][tsne][errors]") {
  kd::Tensor x = dataset("small");
  kd::manifold::TSNE tsne(tsne_options(R"({"n_iter": 250})"));
  REQUIRE(message_of([&] { tsne.step(1); }) ==
          "TSNE.step(): this TSNE has no data yet; call start(x) or fit_transform(x) first");
  REQUIRE(message_of([&] { tsne.start(x.narrow(0, 0, 30)); }) ==
          "TSNE.start(): perplexity must be less than n_samples, got perplexity=30.0 for x of shape [30, 10]");
  tsne.start(x);
  tsne.step(10);
  const std::vector<float> layout = tsne.embedding().to_vector<float>();
  kd::Tensor bad = x.clone();
  bad.data<float>()[5] = INFINITY;
  REQUIRE(message_of([&] { tsne.start(bad); }) ==
          "TSNE.start(): input contains NaN or infinity (row 0, column 5 of shape [120, 10])");
  REQUIRE(message_of([&] { tsne.update_data(x.narrow(0, 0, 100)); }) ==
          "TSNE.update_data(): the layout has 120 points, but x has shape [100, 10] (call start(x) for a new set of "
          "points)");
  REQUIRE(message_of([&] { tsne.set_embedding(kd::zeros({120, 3})); }) ==
          "TSNE.set_embedding(): expected shape [120, 2], got [120, 3]");
  REQUIRE(message_of([&] { tsne.step(-1); }) == "TSNE.step(): iterations must be >= 0, got -1");
  REQUIRE(tsne.iteration() == 10);
  REQUIRE(tsne.embedding().to_vector<float>() == layout);

  const std::pair<const char*, const char*> bad_options[] = {
      {R"({"perplexity": 0})", "TSNE: perplexity must be > 0, got 0.0"},
      {R"({"n_iter": 100})", "TSNE: n_iter should be at least 250, got 100"},
      {R"({"angle": 1.5})", "TSNE: angle must be in [0, 1], got 1.5"},
      {R"({"learning_rate": "fast"})", "TSNE option \"learning_rate\" must be a number or \"auto\", got \"fast\""},
      {R"({"metric": "manhattan"})",
       "TSNE option \"metric\" must be one of \"euclidean\", \"cosine\", got \"manhattan\""},
      {R"({"n_components": 4})",
       "TSNE: n_components should be inferior to 4 for the barnes_hut algorithm as it relies on quad-tree or "
       "oct-tree, got 4 (use method=\"exact\")"},
      {R"({"n_components": 2.5})", "TSNE option \"n_components\" must be an integer, got 2.5"},
      {R"({"perplexity": 5, "verbose": 1})", "TSNE has no option named \"verbose\""},
  };
  for (const auto& [json, message] : bad_options) {
    INFO(json);
    const auto text = json;  // a lambda may not capture a structured binding before C++20 (clang)
    REQUIRE(message_of([&] { tsne_options(text); }) == message);
  }
  kd::manifold::TSNEOptions options = tsne.options();
  REQUIRE_THROWS_AS(kd::read_estimator_options(kd::parse_json(R"({"perplexity": 5, "angle": 2})"), "TSNE", options),
                    kd::ValueError);
  REQUIRE(options.perplexity == 30);
  REQUIRE(options.to_json().dump() ==
          R"({"n_components":2,"perplexity":30,"early_exaggeration":12,"learning_rate":200,"n_iter":250,)"
          R"("angle":0.5,"metric":"euclidean","init":"pca","method":"barnes_hut","random_state":null})");
}

TEST_CASE("space tree: with angle 0 the repulsion is the exact sum, duplicates included", "[manifold][tsne]") {
  // 6 points in 2-D, two of them at the same place.
  const std::vector<float> y = {0.0f, 0.0f, 1.0f, 0.5f, -2.0f, 1.0f, 1.0f, 0.5f, 0.25f, -3.0f, 4.0f, 4.0f};
  const int64_t n = 6;
  kd::manifold::SpaceTree tree;
  tree.build(y.data(), n, 2);
  std::vector<int32_t> stack;
  for (int64_t i = 0; i < n; ++i) {
    double force[2] = {0, 0}, expected_force[2] = {0, 0}, expected_z = 0;
    for (int64_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const double dx = y[i * 2] - y[j * 2], dy = y[i * 2 + 1] - y[j * 2 + 1];
      const double q = 1 / (1 + dx * dx + dy * dy);
      expected_z += q;
      expected_force[0] += q * q * dx;
      expected_force[1] += q * q * dy;
    }
    const double z = tree.repulsion(y.data() + i * 2, 0.0, force, stack);
    INFO("point " << i);
    REQUIRE(std::fabs(z - expected_z) < 1e-12);
    REQUIRE(std::fabs(force[0] - expected_force[0]) < 1e-12);
    REQUIRE(std::fabs(force[1] - expected_force[1]) < 1e-12);
  }
}

TEST_CASE("t-SNE set_params: a new perplexity recomputes P from the data; a bad one changes nothing", "[manifold][tsne]") {
  kd::Tensor x = dataset("small");
  kd::manifold::TSNE live;
  live.start(x);
  live.step(3);
  kd::manifold::TSNEOptions options = live.options();
  options.perplexity = 10;
  live.set_params(options);
  kd::manifold::TSNE fresh(tsne_options(R"({"perplexity": 10})"));
  fresh.start(x);
  REQUIRE(live.sparse_affinities().columns == fresh.sparse_affinities().columns);
  REQUIRE(live.sparse_affinities().values == fresh.sparse_affinities().values);
  REQUIRE(live.iteration() == 3);

  options.perplexity = 500;
  REQUIRE(message_of([&] { live.set_params(options); }) ==
          "TSNE.set_params(): perplexity must be less than n_samples, got perplexity=500.0 for 120 samples");
  REQUIRE(live.options().perplexity == 10);
  REQUIRE(live.sparse_affinities().values == fresh.sparse_affinities().values);
}
