#include "tensor/storage.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "util/error.h"

namespace kd {
namespace {

class AlignedMallocAllocator final : public Allocator {
 public:
  void* allocate(size_t bytes) override {
    size_t rounded = (bytes + 63) / 64 * 64;
    return std::aligned_alloc(64, rounded == 0 ? 64 : rounded);
  }
  void deallocate(void* ptr, size_t) override { std::free(ptr); }
};

AlignedMallocAllocator default_allocator;
std::atomic<Allocator*> current_allocator{&default_allocator};
std::atomic<int64_t> live_storages{0};
std::atomic<int64_t> live_bytes{0};
std::atomic<int64_t> peak_bytes{0};

}  // namespace

void set_allocator(Allocator* allocator) { current_allocator = allocator ? allocator : &default_allocator; }
Allocator* get_allocator() { return current_allocator; }

MemoryStats memory_stats() {
  return MemoryStats{live_storages.load(), live_bytes.load(), peak_bytes.load()};
}

Storage::Storage(size_t bytes) : bytes_(bytes), allocator_(current_allocator) {
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
