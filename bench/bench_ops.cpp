// Per-op cost of the C++ core with no binding layer: a tiny element-wise op (dominated by
// overhead: allocation, dispatch, autograd bookkeeping) and a small MLP training step, also with
// anomaly mode on; and how many heap allocations (operator new, counted by the replacement
// below) and fresh storage blocks (the caching allocator's misses) one step of the playground's
// small MLP (2-16-16-2, tanh, batch 64, cross-entropy, SGD) makes once warm.
// Built natively by bench/CMakeLists.txt (build/bench/bench_ops). To time it in wasm (single-threaded):
//   NODE_PATH=/usr/share/nodejs em++ -O3 -msimd128 -fexceptions -DKD_THREADS=0 -std=c++17 -Icore \
//     $(git ls-files 'core/*.cpp' | grep -v native_) bench/bench_ops.cpp -o build-wasm/bench_ops.js
//   node --no-experimental-fetch build-wasm/bench_ops.js
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "kindling.h"

using namespace kd;

// Every operator new of the process goes through here (the array and nothrow forms of the
// standard library forward to these), so the count is the number of heap allocations C++ code
// makes; storage buffers come from the caching allocator instead.
std::atomic<int64_t> heap_allocations{0};

void* operator new(size_t bytes) {
  heap_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(bytes == 0 ? 1 : bytes)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace {
template <typename Fn>
double micros_per_iteration(int iterations, Fn&& fn) {
  fn();  // warm-up
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) fn();
  auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::micro>(t1 - t0).count() / iterations;
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

  auto model = std::make_shared<nn::Sequential>();
  model->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(2, 16)));
  model->push_back(std::make_shared<nn::Tanh>());
  model->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(16, 16)));
  model->push_back(std::make_shared<nn::Tanh>());
  model->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(16, 2)));
  optim::SGD sgd(model->parameters(), optim::SGDOptions(0.1));
  Tensor points = randn({64, 2}), labels = randint(0, 2, {64});
  auto small_step = [&] {
    sgd.zero_grad();
    Tensor loss = nn::functional::cross_entropy(model->forward(points), labels);
    loss.backward();
    sgd.step();
  };
  const int steps = 1000;
  double small = micros_per_iteration(steps, small_step);
  const int64_t heap_before = heap_allocations.load(), fresh_before = memory_stats().fresh_blocks;
  for (int i = 0; i < steps; ++i) small_step();
  std::printf("MLP 2-16-16-2 tanh batch 64 SGD step: %.1f us/step, %.1f heap allocations/step, %.2f fresh storage blocks/step\n",
              small, double(heap_allocations.load() - heap_before) / steps,
              double(memory_stats().fresh_blocks - fresh_before) / steps);
}
