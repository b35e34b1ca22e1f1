// Heap allocations per training step once warm, counted by bench/heap_counter.cpp (it replaces
// this program's operator new, which is why these tests are a program of their own): each
// workload of bench/training_steps.h is held to the count it reaches, so a change that adds a
// heap allocation to a training step fails here. A count, not a time: it does not depend on
// the machine's load. Tensor buffers come from the caching allocator and are not counted.
#include <catch2/catch.hpp>

#include "heap_counter.h"
#include "training_steps.h"

using namespace kd;
using namespace kd::bench;

TEST_CASE("the playground's small MLP step makes no heap allocation once warm", "[allocations]") {
  manual_seed(0);
  ClassifierStep step = small_mlp_step();
  CHECK(heap_allocations_per_step(step, 5, 100) == 0);
}

namespace {
// The bigger steps are counted on one thread. On more, which worker first runs a chunk of a
// gemm (and so makes its thread_local packing buffer, once) varies from run to run: not a
// count to hold. (Sharing an op out over the pool allocates nothing itself: bench_ops counts
// 0 per step on 2 threads once every worker has its buffers.)
struct OneThread {
  int before = get_num_threads();
  OneThread() { set_num_threads(1); }
  ~OneThread() { set_num_threads(before); }
};
}  // namespace

TEST_CASE("the MNIST-size MLP step makes no heap allocation once warm (one thread)", "[allocations]") {
  OneThread one_thread;
  manual_seed(0);
  ClassifierStep step = mnist_mlp_step();
  CHECK(heap_allocations_per_step(step, 3, 10) == 0);
}

TEST_CASE("the full-softmax skip-gram step makes no heap allocation once warm (one thread)", "[allocations]") {
  OneThread one_thread;
  manual_seed(0);
  ClassifierStep step = full_softmax_skip_gram_step();
  CHECK(heap_allocations_per_step(step, 2, 4) == 0);
}

TEST_CASE("the sparse embedding step makes no heap allocation once warm (one thread)", "[allocations]") {
  OneThread one_thread;
  manual_seed(0);
  SparseEmbeddingStep step(10000);
  const size_t cycle = step.batches.size();  // whole cycles of its batches: the same count every run
  CHECK(heap_allocations_per_step(step, static_cast<int>(cycle), static_cast<int>(2 * cycle)) == 0);
}
