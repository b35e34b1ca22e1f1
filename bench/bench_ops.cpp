// Per-op cost of the C++ core with no binding layer: a tiny element-wise op (dominated by
// overhead: allocation, dispatch, autograd bookkeeping) and a small MLP training step, also with
// anomaly mode on.
// Built natively by bench/CMakeLists.txt (build/bench/bench_ops). To time it in wasm (single-threaded):
//   NODE_PATH=/usr/share/nodejs em++ -O3 -msimd128 -fexceptions -DKD_THREADS=0 -std=c++17 -Icore \
//     $(git ls-files 'core/*.cpp' | grep -v native_) bench/bench_ops.cpp -o build-wasm/bench_ops.js
//   node --no-experimental-fetch build-wasm/bench_ops.js
#include <chrono>
#include <cstdio>

#include "kindling.h"

using namespace kd;

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
  DetectAnomalyGuard anomaly;
  std::printf("the same train step with anomaly mode on: %.1f us/step\n", micros_per_iteration(500, train_step));
}
