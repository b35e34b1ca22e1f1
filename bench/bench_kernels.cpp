// sgemm throughput of every kernel table, single- and multi-threaded.
//
//   bench_kernels            sizes 256 512 1024
//   bench_kernels 128 384    other square sizes
//
// For each size: C = A @ B (nn), C = A^T @ B (tn: the weight-gradient shape of a matmul
// backward) and C = A @ B^T (nt: the input-gradient shape). GFLOPS counts 2*M*N*K flops.
// Plain C++ on kernels.h and thread_pool.h only, so it also builds with em++ for node:
// `cmake --build build-wasm --target bench_kernels`, then
// `node --no-experimental-fetch build-wasm/bench/bench_kernels.js` (one thread).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "kernels/kernels.h"
#include "parallel/thread_pool.h"

namespace {

struct Variant {
  const char* name;
  bool transA, transB;
};

const Variant kVariants[] = {{"nn", false, false}, {"tn", true, false}, {"nt", false, true}};

// Best time of several runs (at least 3, and at least ~0.3 s in total; a slow one runs once).
double time_gemm(const kd::KernelTable& t, int64_t n, const Variant& v, std::vector<float>& a,
                 std::vector<float>& b, std::vector<float>& c) {
  using clock = std::chrono::steady_clock;
  t.f32_gemm(n, n, n, a.data(), n, v.transA, b.data(), n, v.transB, c.data(), n, 0.0f);  // warm up
  double best = 1e30, total = 0.0;
  for (int rep = 0; rep < 50 && (rep < 3 || total < 0.3) && total < 2.0; ++rep) {
    const auto start = clock::now();
    t.f32_gemm(n, n, n, a.data(), n, v.transA, b.data(), n, v.transB, c.data(), n, 0.0f);
    const double s = std::chrono::duration<double>(clock::now() - start).count();
    best = s < best ? s : best;
    total += s;
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int64_t> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::atoll(argv[i]));
  if (sizes.empty()) sizes = {256, 512, 1024};

  // A build without threads (the wasm one, bench_kernels.js) times one thread only.
  std::vector<int> thread_counts = {1};
  if (KD_THREADS) thread_counts.push_back(kd::get_num_threads() > 1 ? kd::get_num_threads() : 2);
  std::printf("active table: %s; threads:", kd::kernels().isa);
  for (int threads : thread_counts) std::printf(" %d", threads);
  std::printf("\n\n");
  std::printf("%-9s %7s %4s %6s %9s %9s\n", "isa", "threads", "op", "size", "GFLOPS", "x scalar");

  // GFLOPS of the scalar table, by (threads, op, size), for the ratio column.
  std::map<std::tuple<int, std::string, int64_t>, double> scalar_gflops;
  for (const kd::KernelTable* t : kd::all_kernel_tables()) {
    for (int threads : thread_counts) {
      kd::set_num_threads(threads);
      for (int64_t n : sizes) {
        std::vector<float> a(n * n), b(n * n), c(n * n);
        for (int64_t i = 0; i < n * n; ++i) {
          a[i] = float(i % 13) * 0.25f - 1.5f;
          b[i] = float(i % 7) * 0.5f - 1.5f;
        }
        for (const Variant& v : kVariants) {
          const double gflops = 2.0 * n * n * n / time_gemm(*t, n, v, a, b, c) * 1e-9;
          const auto key = std::make_tuple(threads, std::string(v.name), n);
          if (t == &kd::scalar_kernels()) scalar_gflops[key] = gflops;
          std::printf("%-9s %7d %4s %6lld %9.2f %8.1fx\n", t->isa, threads, v.name, (long long)n, gflops,
                      gflops / scalar_gflops[key]);
          std::fflush(stdout);
        }
      }
    }
  }
  kd::shutdown_thread_pool();
  return 0;
}
