// Shape, the small vector of sizes and strides: every operation the code uses, checked against
// std::vector<int64_t> as the reference, across the boundary where the values leave the inline
// storage for the heap (and back, by copy and move), and tensors of more dims than it holds inline.
#include <catch2/catch.hpp>

#include <limits>
#include <random>
#include <vector>

#include "kindling.h"

using namespace kd;

namespace {
void check_same(const Shape& s, const std::vector<int64_t>& ref) {
  REQUIRE(s.size() == ref.size());
  CHECK(std::vector<int64_t>(s.begin(), s.end()) == ref);
  CHECK(s.empty() == ref.empty());
  if (!ref.empty()) {
    CHECK(s.front() == ref.front());
    CHECK(s.back() == ref.back());
  }
}
}  // namespace

TEST_CASE("shape: a random sequence of edits matches std::vector", "[shape]") {
  std::mt19937 rng(7);
  Shape s;
  std::vector<int64_t> ref;
  for (int step = 0; step < 4000; ++step) {
    const int64_t value = static_cast<int64_t>(rng() % 1000) - 500;
    const size_t at = ref.empty() ? 0 : rng() % (ref.size() + 1);
    INFO("step " << step << " size " << ref.size());
    switch (rng() % 9) {
      case 0: s.push_back(value); ref.push_back(value); break;
      case 1: if (!ref.empty()) { s.pop_back(); ref.pop_back(); } break;
      case 2: s.insert(s.begin() + at, value); ref.insert(ref.begin() + at, value); break;
      case 3: s.insert(s.begin() + at, 3, value); ref.insert(ref.begin() + at, 3, value); break;
      case 4: {  // a range from the shape itself: the gap must not move it before it is read
        std::vector<int64_t> copy = ref;
        s.insert(s.begin() + at, s.begin(), s.begin() + ref.size() / 2);
        ref.insert(ref.begin() + at, copy.begin(), copy.begin() + copy.size() / 2);
        break;
      }
      case 5: if (at < ref.size()) { s.erase(s.begin() + at); ref.erase(ref.begin() + at); } break;
      case 6: {
        const size_t end = at + (rng() % 4);
        if (end <= ref.size()) { s.erase(s.begin() + at, s.begin() + end); ref.erase(ref.begin() + at, ref.begin() + end); }
        break;
      }
      case 7: { const size_t n = rng() % 12; s.resize(n, value); ref.resize(n, value); break; }
      case 8: {  // copies and moves, whichever storage each side is in
        Shape copied(s);
        Shape moved(std::move(copied));
        check_same(moved, ref);
        CHECK(copied.empty());
        Shape assigned{1, 2, 3, 4, 5, 6, 7, 8};
        assigned = moved;
        CHECK(assigned == moved);
        s = std::move(assigned);
        break;
      }
    }
    if (ref.size() > 40) { s.resize(10); ref.resize(10); }
    check_same(s, ref);
  }
}

TEST_CASE("shape: construction, comparison and conversion", "[shape]") {
  check_same(Shape(9, 4), std::vector<int64_t>(9, 4));
  check_same(Shape{}, {});
  const std::vector<int64_t> eight{1, 2, 3, 4, 5, 6, 7, 8};
  Shape from_vector = eight;
  check_same(from_vector, eight);
  CHECK(static_cast<std::vector<int64_t>>(from_vector) == eight);
  CHECK(Shape{2, 3} == Shape{2, 3});
  CHECK(Shape{2, 3} != Shape{2, 3, 1});
  CHECK(Shape{2, 3} < Shape{2, 4});
  CHECK(shape_str(from_vector) == "[1, 2, 3, 4, 5, 6, 7, 8]");
}

TEST_CASE("shape: tensors of more dims than a shape holds inline", "[shape]") {
  Tensor t = arange(256.0).reshape({2, 2, 2, 2, 2, 2, 2, 2});
  CHECK(t.dim() == 8);
  CHECK(t.strides() == Shape{128, 64, 32, 16, 8, 4, 2, 1});
  Tensor p = t.permute({7, 6, 5, 4, 3, 2, 1, 0}).contiguous();
  CHECK(p.reshape({256}).to_vector<float>()[1] == 128.0f);
  CHECK(t.sum({0, 2, 4, 6}).shape() == Shape{2, 2, 2, 2});
  CHECK(t.unsqueeze(3).shape() == Shape{2, 2, 2, 1, 2, 2, 2, 2, 2});
}

TEST_CASE("shape: the product of sizes saturates instead of overflowing", "[shape]") {
  CHECK(shape_numel({3, 4, 5}) == 60);
  CHECK(shape_numel({int64_t(1) << 31, int64_t(1) << 31}) == int64_t(1) << 62);
  CHECK(shape_numel({int64_t(1) << 40, int64_t(1) << 40}) == std::numeric_limits<int64_t>::max());
  CHECK(shape_numel({int64_t(1) << 40, 0}) == 0);
  CHECK(contiguous_strides({5, int64_t(1) << 32, 2}) == Shape{int64_t(1) << 33, 2, 1});
  CHECK(contiguous_strides({5, int64_t(1) << 32, int64_t(1) << 32}) ==
        Shape{std::numeric_limits<int64_t>::max(), int64_t(1) << 32, 1});
}
