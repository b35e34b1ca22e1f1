// A row-sparse gradient, what nn.Embedding(sparse=True) produces: only the rows of a
// [num_rows, ...] weight that a batch used, as (indices, values). It stands in for PyTorch's
// sparse COO gradient of an embedding weight (indices of dim 0 only).
#pragma once

#include "tensor/tensor.h"

namespace kd {

struct SparseGrad {
  Tensor indices;     // int64 [nnz], row numbers (may repeat unless coalesced)
  Tensor values;      // float32 [nnz, ...dense_shape[1:]]
  Shape dense_shape;  // the weight's shape
  bool coalesced = false;

  // Sorted unique rows, repeated rows summed (torch.Tensor.coalesce).
  SparseGrad coalesce() const;
  Tensor to_dense() const;
  // this + other (same dense_shape), concatenated then coalesced.
  SparseGrad add(const SparseGrad& other) const;
};

}  // namespace kd
