// SmallVector with elements that own something (a node's edges and saved tensors are
// shared_ptrs), and the per-thread pool of small blocks: every element made is destroyed exactly
// once across growth, copy, move, erase and clear (reference counts tell), and a freed block is
// the next one handed out of its size class.
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <random>
#include <vector>

#include "util/block_pool.h"
#include "util/small_vector.h"

using namespace kd;

namespace {
using Owned = std::shared_ptr<int>;

void check_same(const SmallVector<Owned, 2>& v, const std::vector<Owned>& ref) {
  REQUIRE(v.size() == ref.size());
  for (size_t i = 0; i < ref.size(); ++i) REQUIRE(v[i] == ref[i]);
}
}  // namespace

TEST_CASE("small vector: owning elements match std::vector through random edits", "[small_vector]") {
  std::mt19937 rng(7);
  std::vector<Owned> all;  // every element ever made: the count of other holders is exact
  for (int i = 0; i < 64; ++i) all.push_back(std::make_shared<int>(i));
  {
    SmallVector<Owned, 2> v;
    std::vector<Owned> ref;
    for (int step = 0; step < 2000; ++step) {
      const Owned& x = all[rng() % all.size()];
      switch (rng() % 8) {
        case 0: case 1: v.push_back(x); ref.push_back(x); break;
        case 2: if (!ref.empty()) { v.pop_back(); ref.pop_back(); } break;
        case 3: {
          const size_t at = ref.empty() ? 0 : rng() % (ref.size() + 1);
          v.insert(v.begin() + at, x);
          ref.insert(ref.begin() + at, x);
          break;
        }
        case 4: if (!ref.empty()) { const size_t at = rng() % ref.size(); v.erase(v.begin() + at); ref.erase(ref.begin() + at); } break;
        case 5: { SmallVector<Owned, 2> copy(v); v = std::move(copy); break; }
        case 6: { const size_t n = rng() % 6; v.resize(n); ref.resize(n); break; }
        case 7: if (rng() % 16 == 0) { v.clear(); ref.clear(); } break;
      }
      check_same(v, ref);
      if (!ref.empty()) REQUIRE(v.back() == ref.back());
    }
    // Each element is held by `all`, once per occurrence in `ref` and once per occurrence in v.
    for (const Owned& x : all) {
      const long in_ref = std::count(ref.begin(), ref.end(), x);
      REQUIRE(x.use_count() == 1 + 2 * in_ref);
    }
  }
  for (const Owned& x : all) CHECK(x.use_count() == 1);  // v's destructor released its share
}

TEST_CASE("small vector: inline up to N, then the heap; moves take the heap block", "[small_vector]") {
  SmallVector<Owned, 2> v{std::make_shared<int>(1), std::make_shared<int>(2)};
  CHECK(v.capacity() == 2);
  v.emplace_back(std::make_shared<int>(3));
  CHECK(v.capacity() > 2);
  const Owned* block = v.data();
  SmallVector<Owned, 2> moved(std::move(v));
  CHECK(moved.data() == block);  // the heap block moved, no element was copied
  CHECK(v.empty());
  CHECK(*moved[2] == 3);
  // emplace_back of an element of the vector itself while it grows.
  SmallVector<Owned, 2> small{std::make_shared<int>(5), std::make_shared<int>(6)};
  small.emplace_back(small[0]);
  CHECK(small.size() == 3);
  CHECK(small[2] == small[0]);
  CHECK(small[0].use_count() == 2);
}

TEST_CASE("block pool: a freed block is reused by the next request of its size class", "[small_vector][pool]") {
  void* a = pool_allocate(200);
  pool_deallocate(a, 200);
  void* b = pool_allocate(210);  // the same class (193 to 224 bytes: kPoolGranule-byte steps)
  CHECK(b == a);
  void* c = pool_allocate(400);  // another class: not that block
  CHECK(c != b);
  pool_deallocate(b, 210);
  pool_deallocate(c, 400);
  // Larger than the pool serves: the heap, and back to it.
  void* big = pool_allocate(kMaxPooledBytes + 1);
  CHECK(big != nullptr);
  pool_deallocate(big, kMaxPooledBytes + 1);
  // shared_ptrs made in pooled blocks behave as make_shared's.
  std::weak_ptr<int> watch;
  {
    auto p = make_pooled<int>(42);
    watch = p;
    CHECK(*p == 42);
  }
  CHECK(watch.expired());
}
