// Storage: one reference-counted block of bytes that tensors and their views share.
//
// Memory comes from a replaceable Allocator so that a pooling or tracking allocator (leak
// checks, wasm heap accounting) can be swapped in without touching the ops. The live count and
// bytes are what the JS side reports as kd.memory().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace kd {

class Allocator {
 public:
  virtual ~Allocator() = default;
  // Returns 64-byte aligned memory, or nullptr when out of memory (never aborts).
  virtual void* allocate(size_t bytes) = 0;
  virtual void deallocate(void* ptr, size_t bytes) = 0;
};

// The allocator used for new storages; nullptr restores the default (aligned malloc with a
// cache of freed blocks by size class, see storage.cpp).
void set_allocator(Allocator* allocator);
Allocator* get_allocator();

struct MemoryStats {
  int64_t live_storages = 0;
  int64_t live_bytes = 0;
  int64_t peak_bytes = 0;
  // The default allocator's cache: freed blocks kept for reuse (their bytes and count), and
  // how many allocations it served from the cache or from malloc since the start.
  int64_t cached_bytes = 0;
  int64_t cached_blocks = 0;
  int64_t reused_blocks = 0;
  int64_t fresh_blocks = 0;
};
MemoryStats memory_stats();
// Frees the blocks the default allocator keeps for reuse (as torch.cuda.empty_cache); live
// storages are untouched.
void empty_cache();

class Storage {
 public:
  // Throws kd::ValueError with the requested size when the allocator runs out of memory.
  explicit Storage(size_t bytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() { return data_; }
  const void* data() const { return data_; }
  size_t bytes() const { return bytes_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
  Allocator* allocator_ = nullptr;  // the one that allocated data_, to free it with
};

}  // namespace kd
