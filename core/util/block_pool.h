// A per-thread pool of small blocks for the objects every op makes and frees again within a
// training step: tensor impls with their shared_ptr control blocks, a new tensor's storage
// header, autograd nodes. A freed block waits on its thread's list for the next object of the
// same size class instead of going back to the heap, so a training loop that has warmed up
// makes none of these allocations (a tensor's data buffer has its own cache, tensor/storage.h).
//
// Blocks come in size classes kPoolGranule bytes apart up to kMaxPooledBytes; larger
// requests, and a free that finds its list holding kMaxPooledPerClass blocks, go to the heap. A block may be freed on another thread than
// the one that made it: it then joins that thread's list. A thread's lists are freed when it
// ends. Under AddressSanitizer a waiting block is poisoned, so a use after free is still caught.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

namespace kd {

inline constexpr size_t kPoolGranule = 32;
inline constexpr size_t kMaxPooledBytes = 1024;
inline constexpr size_t kMaxPooledPerClass = 512;

void* pool_allocate(size_t bytes);
void pool_deallocate(void* block, size_t bytes);

// The standard allocator interface over the pool, for std::allocate_shared.
template <typename T>
struct PoolAllocator {
  using value_type = T;
  PoolAllocator() = default;
  template <typename U>
  PoolAllocator(const PoolAllocator<U>&) {}  // NOLINT: rebinding, as allocate_shared does
  T* allocate(size_t n) { return static_cast<T*>(pool_allocate(n * sizeof(T))); }
  void deallocate(T* p, size_t n) { pool_deallocate(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const PoolAllocator<U>&) const { return true; }
  template <typename U>
  bool operator!=(const PoolAllocator<U>&) const { return false; }
};

// std::make_shared, with the object and its reference counts in one pooled block.
template <typename T, typename... Args>
std::shared_ptr<T> make_pooled(Args&&... args) {
  static_assert(alignof(T) <= alignof(std::max_align_t), "the pool's blocks are aligned as operator new's");
  return std::allocate_shared<T>(PoolAllocator<T>(), std::forward<Args>(args)...);
}

}  // namespace kd
