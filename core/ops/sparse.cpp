#include "tensor/sparse.h"

#include <algorithm>
#include <cstring>
#include <initializer_list>

#include "autograd/grad_mode.h"
#include "kernels/kernels.h"
#include "ops/ops.h"
#include "util/small_vector.h"

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

// One sort of the (row, values) pairs by row and then arrival (a stable order that std::sort
// gives without std::stable_sort's temporary buffer), then one walk: a row's first occurrence
// is copied, later ones are added in their order (so repeated rows sum in the order they came,
// as before). No map, no binary search, no zero-filled buffer.
SparseGrad coalesce_value_rows(std::vector<ValueRow>& entries, const Shape& dense_shape) {
  NoGradGuard no_grad;
  for (size_t i = 0; i < entries.size(); ++i) entries[i].arrival = static_cast<int64_t>(i);
  std::sort(entries.begin(), entries.end(), [](const ValueRow& a, const ValueRow& b) {
    return a.row != b.row ? a.row < b.row : a.arrival < b.arrival;
  });
  const auto starts_row = [&](size_t i) { return i == 0 || entries[i].row != entries[i - 1].row; };
  int64_t unique = 0;
  for (size_t i = 0; i < entries.size(); ++i) unique += starts_row(i);
  const int64_t width = row_width(dense_shape);
  Shape shape = dense_shape;
  shape[0] = unique;
  Tensor rows = Tensor::make({unique}, DType::Int64);
  Tensor summed = Tensor::make(shape, DType::Float32);
  int64_t* const row_out = rows.data<int64_t>();
  float* const out = summed.data<float>();
  const auto vadd = kernels().f32_vadd;
  int64_t at = -1;  // the unique row being summed
  for (size_t i = 0; i < entries.size(); ++i) {
    if (starts_row(i)) {
      row_out[++at] = entries[i].row;
      if (width > 0) std::memcpy(out + at * width, entries[i].values, static_cast<size_t>(width) * sizeof(float));
    } else if (width > 0) {
      vadd(width, out + at * width, entries[i].values, out + at * width);
    }
  }
  return SparseGrad{rows, summed, dense_shape, true};
}

namespace {

// The coalesced sum of several row-sparse gradients of one dense shape.
SparseGrad coalesced_sum(std::initializer_list<const SparseGrad*> parts, const Shape& dense_shape) {
  NoGradGuard no_grad;
  const int64_t width = row_width(dense_shape);
  SmallVector<Tensor, 2> values;  // contiguous value rows, alive until the sum is made
  thread_local std::vector<ValueRow> entries;  // kept between calls: no allocation once warm
  entries.clear();
  for (const SparseGrad* part : parts) {
    values.push_back(part->values.contiguous());
    const float* v = values.back().data<float>();
    const Tensor rows = part->indices.contiguous();
    const int64_t* r = rows.data<int64_t>();
    for (int64_t i = 0; i < rows.numel(); ++i) entries.push_back({r[i], v + i * width});
  }
  return coalesce_value_rows(entries, dense_shape);
}

}  // namespace

SparseGrad SparseGrad::coalesce() const {
  if (coalesced) return *this;
  return coalesced_sum({this}, dense_shape);
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
  return coalesced_sum({this, &other}, dense_shape);
}

void set_sparse_grad(const Tensor& param, const Tensor& indices, const Tensor& values,
                     const std::optional<Shape>& dense_shape) {
  KD_CHECK(param.defined() && indices.defined() && values.defined(), ValueError,
           "set_sparse_grad: the parameter, indices and values must be defined");
  const Shape& shape = param.shape();
  KD_CHECK(!dense_shape || *dense_shape == shape, ShapeError, "assigned grad has data of a different size");
  KD_CHECK(values.dtype() == param.dtype(), TypeError, "assigned grad has data of a different type");
  KD_CHECK(param.dim() >= 1, ShapeError, "a sparse gradient needs a parameter with at least one dimension, got shape ",
           shape_str(shape));
  KD_CHECK(indices.dtype() == DType::Int64, TypeError, "sparse gradient indices must be int64, got ",
           dtype_name(indices.dtype()));
  KD_CHECK(indices.dim() == 1, ShapeError, "sparse gradient indices must be 1-D (one row number per value row), got shape ",
           shape_str(indices.shape()));
  KD_CHECK(values.dim() >= 1 && values.shape()[0] == indices.shape()[0], ShapeError,
           "indices and values must have same nnz, but got nnz from indices: ", indices.shape()[0],
           ", nnz from values: ", values.dim() >= 1 ? values.shape()[0] : 1);
  Shape expected = shape;
  expected[0] = indices.shape()[0];
  KD_CHECK(values.shape() == expected, ShapeError, "values has incorrect size, expected ", shape_str(expected), ", got ",
           shape_str(values.shape()));
  for (int64_t row : indices.to_vector<int64_t>()) {
    KD_CHECK(row >= 0, IndexError, "found negative index ", row, " for dim 0");
    KD_CHECK(row < shape[0], IndexError, "size is inconsistent with indices: for dim 0, size is ", shape[0],
             " but found index ", row);
  }
  auto grad = std::make_shared<SparseGrad>();
  grad->indices = indices;
  grad->values = values;
  grad->dense_shape = shape;
  TensorImpl* impl = param.impl();
  impl->grad.reset();
  impl->sparse_grad = std::move(grad);
}

void zero_param_grad(const Tensor& param, bool set_to_none) {
  NoGradGuard no_grad;
  TensorImpl* impl = param.impl();
  if (!impl) return;
  if (impl->sparse_grad) {
    if (set_to_none) {
      impl->sparse_grad.reset();
    } else {
      SparseGrad& g = *impl->sparse_grad;
      Shape values_shape = g.dense_shape;
      values_shape[0] = 0;
      g.indices = tensor_i64(std::vector<int64_t>{});
      g.values = zeros(values_shape, g.values.dtype());
      g.coalesced = true;
    }
  }
  if (impl->grad) {
    if (set_to_none) {
      impl->grad.reset();
    } else {
      Tensor grad(impl->grad);
      if (!grad.is_leaf()) {  // a grad with history (create_graph) loses it, as torch's detach_()
        grad = grad.detach();
        impl->grad = grad.impl_ptr();
      }
      grad.zero_();
    }
  }
}

}  // namespace kd
