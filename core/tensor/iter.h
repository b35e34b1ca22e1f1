// Strided iteration shared by the element-wise, reduction and copy ops and by the gradients
// autograd lays out by geometry.
//
// An op that reads N tensors of one output shape walks them with `for_each_row`: the outer
// dims advance a multi-index, and the innermost dim is handed to the op as a row (start
// offsets, strides, length) so that the op's loop stays tight — and contiguous rows can go to
// the SIMD kernels.
#pragma once

#include <array>
#include <cstdint>

#include "tensor/tensor.h"

namespace kd {

// The strides of `t` when broadcast to `shape` (0 along broadcast dims). `shape` must be a
// valid broadcast target of t.shape() (checked by the caller).
inline Shape broadcast_strides(const Tensor& t, const Shape& shape) {
  Shape strides(shape.size(), 0);
  const size_t lead = shape.size() - t.shape().size();
  for (size_t i = 0; i < t.shape().size(); ++i) strides[lead + i] = t.shape()[i] == 1 ? 0 : t.strides()[i];
  return strides;
}

// Calls row(offsets, inner_strides, inner_size) for every innermost row of `shape`, where
// offsets[i] is the element offset of operand i at the row's start (relative to its data()).
template <size_t N, typename RowFn>
void for_each_row(const Shape& shape, const std::array<Shape, N>& strides, RowFn&& row) {
  const int64_t ndim = static_cast<int64_t>(shape.size());
  for (int64_t s : shape)
    if (s == 0) return;
  std::array<int64_t, N> offsets{};
  std::array<int64_t, N> inner_strides{};
  if (ndim == 0) {
    row(offsets, inner_strides, int64_t{1});
    return;
  }
  for (size_t i = 0; i < N; ++i) inner_strides[i] = strides[i][ndim - 1];
  const int64_t inner = shape[ndim - 1];
  Shape index(static_cast<size_t>(ndim), 0);
  while (true) {
    row(offsets, inner_strides, inner);
    // Advance the outer multi-index (dims 0..ndim-2) like an odometer.
    int64_t d = ndim - 2;
    for (; d >= 0; --d) {
      index[d]++;
      for (size_t i = 0; i < N; ++i) offsets[i] += strides[i][d];
      if (index[d] < shape[d]) break;
      for (size_t i = 0; i < N; ++i) offsets[i] -= strides[i][d] * shape[d];
      index[d] = 0;
    }
    if (d < 0) return;
  }
}

// Calls fn(offsets) for every element; fine for ops whose per-element work dominates.
template <size_t N, typename ElemFn>
void for_each_element(const Shape& shape, const std::array<Shape, N>& strides, ElemFn&& fn) {
  for_each_row<N>(shape, strides, [&](std::array<int64_t, N> offsets, const std::array<int64_t, N>& step, int64_t n) {
    for (int64_t k = 0; k < n; ++k) {
      fn(offsets);
      for (size_t i = 0; i < N; ++i) offsets[i] += step[i];
    }
  });
}

}  // namespace kd
