// A row-sparse gradient, what nn.Embedding(sparse=True) produces: only the rows of a
// [num_rows, ...] weight that a batch used, as (indices, values). It stands in for PyTorch's
// sparse COO gradient of an embedding weight (indices of dim 0 only).
#pragma once

#include <optional>
#include <vector>

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

// One row of a sparse gradient before coalescing: its row number and its `width` floats
// (width = the product of dense_shape[1:]), which stay owned by the caller.
struct ValueRow {
  int64_t row;
  const float* values;
  int64_t arrival = 0;  // the entry's position, set by coalesce_value_rows to keep the sort stable
};

// The coalesced gradient of rows that may repeat: sorted unique rows, the values of a repeated
// row summed in the order the entries come. Rows are not bounds-checked here. `entries` is
// the caller's scratch (reused between calls, so a warm step allocates nothing): it is
// sorted in place.
SparseGrad coalesce_value_rows(std::vector<ValueRow>& entries, const Shape& dense_shape);

// A parameter has one gradient slot, as in PyTorch: a dense .grad or a row-sparse one.

// torch's `param.grad = torch.sparse_coo_tensor(indices[None], values, param.shape)`: rows
// `indices` (int64 [nnz], repeats allowed) of a gradient whose values are `values`
// ([nnz, ...param.shape[1:]], the parameter's dtype). Checked first (torch's messages); then
// the dense .grad is dropped. The tensors are shared, not copied, as torch shares them.
// dense_shape, when given, must be the parameter's shape.
void set_sparse_grad(const Tensor& param, const Tensor& indices, const Tensor& values,
                     const std::optional<Shape>& dense_shape = std::nullopt);

// torch's zero_grad for one parameter: set_to_none drops the gradient; else a dense one is
// detached and zeroed in place, and a sparse one emptied in place (no rows: torch's sparse
// zero_()), so that whoever holds it sees the change.
void zero_param_grad(const Tensor& param, bool set_to_none);

}  // namespace kd
