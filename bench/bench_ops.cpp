// Per-op cost of the C++ core with no binding layer: a tiny element-wise op (dominated by
// overhead: allocation, dispatch, autograd bookkeeping) and a small MLP training step, also with
// anomaly mode on. Then the training steps of `make bench` (bench/training_steps.h): the time
// and the heap allocations (operator new, counted by bench/heap_counter.cpp) of one step once
// warm, for the playground's small MLP (2-16-16-2, tanh, batch 64, cross-entropy, SGD; with the
// caching allocator's misses, fresh storage blocks), the MNIST-size MLP and the full-softmax
// skip-gram; and the sparse embedding step (skip-gram with negative sampling, two sparse
// Embeddings of V rows x 32, batch 256 x (1 + 5), SparseAdam) at V = 10k and 1M, timed by
// phase, next to its floor: a plain loop that reads the same rows of three tables of the same
// size (weight, exp_avg, exp_avg_sq) and updates them, and nothing else.
// Built natively by bench/CMakeLists.txt (build/bench/bench_ops). To time it in wasm
// (single-threaded, against the st core of a wasm build; V = 1M needs a growing memory):
//   NODE_PATH=/usr/share/nodejs em++ -O3 -msimd128 -fwasm-exceptions -std=c++17 -Icore bench/bench_ops.cpp \
//     bench/heap_counter.cpp build-wasm/libkindling_core_st.a -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB \
//     -o build-wasm/bench_ops.js
//   node --no-experimental-fetch build-wasm/bench_ops.js
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "heap_counter.h"
#include "kernels/prefetch.h"
#include "kindling.h"
#include "training_steps.h"

using namespace kd;
using namespace kd::bench;

namespace {
template <typename Fn>
double micros_per_iteration(int iterations, Fn&& fn) {
  fn();  // warm-up
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) fn();
  auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::micro>(t1 - t0).count() / iterations;
}

double micros_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

// The sparse step with its phases timed apart: mean microseconds over `steps` steps; then its
// heap allocations per step.
void sparse_embedding_step(int64_t V, int steps) {
  SparseEmbeddingStep sparse(V);
  double forward = 0, backward = 0, step = 0, zero = 0;
  for (int i = -5; i < steps; ++i) {  // 5 warm-up steps (the optimizer state is made in the first)
    const std::array<Tensor, 3>& b = sparse.next_batch();
    auto t0 = std::chrono::steady_clock::now();
    sparse.adam->zero_grad();
    auto t1 = std::chrono::steady_clock::now();
    Tensor loss = sparse.loss(b);
    auto t2 = std::chrono::steady_clock::now();
    loss.backward();
    auto t3 = std::chrono::steady_clock::now();
    sparse.adam->step();
    if (i < 0) continue;
    zero += std::chrono::duration<double, std::micro>(t1 - t0).count();
    forward += std::chrono::duration<double, std::micro>(t2 - t1).count();
    backward += std::chrono::duration<double, std::micro>(t3 - t2).count();
    step += micros_since(t3);
  }
  std::printf("sparse embedding step V=%lld: %.0f us/step = zero_grad %.0f + forward %.0f + backward %.0f + SparseAdam %.0f, "
              "%.1f heap allocations/step\n",
              static_cast<long long>(V), (zero + forward + backward + step) / steps, zero / steps, forward / steps,
              backward / steps, step / steps, heap_allocations_per_step(sparse, 0, 100));
}

