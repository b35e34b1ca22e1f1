#include "util/block_pool.h"

#include <cstdint>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define KD_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KD_POOL_ASAN 1
#endif
#endif
#ifdef KD_POOL_ASAN
#include <sanitizer/asan_interface.h>
#define KD_POOL_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define KD_POOL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define KD_POOL_POISON(p, n) ((void)(p), (void)(n))
#define KD_POOL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace kd {
namespace {

constexpr size_t kClasses = kMaxPooledBytes / kPoolGranule;

// A waiting block holds the next one of its list in its first bytes.
struct FreeBlock {
  FreeBlock* next;
};

// Trivially destructible, so that a block freed by a static destructor after this thread's
// lists were emptied (at exit) still finds them: it then goes to the heap (see `closed`).
struct ThreadLists {
  FreeBlock* head[kClasses];
  uint32_t count[kClasses];
  bool closed;
};
thread_local ThreadLists lists{};

// Frees the thread's waiting blocks when the thread ends.
struct ThreadListsCloser {
  ~ThreadListsCloser() {
    lists.closed = true;
    for (size_t c = 0; c < kClasses; ++c) {
      while (FreeBlock* block = lists.head[c]) {
        KD_POOL_UNPOISON(block, (c + 1) * kPoolGranule);
        lists.head[c] = block->next;
        ::operator delete(block);
      }
      lists.count[c] = 0;
    }
  }
};
thread_local ThreadListsCloser closer;

// The class of a request of `bytes` (1 .. kMaxPooledBytes): blocks of (class + 1) * kPoolGranule bytes.
size_t size_class(size_t bytes) { return (bytes - 1) / kPoolGranule; }

}  // namespace

void* pool_allocate(size_t bytes) {
  if (bytes == 0 || bytes > kMaxPooledBytes) return ::operator new(bytes);
  const size_t c = size_class(bytes);
  if (FreeBlock* block = lists.head[c]) {
    KD_POOL_UNPOISON(block, (c + 1) * kPoolGranule);
    lists.head[c] = block->next;
    --lists.count[c];
    return block;
  }
  return ::operator new((c + 1) * kPoolGranule);
}

void pool_deallocate(void* block, size_t bytes) {
  if (block == nullptr) return;
  if (bytes == 0 || bytes > kMaxPooledBytes) {
    ::operator delete(block);
    return;
  }
  const size_t c = size_class(bytes);
  if (lists.closed || lists.count[c] >= kMaxPooledPerClass) {
    ::operator delete(block);
    return;
  }
  (void)&closer;  // its first use registers the thread's closer, before a block waits here
  auto* waiting = static_cast<FreeBlock*>(block);
  waiting->next = lists.head[c];
  lists.head[c] = waiting;
  ++lists.count[c];
  KD_POOL_POISON(block, (c + 1) * kPoolGranule);
}

}  // namespace kd
