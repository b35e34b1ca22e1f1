#include "tensor/sparse.h"

#include <algorithm>
#include <map>

#include "autograd/grad_mode.h"
#include "ops/ops.h"

namespace kd {

SparseGrad SparseGrad::coalesce() const {
  NoGradGuard no_grad;
  std::vector<int64_t> rows = indices.to_vector<int64_t>();
  std::vector<int64_t> unique = rows;
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  std::map<int64_t, int64_t> slot;
  for (size_t i = 0; i < unique.size(); ++i) slot[unique[i]] = static_cast<int64_t>(i);
  Shape shape = values.shape();
  shape[0] = static_cast<int64_t>(unique.size());
  Tensor summed = zeros(shape);
  Tensor where_to = tensor_i64(std::vector<int64_t>(rows.size()));
  int64_t* w = where_to.data<int64_t>();
  for (size_t i = 0; i < rows.size(); ++i) w[i] = slot[rows[i]];
  // Explicit row sizes: reshape({0, -1}) is ambiguous when there are no rows (an emptied grad).
  const int64_t row_size = shape_numel(Shape(dense_shape.begin() + 1, dense_shape.end()));
  Tensor row_values = values.contiguous().reshape({values.shape()[0], row_size});
  Tensor target = summed.reshape({shape[0], row_size});
  target.copy_(target.scatter_add(0, where_to.unsqueeze(1).expand(row_values.shape()), row_values));
  return SparseGrad{tensor_i64(unique), summed, dense_shape, true};
}

Tensor SparseGrad::to_dense() const {
  NoGradGuard no_grad;
  Tensor dense = zeros(dense_shape);
  const int64_t row_size = shape_numel(Shape(dense_shape.begin() + 1, dense_shape.end()));
  Tensor flat = dense.reshape({dense_shape[0], row_size});
  Tensor row_values = values.contiguous().reshape({values.shape()[0], row_size});
  flat.copy_(flat.scatter_add(0, indices.unsqueeze(1).expand(row_values.shape()), row_values));
  return dense;
}

SparseGrad SparseGrad::add(const SparseGrad& other) const {
  KD_CHECK(dense_shape == other.dense_shape, ShapeError, "sparse gradient add: shapes ", shape_str(dense_shape), " and ",
           shape_str(other.dense_shape), " differ");
  NoGradGuard no_grad;
  return SparseGrad{cat({indices, other.indices}), cat({values, other.values}), dense_shape, false}.coalesce();
}

}  // namespace kd