// The floor of the sparse step's memory traffic: the same rows (centers in one table, contexts
// and negatives in the other, as two tables of V rows back to back) read as the forward reads
// them, then each unique row read and written in three tables as SparseAdam does, with the
// same arithmetic. `prefetch` touches the rows a group at a time as the library does.
void sparse_rows_floor(int64_t V, int steps, bool prefetch) {
  const int64_t D = 32;
  const size_t n = static_cast<size_t>(2 * V * D);
  std::vector<float> w(n, 0.01f), m(n, 0.0f), v(n, 0.0f), gathered(static_cast<size_t>(1792 * D));
  std::vector<std::vector<int64_t>> batches;
  for (const SkipGramBatch& b : skip_gram_batches(V, 8)) {
    std::vector<int64_t> rows(b.centers);
    for (int64_t r : b.contexts) rows.push_back(V + r);
    for (int64_t r : b.negatives) rows.push_back(V + r);
    batches.push_back(rows);
  }
  double total = 0;
  for (int i = -5; i < steps; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<int64_t> rows = batches[static_cast<size_t>(i + 5) % batches.size()];
    const int64_t looked_up = static_cast<int64_t>(rows.size());
    const auto copy_row = [&](int64_t k) { std::memcpy(&gathered[k * D], &w[rows[k] * D], D * sizeof(float)); };
    if (prefetch)
      for_rows_prefetched(looked_up, [&](int64_t k) { prefetch_row(&w[rows[k] * D], D); }, copy_row);
    else
      for (int64_t k = 0; k < looked_up; ++k) copy_row(k);
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    const auto update = [&](int64_t r) {
      float* wr = &w[rows[r] * D];
      float* mr = &m[rows[r] * D];
      float* vr = &v[rows[r] * D];
      const float* g = &gathered[r * D];  // any 32 floats of the right size: the values do not matter
      for (int64_t j = 0; j < D; ++j) {
        const float m_update = (g[j] - mr[j]) * 0.1f, v_update = (g[j] * g[j] - vr[j]) * 0.001f;
        const float numer = m_update + mr[j], denom = std::sqrt(v_update + vr[j]) + 1e-8f;
        mr[j] += m_update, vr[j] += v_update;
        wr[j] -= 0.005f * (numer / denom);
      }
    };
    const int64_t unique = static_cast<int64_t>(rows.size());
    const auto touch = [&](int64_t r) {
      prefetch_row(&w[rows[r] * D], D), prefetch_row(&m[rows[r] * D], D), prefetch_row(&v[rows[r] * D], D);
    };
    if (prefetch)
      for_rows_prefetched(unique, touch, update);
    else
      for (int64_t r = 0; r < unique; ++r) update(r);
    if (i >= 0) total += micros_since(t0);
  }
  std::printf("  floor (the same rows of three %lld MB tables, nothing else%s): %.0f us/step\n",
              static_cast<long long>(n * sizeof(float) >> 20), prefetch ? ", rows touched by groups" : "", total / steps);
}
}  // namespace

int main() {
  manual_seed(0);
  Tensor a = randn({16}), b = randn({16});
  double add = micros_per_iteration(100000, [&] { Tensor c = a.add(b); });

  Tensor w1 = randn({64, 128}).mul(0.1).requires_grad_(), w2 = randn({128, 10}).mul(0.1).requires_grad_();
  Tensor x = randn({32, 64});
  auto train_step = [&] {
    Tensor loss = x.matmul(w1).relu().matmul(w2).pow(2.0).mean();
    loss.backward();
    NoGradGuard no_grad;
    w1.sub_(w1.grad(), 0.01);
    w2.sub_(w2.grad(), 0.01);
    w1.grad().zero_();
    w2.grad().zero_();
  };
  double step = micros_per_iteration(500, train_step);
  std::printf("add on [16]: %.2f us/op   MLP 64-128-10 batch 32 train step: %.1f us/step\n", add, step);
  // Anomaly mode on scans every recorded output and every gradient for NaN/Inf; off (above),
  // it costs one flag load per recorded op.
  {
    DetectAnomalyGuard anomaly;
    std::printf("the same train step with anomaly mode on: %.1f us/step\n", micros_per_iteration(500, train_step));
  }

  // Heap allocations per step once warm: the count tests/allocations holds each one to.
  ClassifierStep small_step = small_mlp_step();
  const double small = micros_per_iteration(1000, small_step);
  const int64_t fresh_before = memory_stats().fresh_blocks;
  const double small_allocations = heap_allocations_per_step(small_step, 0, 1000);
  std::printf("MLP 2-16-16-2 tanh batch 64 SGD step: %.1f us/step, %.1f heap allocations/step, %.2f fresh storage blocks/step\n",
              small, small_allocations, double(memory_stats().fresh_blocks - fresh_before) / 1000);
  ClassifierStep mnist_step = mnist_mlp_step();
  const double mnist = micros_per_iteration(50, mnist_step);
  std::printf("MLP 784-256-10 relu batch 128 Adam step: %.0f us/step, %.1f heap allocations/step\n", mnist,
              heap_allocations_per_step(mnist_step, 0, 50));
  ClassifierStep skip_gram_step = full_softmax_skip_gram_step();
  const double skip_gram = micros_per_iteration(10, skip_gram_step);
  std::printf("skip-gram V5000 D64 batch 256 full softmax Adam step: %.0f us/step, %.1f heap allocations/step\n", skip_gram,
              heap_allocations_per_step(skip_gram_step, 0, 10));

  for (int64_t V : {int64_t(10000), int64_t(1000000)}) {
    sparse_embedding_step(V, 400);
    sparse_rows_floor(V, 400, false);
    sparse_rows_floor(V, 400, true);
  }
}
