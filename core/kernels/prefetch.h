// Row loops over scattered rows of a big table (embedding lookups, the sparse optimizers).
// A row that misses the caches and the TLB costs a page walk and an L3 or DRAM access; a loop
// that reads one row after another pays that once per row, because the CPU's out-of-order
// window is smaller than the work on one row. Touching a group of rows before working on them
// puts the group's misses in flight together.
#pragma once

#include <algorithm>
#include <cstdint>

namespace kd {

// Rows touched together: 16 rows of 32 floats in three tables are 96 cache lines, about what
// a core keeps in flight (measured in wasm on the sparse step's rows: groups of 8-16 halve
// the time of a row-by-row loop at V = 1M; touching a fixed distance ahead gains less in wasm,
// whose touch is a load that holds up retirement, see touch_line).
constexpr int64_t kPrefetchGroupRows = 16;

// Starts bringing the cache line holding *p toward the core. Natively a prefetch instruction.
// Wasm has none, so a volatile load (volatile: a load whose value is unused would be deleted);
// the CPU issues it at once and its miss overlaps the other touches of the group.
inline void touch_line(const float* p) {
#if defined(__EMSCRIPTEN__)
  (void)*static_cast<const volatile float*>(p);
#else
  __builtin_prefetch(p);
#endif
}

// Touches every cache line of floats [row, row + count): one touch per 64 bytes and one at the
// last float, for a row that starts mid-line.
inline void prefetch_row(const float* row, int64_t count) {
  constexpr int64_t kFloatsPerLine = 16;
  if (count <= 0) return;
  for (int64_t j = 0; j < count; j += kFloatsPerLine) touch_line(row + j);
  touch_line(row + count - 1);
}

// for i in [0, n): work(i), in groups of kPrefetchGroupRows, each group's rows touched first
// by touch(i) (which calls prefetch_row on the rows item i will read and write).
template <class Touch, class Work>
void for_rows_prefetched(int64_t n, const Touch& touch, const Work& work) {
  for (int64_t start = 0; start < n; start += kPrefetchGroupRows) {
    const int64_t end = std::min(n, start + kPrefetchGroupRows);
    for (int64_t i = start; i < end; ++i) touch(i);
    for (int64_t i = start; i < end; ++i) work(i);
  }
}

}  // namespace kd
