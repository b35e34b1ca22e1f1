// t-SNE throughput of the C++ core, native (the wasm figures come from bench/js/tsne.mjs, on
// the same data): for each N, D = 64 points in 10 Gaussian clusters (kd::manual_seed(0)),
// the time of the kNN graph (k = 91, perplexity 30), of start() (kNN + P + PCA init), and the
// iterations per second of Barnes-Hut (angle 0.5) in the early-exaggeration phase
// (iterations 0-99) and after it (250-349). A benchmark, not a test: it prints, never fails.
//   build/bench/bench_tsne [N ...] [--threads T]      (default N: 1000 5000 20000; T: all)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels/kernels.h"
#include "kindling.h"

using namespace kd;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The benchmark data set; bench/js/tsne.mjs builds the same one through the JS API.
Tensor clusters(int64_t n, int64_t d) {
  manual_seed(0);
  Tensor centers = randn({10, d}).mul(4.0);
  std::vector<int64_t> labels(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) labels[i] = i % 10;
  return centers.index_select(0, tensor_i64(labels, {n})).add(randn({n, d}));
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int64_t> sizes;
  for (int a = 1; a < argc; ++a) {
    if (std::strcmp(argv[a], "--threads") == 0 && a + 1 < argc) {
      set_num_threads(std::atoi(argv[++a]));
    } else {
      sizes.push_back(std::atoll(argv[a]));
    }
  }
  if (sizes.empty()) sizes = {1000, 5000, 20000};
  std::printf("native (%s kernels), %d threads, D = 64, perplexity 30, angle 0.5\n", kernels().isa, get_num_threads());
  std::printf("%7s %9s %9s %12s %12s %10s\n", "N", "kNN s", "start s", "it/s 0-99", "it/s 250-349", "P nnz/N");
  for (int64_t n : sizes) {
    Tensor x = clusters(n, 64);
    auto t0 = std::chrono::steady_clock::now();
    neighbors::kneighbors(x, manifold::neighbors_for_perplexity(n, 30), neighbors::Metric::Euclidean);
    const double knn = seconds_since(t0);
    manifold::TSNE tsne(manifold::TSNEOptions::from_json(parse_json(R"({"random_state": 0})")));
    t0 = std::chrono::steady_clock::now();
    tsne.start(x);
    const double start = seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    tsne.step(100);
    const double early = 100 / seconds_since(t0);
    tsne.step(150);
    t0 = std::chrono::steady_clock::now();
    tsne.step(100);
    const double late = 100 / seconds_since(t0);
    const double nnz_per_point = static_cast<double>(tsne.sparse_affinities().columns.size()) / static_cast<double>(n);
    std::printf("%7lld %9.3f %9.3f %12.1f %12.1f %10.1f\n", static_cast<long long>(n), knn, start, early, late,
                nnz_per_point);
    std::fflush(stdout);
  }
  shutdown_thread_pool();
  return 0;
}
