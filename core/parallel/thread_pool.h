// One persistent thread pool for the whole library (ggml style).
//
// parallel_for(n, grain, fn) splits [0, n) into at most get_num_threads() contiguous chunks,
// none smaller than `grain`, and calls fn(begin, end) once per chunk. The caller and the
// pool's workers claim chunks as they come free; it returns when every chunk is done.
//
// - Work of one chunk (n < 2 * grain) or one thread: fn(0, n) runs inline on the caller, with
//   no locking and no allocation.
// - Workers are started on first use and persist; a call from inside a chunk (nested
//   parallel_for), or while another thread is using the pool, runs inline.
// - If fn throws in any chunk, every other chunk still runs to completion, then the first
//   exception is rethrown on the caller. The pool stays usable.
// - Built with KD_THREADS=0 (the single-threaded wasm build), everything runs inline and no
//   std::thread is referenced.
#pragma once

#include <cstdint>

#ifndef KD_THREADS
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
#define KD_THREADS 0
#else
#define KD_THREADS 1
#endif
#endif

namespace kd {

// Number of threads parallel_for may use, the caller included. n < 1 means 1. Natively the
// default is std::thread::hardware_concurrency(); under Emscripten it is 2 and n is clamped
// to [1, 4] (the size of the prebuilt pthread pool; a KD_WASM_POOL_SIZE definition overrides
// the 4). With KD_THREADS=0 this is always 1.
// Takes effect at the next parallel_for (workers are re-created then if the count changed).
void set_num_threads(int n);
int get_num_threads();

// How many parallel_for calls were shared out over the pool's workers since the program
// started (work of two grains or more, on more than one thread, not nested). Everything else
// ran inline on the caller. Lets a test or a benchmark see that a small op stays on the
// calling thread. Always 0 with KD_THREADS=0.
uint64_t pooled_jobs();

namespace detail {
// A borrowed fn(begin, end): the callable's address and a function that calls it. Unlike a
// std::function it never copies the callable (which allocates for most lambdas), so sharing
// an op out over the pool allocates nothing. Valid while the callable lives: parallel_for
// returns only after every chunk is done.
struct ChunkFn {
  const void* callable;
  void (*invoke)(const void* callable, int64_t begin, int64_t end);
  void operator()(int64_t begin, int64_t end) const { invoke(callable, begin, end); }
};

// parallel_for's pooled path, for work of at least two grains on more than one thread.
void parallel_for_pooled(int64_t n, int64_t grain, ChunkFn fn);
}  // namespace detail

// Work that makes one chunk calls fn directly: the common case of a small op costs a
// comparison.
template <class Fn>
void parallel_for(int64_t n, int64_t grain, const Fn& fn) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  if (n / grain < 2 || get_num_threads() == 1) {
    fn(int64_t(0), n);
    return;
  }
  const auto invoke = [](const void* callable, int64_t begin, int64_t end) {
    (*static_cast<const Fn*>(callable))(begin, end);
  };
  detail::parallel_for_pooled(n, grain, detail::ChunkFn{&fn, invoke});
}

// The grain rule, the one place that says how much work is worth another thread. Work is
// counted in multiply-adds of a SIMD kernel; one value of an element-wise op counts
// kElementwiseCost (it waits on memory). Waking a pool thread costs tens of microseconds in
// wasm, so a chunk must carry at least kMinChunkWork (about 20 µs of a wasm sgemm, 64k
// values of a vector op): callers pass grain_for(work per item) as parallel_for's grain, and
// anything below two grains runs on the calling thread, so 2 threads are never slower than 1.
constexpr int64_t kMinChunkWork = int64_t(1) << 18;
constexpr int64_t kElementwiseCost = 4;
constexpr int64_t grain_for(int64_t work_per_item) {
  const int64_t w = work_per_item < 1 ? 1 : work_per_item;
  return (kMinChunkWork + w - 1) / w;
}
// The grain of element-wise work (values per chunk).
constexpr int64_t kElementwiseGrain = grain_for(kElementwiseCost);

// Joins and destroys the workers (node does not exit while pthreads live). The pool is
// re-created on the next parallel_for. A no-op when called from inside a chunk.
void shutdown_thread_pool();

}  // namespace kd
