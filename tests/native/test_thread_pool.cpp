#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "parallel/thread_pool.h"

namespace {

// Restores the thread count a test changed.
struct ThreadCountGuard {
  int saved = kd::get_num_threads();
  ~ThreadCountGuard() { kd::set_num_threads(saved); }
};

// Runs parallel_for and records the chunks it was given.
std::vector<std::pair<int64_t, int64_t>> chunks_of(int64_t n, int64_t grain) {
  std::mutex m;
  std::vector<std::pair<int64_t, int64_t>> chunks;
  kd::parallel_for(n, grain, [&](int64_t b, int64_t e) {
    std::lock_guard<std::mutex> lock(m);
    chunks.emplace_back(b, e);
  });
  return chunks;
}

}  // namespace

TEST_CASE("thread_pool: every index is visited exactly once", "[thread_pool]") {
  ThreadCountGuard guard;
  for (int threads : {1, 2, 3, 4, 7}) {
    kd::set_num_threads(threads);
    for (int64_t n : {0, 1, 2, 3, 7, 8, 100, 1001, 100000}) {
      for (int64_t grain : {-3, 0, 1, 2, 7, 64, 1000, 200000}) {
        INFO("threads=" << threads << " n=" << n << " grain=" << grain);
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        for (auto& h : hits) h.store(0);
        std::atomic<int> calls{0};
        kd::parallel_for(n, grain, [&](int64_t b, int64_t e) {
          calls.fetch_add(1);
          for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
        });
        for (int64_t i = 0; i < n; ++i) REQUIRE(hits[static_cast<size_t>(i)].load() == 1);
        const int64_t g = grain < 1 ? 1 : grain;
        REQUIRE(calls.load() <= threads);
        if (n == 0) REQUIRE(calls.load() == 0);
        if (n > 0 && n <= g) REQUIRE(calls.load() == 1);
      }
    }
  }
}

TEST_CASE("thread_pool: chunks are contiguous, no smaller than grain, at most num_threads", "[thread_pool]") {
  ThreadCountGuard guard;
  kd::set_num_threads(4);
  struct Case {
    int64_t n, grain, want_chunks;
  };
  for (Case c : {Case{100, 1, 4}, Case{100, 30, 3}, Case{100, 50, 2}, Case{100, 51, 1}, Case{3, 1, 3}}) {
    INFO("n=" << c.n << " grain=" << c.grain);
    auto chunks = chunks_of(c.n, c.grain);
    REQUIRE(static_cast<int64_t>(chunks.size()) == c.want_chunks);
    std::set<std::pair<int64_t, int64_t>> sorted(chunks.begin(), chunks.end());
    int64_t expect_begin = 0;
    for (auto [b, e] : sorted) {
      CHECK(b == expect_begin);
      CHECK(e - b >= std::min(c.grain, c.n));
      expect_begin = e;
    }
    CHECK(expect_begin == c.n);
  }
}

TEST_CASE("thread_pool: small work and one thread run inline on the caller", "[thread_pool]") {
  ThreadCountGuard guard;
  const std::thread::id caller = std::this_thread::get_id();
  kd::set_num_threads(4);
  kd::parallel_for(10, 10, [&](int64_t b, int64_t e) {
    CHECK(std::this_thread::get_id() == caller);
    CHECK((b == 0 && e == 10));
  });
  kd::set_num_threads(1);
  kd::parallel_for(1000, 1, [&](int64_t b, int64_t e) {
    CHECK(std::this_thread::get_id() == caller);
    CHECK((b == 0 && e == 1000));
  });
}

TEST_CASE("thread_pool: pooled_jobs counts only the calls shared out over the workers", "[thread_pool]") {
  ThreadCountGuard guard;
  kd::set_num_threads(2);
  const auto nothing = [](int64_t, int64_t) {};
  const uint64_t start = kd::pooled_jobs();
  kd::parallel_for(100, 60, nothing);  // under two grains: inline
  kd::parallel_for(0, 1, nothing);     // empty
  CHECK(kd::pooled_jobs() == start);
  kd::parallel_for(100, 50, nothing);  // two chunks: the pool
  CHECK(kd::pooled_jobs() == start + 1);
  kd::parallel_for(100, 1, [&](int64_t, int64_t) { kd::parallel_for(100, 1, nothing); });  // nested: inline
  CHECK(kd::pooled_jobs() == start + 2);
  kd::set_num_threads(1);
  kd::parallel_for(100, 1, nothing);  // one thread: inline
  CHECK(kd::pooled_jobs() == start + 2);
}

TEST_CASE("thread_pool: the grain rule keeps chunks of at least kMinChunkWork", "[thread_pool]") {
  ThreadCountGuard guard;
  kd::set_num_threads(4);
  for (int64_t work : {int64_t(0), int64_t(1), int64_t(3), kd::kElementwiseCost, int64_t(1000), kd::kMinChunkWork - 1,
                       kd::kMinChunkWork, 10 * kd::kMinChunkWork}) {
    const int64_t grain = kd::grain_for(work);
    CHECK(grain >= 1);
    CHECK(grain * std::max<int64_t>(work, 1) >= kd::kMinChunkWork);          // a chunk is worth a thread
    CHECK((grain - 1) * std::max<int64_t>(work, 1) < kd::kMinChunkWork);      // and no bigger than it must be
  }
  CHECK(kd::kElementwiseGrain == kd::grain_for(kd::kElementwiseCost));
  // Just under two grains of work is one chunk on the caller; two grains is two chunks.
  const int64_t grain = kd::grain_for(1000);
  CHECK(chunks_of(2 * grain - 1, grain).size() == 1);
  CHECK(chunks_of(2 * grain, grain).size() == 2);
}

