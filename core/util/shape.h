// Shape arithmetic shared by every op: dim wrapping, broadcasting, strides, formatting.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kd {

using Shape = std::vector<int64_t>;

int64_t shape_numel(const Shape& shape);
Shape contiguous_strides(const Shape& shape);

// "[2, 3]", as PyTorch prints sizes inside messages.
std::string shape_str(const Shape& shape);

// Wraps a possibly negative dim into [0, ndim), or raises PyTorch's IndexError
// ("Dimension out of range (expected to be in range of [-2, 1], but got 2)").
int64_t wrap_dim(int64_t dim, int64_t ndim);

// The broadcast shape of a and b, or a ShapeError naming `op` and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace kd
