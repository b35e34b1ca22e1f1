// Heap allocations counted: a program that links bench/heap_counter.cpp has its global
// operator new replaced by one that counts (the array and nothrow forms of the standard
// library forward to it), so the count is the number of heap blocks C++ code asked for, on any
// thread. Tensor buffers come from the caching allocator, which counts its own misses
// (memory_stats().fresh_blocks).
#pragma once

#include <cstdint>

namespace kd::bench {

// operator new calls so far in this process.
int64_t heap_allocations();

// Heap allocations per call of `step`, averaged over `steps` calls made after `warmup` calls
// (the first steps make the optimizer state, the pools' blocks and the pass state).
template <typename Step>
double heap_allocations_per_step(Step& step, int warmup, int steps) {
  for (int i = 0; i < warmup; ++i) step();
  const int64_t before = heap_allocations();
  for (int i = 0; i < steps; ++i) step();
  return static_cast<double>(heap_allocations() - before) / steps;
}

}  // namespace kd::bench
