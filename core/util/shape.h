// Shape arithmetic shared by every op: dim wrapping, broadcasting, strides, formatting.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "util/small_vector.h"

namespace kd {

// Sizes or strides of a tensor: up to six int64 values inside itself before the heap (tensors
// of more than six dims are rare). Every tensor has two, and every op makes a few, so a heap
// block each was a fifth of the allocations of a small training step. It converts to and from
// std::vector<int64_t>, as the public signatures that took one before still do.
class Shape : public SmallVector<int64_t, 6> {
 public:
  using SmallVector::SmallVector;
  Shape() = default;
  Shape(const std::vector<int64_t>& values) : SmallVector(values.begin(), values.end()) {}  // NOLINT: as a vector converts
  Shape& operator=(std::initializer_list<int64_t> values) {
    assign(values.begin(), values.end());
    return *this;
  }
  operator std::vector<int64_t>() const { return std::vector<int64_t>(begin(), end()); }  // NOLINT

  friend bool operator==(const Shape& a, const Shape& b) {
    return static_cast<const SmallVector&>(a) == static_cast<const SmallVector&>(b);
  }
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }
  friend bool operator<(const Shape& a, const Shape& b) {
    return static_cast<const SmallVector&>(a) < static_cast<const SmallVector&>(b);
  }
};

int64_t shape_numel(const Shape& shape);
Shape contiguous_strides(const Shape& shape);

// a * b into *out; true when it overflows int64. Sizes and strides are almost always below
// 2^31, where the product cannot overflow and needs no check: the checked 64-bit multiply is
// a 128-bit library call (__multi3) in wasm32, 3% of a small training step when every product
// took it.
inline bool mul_overflows(int64_t a, int64_t b, int64_t* out) {
  if (static_cast<uint64_t>(a) < (uint64_t(1) << 31) && static_cast<uint64_t>(b) < (uint64_t(1) << 31)) {
    *out = a * b;
    return false;
  }
  return __builtin_mul_overflow(a, b, out);
}

// "[2, 3]", as PyTorch prints sizes inside messages.
std::string shape_str(const Shape& shape);

// Wraps a possibly negative dim into [0, ndim), or raises PyTorch's IndexError
// ("Dimension out of range (expected to be in range of [-2, 1], but got 2)").
int64_t wrap_dim(int64_t dim, int64_t ndim);

// The broadcast shape of a and b, or a ShapeError naming `op` and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace kd
