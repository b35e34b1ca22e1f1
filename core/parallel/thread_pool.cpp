#include "parallel/thread_pool.h"

#include <algorithm>
#include <atomic>

#if KD_THREADS
#include <condition_variable>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>
#endif

namespace kd {

#if !KD_THREADS

void set_num_threads(int) {}
int get_num_threads() { return 1; }
uint64_t pooled_jobs() { return 0; }
void shutdown_thread_pool() {}

namespace detail {
void parallel_for_pooled(int64_t n, int64_t /*grain*/, ChunkFn fn) {
  if (n > 0) fn(0, n);
}
}  // namespace detail

#else

namespace {

#if defined(__EMSCRIPTEN__) && defined(KD_WASM_POOL_SIZE)
constexpr int kMaxThreads = KD_WASM_POOL_SIZE;
#elif defined(__EMSCRIPTEN__)
constexpr int kMaxThreads = 4;  // must not exceed -sPTHREAD_POOL_SIZE, or thread creation hangs
#else
constexpr int kMaxThreads = 1024;
#endif

// How many times an idle worker checks for a new job before it sleeps.
constexpr int kSpinIterations = 1 << 16;

int clamp_threads(int n) { return std::min(std::max(n, 1), kMaxThreads); }

// Chunk c of `chunks` equal parts of [0, n). Every chunk has at least floor(n / chunks) items.
int64_t chunk_begin(int64_t n, int64_t chunks, int64_t c) { return n * c / chunks; }

// How many chunks to cut [0, n) into: at most `threads`, each at least `grain` long.
int64_t chunk_count(int64_t n, int64_t grain, int threads) {
  return std::max<int64_t>(1, std::min<int64_t>(threads, n / grain));
}

int default_threads() {
#ifdef __EMSCRIPTEN__
  return 2;  // the JS side calls set_num_threads with what it chose
#else
  return clamp_threads(static_cast<int>(std::thread::hardware_concurrency()));
#endif
}

// True on pool workers (always) and on a caller while it runs its own chunk: a parallel_for
// from such a thread must run inline, since the pool is already busy with its parent.
thread_local bool tl_inside_pool = false;

// One parallel_for in flight. Lives on the caller's stack; workers only see it between
// picking it up (under Pool::mutex, which counts them in `active`) and checking out.
struct Job {
  detail::ChunkFn fn;
  int64_t n;
  int64_t chunks;
  std::atomic<int64_t> next_chunk{0};
  std::mutex error_mutex;
  std::exception_ptr error;  // the first exception thrown by any chunk

  // Claims and runs chunks until none are left.
  void run_chunks() {
    for (int64_t c = next_chunk.fetch_add(1); c < chunks; c = next_chunk.fetch_add(1)) {
      try {
        fn(chunk_begin(n, chunks, c), chunk_begin(n, chunks, c + 1));
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    }
  }
};

struct Pool {
  std::atomic<int> num_threads{default_threads()};
  std::atomic<uint64_t> jobs_run{0};  // parallel_for calls shared out over the workers

  // Held by the thread that owns the workers for one parallel_for (or a resize/shutdown).
  // Another thread that finds it taken runs its work inline instead of waiting.
  std::mutex run_mutex;

  std::mutex mutex;  // guards everything below
  std::condition_variable work_cv;  // workers wait here for a new generation or stop
  std::condition_variable done_cv;  // the caller waits here for active == 0
  std::vector<std::thread> workers;
  Job* job = nullptr;
  uint64_t generation = 0;
  // `generation`, readable without the mutex: what an idle worker watches while it spins.
  std::atomic<uint64_t> published_generation{0};
  int active = 0;  // workers currently holding a pointer to `job`
  bool stop = false;

  // `seen` is the generation when the worker was created: a job started before the thread
  // got going is still picked up.
  void worker_loop(uint64_t seen) {
    tl_inside_pool = true;
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      // Watch for the next job a while before sleeping: in a training step the next parallel
      // op often comes within microseconds, and waking a sleeping thread costs tens of them
      // in wasm. The spin is bounded (about 50-100 µs), so an idle pool sleeps.
      lock.unlock();
      for (int i = 0; i < kSpinIterations && published_generation.load(std::memory_order_acquire) == seen; ++i) {
      }
      lock.lock();
      work_cv.wait(lock, [&] { return stop || generation != seen; });
      if (stop) return;
      seen = generation;
      Job* current = job;
      if (!current) continue;  // woke after that job had already finished
      ++active;
      lock.unlock();
      current->run_chunks();
      lock.lock();
      if (--active == 0) done_cv.notify_one();
    }
  }

  // With run_mutex held.
  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stop = true;
    }
    work_cv.notify_all();
    for (std::thread& t : workers) t.join();
    workers.clear();
    std::lock_guard<std::mutex> lock(mutex);
    stop = false;
  }

  // With run_mutex held: makes the worker count match num_threads - 1.
  void ensure_workers(int threads) {
    size_t wanted = static_cast<size_t>(threads - 1);
    if (workers.size() == wanted) return;
    if (workers.size() > wanted) stop_workers();
    std::lock_guard<std::mutex> lock(mutex);
    uint64_t current = generation;
    try {
      while (workers.size() < wanted) workers.emplace_back([this, current] { worker_loop(current); });
    } catch (const std::system_error&) {
      // No more threads to be had (e.g. a wasm build whose pthread pool is smaller than
      // expected): keep the ones we got; the caller runs the chunks nobody claims.
      num_threads.store(static_cast<int>(workers.size()) + 1);
    }
  }

  void run(Job& j) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      job = &j;
      ++generation;
      published_generation.store(generation, std::memory_order_release);
    }
    work_cv.notify_all();
    tl_inside_pool = true;
    j.run_chunks();
    tl_inside_pool = false;
    // Every chunk is now claimed; wait for the workers that claimed some, then retract the
    // job so a worker waking late cannot touch it.
    std::unique_lock<std::mutex> lock(mutex);
    done_cv.wait(lock, [&] { return active == 0; });
    job = nullptr;
  }

  ~Pool() {
    std::lock_guard<std::mutex> lock(run_mutex);
    stop_workers();
  }
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

void set_num_threads(int n) { pool().num_threads.store(clamp_threads(n)); }

int get_num_threads() { return pool().num_threads.load(); }

uint64_t pooled_jobs() { return pool().jobs_run.load(std::memory_order_relaxed); }

void shutdown_thread_pool() {
  if (tl_inside_pool) return;
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.run_mutex);
  p.stop_workers();
}

void detail::parallel_for_pooled(int64_t n, int64_t grain, ChunkFn fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  int threads = get_num_threads();
  if (n <= grain || threads == 1 || tl_inside_pool) {
    fn(0, n);
    return;
  }
  Pool& p = pool();
  std::unique_lock<std::mutex> owner(p.run_mutex, std::try_to_lock);
  if (!owner.owns_lock()) {  // another thread is using the pool
    fn(0, n);
    return;
  }
  Job job;
  job.fn = fn;
  job.n = n;
  job.chunks = chunk_count(n, grain, threads);
  if (job.chunks == 1) {
    owner.unlock();
    fn(0, n);
    return;
  }
  p.ensure_workers(threads);
  p.jobs_run.fetch_add(1, std::memory_order_relaxed);
  p.run(job);
  owner.unlock();
  if (job.error) std::rethrow_exception(job.error);
}

#endif  // KD_THREADS

}  // namespace kd