TEST_CASE("thread_pool: work really runs on several threads", "[thread_pool]") {
  ThreadCountGuard guard;
  kd::set_num_threads(3);
  std::mutex m;
  std::set<std::thread::id> ids;
  std::atomic<int> arrived{0};
  kd::parallel_for(3, 1, [&](int64_t, int64_t) {
    {
      std::lock_guard<std::mutex> lock(m);
      ids.insert(std::this_thread::get_id());
    }
    // Hold each chunk until all three have started, so no thread can take two chunks.
    arrived.fetch_add(1);
    for (int spin = 0; arrived.load() < 3 && spin < 2000000; ++spin) std::this_thread::yield();
  });
  CHECK(ids.size() == 3);
}

TEST_CASE("thread_pool: exceptions reach the caller after every chunk finished", "[thread_pool]") {
  ThreadCountGuard guard;
  for (int threads : {1, 2, 4}) {
    kd::set_num_threads(threads);
    INFO("threads=" << threads);
    std::atomic<int64_t> done{0};
    auto throwing = [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        if (i == 0 || i == 999) throw std::runtime_error("chunk failed");
        done.fetch_add(1);
      }
    };
    CHECK_THROWS_WITH(kd::parallel_for(1000, 10, throwing), "chunk failed");
    // Every chunk ran before the rethrow: the first chunk stops at index 0, the last at 999,
    // the ones between run whole, so all indices from the end of chunk 0 up to 998 are done.
    const int64_t chunks = threads;
    const int64_t expected = chunks == 1 ? 0 : 999 - 1000 / chunks;
    CHECK(done.load() == expected);

    // The pool still works afterwards.
    std::atomic<int64_t> sum{0};
    kd::parallel_for(1000, 1, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) sum.fetch_add(i);
    });
    CHECK(sum.load() == 999 * 1000 / 2);
  }
}

TEST_CASE("thread_pool: every chunk throwing rethrows one exception", "[thread_pool]") {
  ThreadCountGuard guard;
  kd::set_num_threads(4);
  for (int round = 0; round < 20; ++round) {
    CHECK_THROWS_AS(kd::parallel_for(4, 1, [](int64_t, int64_t) { throw std::logic_error("x"); }),
                    std::logic_error);
  }
  std::atomic<int> calls{0};
  kd::parallel_for(4, 1, [&](int64_t, int64_t) { calls.fetch_add(1); });
  CHECK(calls.load() == 4);
}

TEST_CASE("thread_pool: nested parallel_for runs inline and covers its range", "[thread_pool]") {
  ThreadCountGuard guard;
  kd::set_num_threads(4);
  std::vector<std::atomic<int>> hits(64 * 64);
  for (auto& h : hits) h.store(0);
  std::atomic<int> moved_thread{0};  // Catch2 assertions are not thread-safe: count instead
  kd::parallel_for(64, 1, [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; ++r) {
      const std::thread::id outer = std::this_thread::get_id();
      kd::parallel_for(64, 1, [&](int64_t cb, int64_t ce) {
        if (std::this_thread::get_id() != outer) moved_thread.fetch_add(1);
        for (int64_t c = cb; c < ce; ++c) hits[static_cast<size_t>(r * 64 + c)].fetch_add(1);
      });
    }
  });
  for (auto& h : hits) REQUIRE(h.load() == 1);
  CHECK(moved_thread.load() == 0);
}

TEST_CASE("thread_pool: set_num_threads changes the split; shutdown and re-create", "[thread_pool]") {
  ThreadCountGuard guard;
  kd::set_num_threads(0);
  CHECK(kd::get_num_threads() == 1);
  kd::set_num_threads(-5);
  CHECK(kd::get_num_threads() == 1);
  for (int threads : {2, 4, 3, 1, 2}) {
    kd::set_num_threads(threads);
    CHECK(kd::get_num_threads() == threads);
    CHECK(static_cast<int>(chunks_of(1000, 1).size()) == threads);
  }
  kd::shutdown_thread_pool();
  kd::shutdown_thread_pool();  // twice is fine
  CHECK(chunks_of(1000, 1).size() == 2);  // re-created on use
  kd::shutdown_thread_pool();
}

TEST_CASE("thread_pool: concurrent callers from several threads all complete", "[thread_pool]") {
  ThreadCountGuard guard;
  kd::set_num_threads(2);
  std::atomic<int64_t> total{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&] {
      for (int round = 0; round < 200; ++round) {
        kd::parallel_for(100, 1, [&](int64_t b, int64_t e) { total.fetch_add(e - b); });
      }
    });
  }
  for (std::thread& t : callers) t.join();
  CHECK(total.load() == 4 * 200 * 100);
}

TEST_CASE("thread_pool: many small jobs in a row", "[thread_pool]") {
  ThreadCountGuard guard;
  kd::set_num_threads(2);
  int64_t total = 0;
  std::atomic<int64_t> sum{0};
  for (int round = 0; round < 20000; ++round) {
    kd::parallel_for(2, 1, [&](int64_t b, int64_t e) { sum.fetch_add(e - b); });
    total += 2;
  }
  CHECK(sum.load() == total);
}
