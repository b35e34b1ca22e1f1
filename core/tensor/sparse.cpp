#include "tensor/sparse.h"

#include <algorithm>

#include "autograd/grad_mode.h"
#include "kernels/kernels.h"
#include "ops/ops.h"

namespace kd {

namespace {

// dst row where[i] += src row i, rows of `width` floats, with the vector kernel.
void add_rows(float* dst, const float* src, const std::vector<int64_t>& where, int64_t width) {
  const auto vadd = kernels().f32_vadd;
  for (size_t i = 0; i < where.size(); ++i) {
    float* row = dst + where[i] * width;
    vadd(width, row, src + static_cast<int64_t>(i) * width, row);
  }
}

int64_t row_width(const Shape& dense_shape) { return shape_numel(Shape(dense_shape.begin() + 1, dense_shape.end())); }

}  // namespace

SparseGrad SparseGrad::coalesce() const {
  NoGradGuard no_grad;
  std::vector<int64_t> rows = indices.to_vector<int64_t>();
  std::vector<int64_t> unique = rows;
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  // Each row's place among the unique rows (a binary search: no map to build).
  std::vector<int64_t> where(rows.size());
  for (size_t i = 0; i < rows.size(); ++i)
    where[i] = std::lower_bound(unique.begin(), unique.end(), rows[i]) - unique.begin();
  Shape shape = values.shape();
  shape[0] = static_cast<int64_t>(unique.size());
  Tensor summed = zeros(shape);
  add_rows(summed.data<float>(), values.contiguous().data<float>(), where, row_width(dense_shape));
  return SparseGrad{tensor_i64(unique), summed, dense_shape, true};
}

Tensor SparseGrad::to_dense() const {
  NoGradGuard no_grad;
  Tensor dense = zeros(dense_shape);
  const std::vector<int64_t> rows = indices.to_vector<int64_t>();
  for (int64_t r : rows)
    KD_CHECK(r >= 0 && r < dense_shape[0], IndexError, "sparse gradient: row ", r, " is out of bounds for ", dense_shape[0], " rows");
  add_rows(dense.data<float>(), values.contiguous().data<float>(), rows, row_width(dense_shape));
  return dense;
}

SparseGrad SparseGrad::add(const SparseGrad& other) const {
  KD_CHECK(dense_shape == other.dense_shape, ShapeError, "sparse gradient add: shapes ", shape_str(dense_shape), " and ",
           shape_str(other.dense_shape), " differ");
  NoGradGuard no_grad;
  return SparseGrad{cat({indices, other.indices}), cat({values, other.values}), dense_shape, false}.coalesce();
}

}  // namespace kd
