#include "tensor/storage.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "util/error.h"

namespace kd {
namespace {

// The default allocator: 64-byte aligned blocks, kept by size class when freed and handed out
// again for the next request of that class. A training step frees and allocates the same sizes
// every time, and the C library's aligned allocation splits and merges chunks on each call
// (memalign and free were a sixth of a small MLP step in wasm). Classes are four per power of
// two (2^k · 1, 1.25, 1.5, 1.75), so a block wastes under 25%; at most kMaxCachedBytes wait in
// the lists, and a failed allocation empties them and tries again before reporting out of memory.
class CachingAllocator final : public Allocator {
 public:
  static constexpr size_t kMaxCachedBytes = size_t(64) << 20;

  // 0 for a size no block can have (rounding up would overflow).
  static size_t class_size(size_t bytes) {
    if (bytes <= 64) return 64;
    if (bytes > std::numeric_limits<size_t>::max() / 2) return 0;
    const int k = 63 - __builtin_clzll(static_cast<unsigned long long>(bytes - 1));  // 2^k < bytes <= 2^(k+1)
    const size_t step = std::max<size_t>(64, (size_t(1) << k) / 4);
    return (bytes + step - 1) / step * step;
  }

  void* allocate(size_t bytes) override {
    const size_t size = class_size(bytes);
    if (size == 0) return nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(size);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        cached_bytes_ -= size;
        --cached_blocks_;
        ++reused_;
        return p;
      }
      ++fresh_;
    }
    void* p = std::aligned_alloc(64, size);
    if (p == nullptr) {
      release_cached();
      p = std::aligned_alloc(64, size);
    }
    return p;
  }

  void deallocate(void* ptr, size_t bytes) override {
    if (ptr == nullptr) return;
    const size_t size = class_size(bytes);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (cached_bytes_ + size <= kMaxCachedBytes) {
        free_[size].push_back(ptr);
        cached_bytes_ += size;
        ++cached_blocks_;
        return;
      }
    }
    std::free(ptr);
  }

  void release_cached() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [size, blocks] : free_)
      for (void* p : blocks) std::free(p);
    free_.clear();
    cached_bytes_ = 0;
    cached_blocks_ = 0;
  }

  void fill(MemoryStats& stats) {
    std::lock_guard<std::mutex> lock(mutex_);
    stats.cached_bytes = static_cast<int64_t>(cached_bytes_);
    stats.cached_blocks = cached_blocks_;
    stats.reused_blocks = reused_;
    stats.fresh_blocks = fresh_;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_;  // class size -> freed blocks
  size_t cached_bytes_ = 0;
  int64_t cached_blocks_ = 0, reused_ = 0, fresh_ = 0;
};

// Never destroyed: storages held by static objects may be freed after every destructor ran.
// The cached blocks stay reachable from it, so leak checkers do not report them.
CachingAllocator& default_allocator() {
  static CachingAllocator* instance = new CachingAllocator;
  return *instance;
}

// Null: the default. (Constant-initialized, so storages made by static initializers work too.)
std::atomic<Allocator*> current_allocator{nullptr};
std::atomic<int64_t> live_storages{0};
std::atomic<int64_t> live_bytes{0};
std::atomic<int64_t> peak_bytes{0};

}  // namespace

void set_allocator(Allocator* allocator) { current_allocator = allocator; }
Allocator* get_allocator() {
  Allocator* a = current_allocator.load();
  return a ? a : &default_allocator();
}

void empty_cache() { default_allocator().release_cached(); }

MemoryStats memory_stats() {
  MemoryStats stats{live_storages.load(), live_bytes.load(), peak_bytes.load()};
  default_allocator().fill(stats);
  return stats;
}

Storage::Storage(size_t bytes) : bytes_(bytes), allocator_(get_allocator()) {
  data_ = allocator_->allocate(bytes);
  KD_CHECK(data_ != nullptr, ValueError, "out of memory: could not allocate ", bytes, " bytes");
  // Fresh memory is zeroed so that `empty` never exposes stale values from a previous tensor.
  std::memset(data_, 0, bytes);
  live_storages++;
  int64_t now = live_bytes += static_cast<int64_t>(bytes);
  int64_t peak = peak_bytes.load();
  while (now > peak && !peak_bytes.compare_exchange_weak(peak, now)) {
  }
}

Storage::~Storage() {
  allocator_->deallocate(data_, bytes_);
  live_storages--;
  live_bytes -= static_cast<int64_t>(bytes_);
}

}  // namespace kd
