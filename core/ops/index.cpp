// Ops that copy: clone, to_dtype, and the indexing ops index_select, gather, scatter_add, cat,
// stack, where, masked_fill, one_hot. Every index is validated before anything is written.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "autograd/grad_mode.h"
#include "autograd/rule.h"
#include "kernels/kernels.h"
#include "ops/ops.h"
#include "ops/pointwise.h"

namespace kd {
namespace {

void check_index_tensor(const Tensor& index, const char* op) {
  KD_CHECK(index.dtype() == DType::Int64, TypeError, op, "(): Expected dtype int64 for index (got ", dtype_name(index.dtype()), ")");
}

template <typename T>
void index_select_typed(const Tensor& src, int64_t dim, const std::vector<int64_t>& idx, const Tensor& out) {
  // View src and out as [outer, size(dim), inner] and copy whole inner blocks.
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < dim; ++i) outer *= src.shape()[i];
  for (int64_t i = dim + 1; i < src.dim(); ++i) inner *= src.shape()[i];
  const int64_t src_size = src.dim() ? src.shape()[dim] : 1;
  const T* s = src.data<T>();
  T* o = out.data<T>();
  const int64_t n = static_cast<int64_t>(idx.size());
  for (int64_t a = 0; a < outer; ++a)
    for (int64_t j = 0; j < n; ++j)
      std::copy_n(s + (a * src_size + idx[j]) * inner, inner, o + (a * n + j) * inner);
}

// out[..., idx[e] (along d), ...] += src[coordinates of e], for every element e of the index
// (idx is the index's values, row-major). Pointers and strides are read once, not per element.
template <typename T>
void scatter_add_elements(const Tensor& out, const Tensor& src, const Tensor& index, const std::vector<int64_t>& idx, int64_t d) {
  T* o = out.data<T>();
  const T* sp = src.data<T>();
  const Shape& out_strides = out.strides();
  const Shape& src_strides = src.strides();
  const int64_t ndim = index.dim();
  Shape coord(std::max<int64_t>(ndim, 1), 0);
  for (int64_t e = 0; e < static_cast<int64_t>(idx.size()); ++e) {
    int64_t o_off = 0, s_off = 0;
    for (int64_t i = 0; i < ndim; ++i) {
      o_off += (i == d ? idx[e] : coord[i]) * out_strides[i];
      s_off += coord[i] * src_strides[i];
    }
    if constexpr (std::is_same_v<T, bool>) {
      o[o_off] = o[o_off] || sp[s_off];
    } else {
      o[o_off] += sp[s_off];
    }
    for (int64_t i = ndim - 1; i >= 0; --i) {
      if (++coord[i] < index.shape()[i]) break;
      coord[i] = 0;
    }
  }
}

// out[index] += src along d, in place in `out` (a fresh tensor: scatter_add's clone of self, or
// the zeros a backward fills). Shapes and dtypes are checked by the caller; index values here,
// before anything is written.
void scatter_add_into(const Tensor& out, int64_t d, const Tensor& index, const Tensor& src) {
  const int64_t size = out.dim() ? out.shape()[d] : 1;
  // Whole rows: dim 0 of 2-D tensors with an index that is constant along each row (an expanded
  // row index, which the embedding backward, index_select's backward and sparse coalescing
  // make). Then only one index per row is read and checked, and each row is one vector add.
  const bool whole_rows = out.dtype() == DType::Float32 && d == 0 && out.dim() == 2 && index.strides()[1] == 0 &&
                          index.shape() == src.shape() && index.shape()[1] == out.shape()[1];
  std::vector<int64_t> idx = (whole_rows ? index.select(1, 0) : index).contiguous().to_vector<int64_t>();
  for (int64_t i : idx)
    KD_CHECK(i >= 0 && i < size, IndexError, "index ", i, " is out of bounds for dimension ", d, " with size ", size);
  if (whole_rows) {
    Tensor rows = src.contiguous();
    const int64_t width = out.shape()[1];
    const float* s = rows.data<float>();
    float* o = out.data<float>();
    const auto vadd = kernels().f32_vadd;
    for (size_t r = 0; r < idx.size(); ++r) {
      float* target = o + idx[r] * width;
      vadd(width, target, s + static_cast<int64_t>(r) * width, target);
    }
    return;
  }
  const Tensor out_view = out.dim() ? out : out.reshape({1});
  const Tensor src_view = src.dim() ? src : src.reshape({1});
  switch (out.dtype()) {
    case DType::Float32: scatter_add_elements<float>(out_view, src_view, index, idx, d); break;
    case DType::Int64: scatter_add_elements<int64_t>(out_view, src_view, index, idx, d); break;
    case DType::Bool: scatter_add_elements<bool>(out_view, src_view, index, idx, d); break;
  }
}

// The gradient of an op that read `input_shape` at `index` along d: g added back into zeros.
Tensor scattered_gradient(const Shape& input_shape, int64_t d, const Tensor& index, const Tensor& g) {
  // In a backward with create_graph the gradient must be differentiable: the recorded op.
  if (GradMode::is_enabled()) return zeros(input_shape).scatter_add(d, index, g);
  Tensor out = zeros(input_shape);
  scatter_add_into(out, d, index, g);
  return out;
}

}  // namespace

// ---- clone and dtype conversion ----

Tensor clone(const Tensor& t) {
  Tensor out = Tensor::make(t.shape(), t.dtype());
  copy_values(out, t);
  record_rule("CloneBackward0", [](const RuleBackward&, const Tensor& g, const TensorList&) {
    return TensorList{g};
  }, {t}, out, {});
  return out;
}

Tensor to_dtype(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  Tensor out = Tensor::make(t.shape(), dtype);
  copy_values(out, t);  // no gradient flows through a change of dtype away from float
  return out;
}

Tensor index_select(const Tensor& t, int64_t dim, const Tensor& index) {
  check_index_tensor(index, "index_select");
  KD_CHECK(index.dim() <= 1, ShapeError, "index_select(): Index is supposed to be a vector (got shape ", shape_str(index.shape()), ")");
  int64_t d = wrap_dim(dim, t.dim());
  int64_t size = t.dim() ? t.shape()[d] : 1;
  std::vector<int64_t> idx = index.to_vector<int64_t>();
  for (int64_t i : idx)
    KD_CHECK(i >= 0 && i < size, IndexError, "index out of range in self (index_select: index ", i,
             " is out of bounds for dimension ", d, " with size ", size, ")");
  Shape shape = t.shape();
  if (t.dim()) shape[d] = static_cast<int64_t>(idx.size());
  Tensor src = t.contiguous();
  Tensor out = Tensor::make(shape, t.dtype());
  switch (t.dtype()) {
    case DType::Float32: index_select_typed<float>(src, d, idx, out); break;
    case DType::Int64: index_select_typed<int64_t>(src, d, idx, out); break;
    case DType::Bool: index_select_typed<bool>(src, d, idx, out); break;
  }
  // Rows picked several times receive the sum of their gradients.
  auto node = record_rule("IndexSelectBackward0", [](const RuleBackward& n, const Tensor& g, const TensorList& s) {
    const Shape& in_shape = n.input_shapes[0];
    Tensor index = s[0];
    if (in_shape.empty()) return TensorList{g.reshape({})};
    // Expand the index along the other dims so scatter_add can use it.
    Shape view_shape(in_shape.size(), 1);
    view_shape[n.dims[0]] = index.numel();
    Tensor expanded = index.reshape(view_shape).expand(g.shape());
    return TensorList{scattered_gradient(in_shape, n.dims[0], expanded, g)};
  }, {t, Tensor()}, out, {index});
  if (node) node->dims = {d};
  return out;
}

Tensor gather(const Tensor& t, int64_t dim, const Tensor& index) {
  check_index_tensor(index, "gather");
  int64_t d = wrap_dim(dim, t.dim());
  KD_CHECK(index.dim() == t.dim() || (t.dim() == 0 && index.dim() <= 1), ShapeError,
           "Index tensor must have the same number of dimensions as input tensor (input ", shape_str(t.shape()),
           ", index ", shape_str(index.shape()), ")");
  for (int64_t i = 0; i < index.dim() && t.dim(); ++i)
    KD_CHECK(i == d || index.shape()[i] <= t.shape()[i], ShapeError, "Size does not match at dimension ", i,
             " expected index ", shape_str(index.shape()), " to be smaller than self ", shape_str(t.shape()),
             " apart from dimension ", d);
  int64_t size = t.dim() ? t.shape()[d] : 1;
  std::vector<int64_t> idx = index.contiguous().to_vector<int64_t>();
  for (int64_t i : idx)
    KD_CHECK(i >= 0 && i < size, IndexError, "index ", i, " is out of bounds for dimension ", d, " with size ", size);
  Tensor out = Tensor::make(index.shape(), t.dtype());
  Tensor src = t.dim() ? t : t.reshape({1});
  Shape src_strides = src.strides();
  const char* base = static_cast<const char*>(src.raw_data());
  char* o = static_cast<char*>(out.raw_data());
  const size_t width = dtype_size(t.dtype());
  // Walk the index's coordinates; the source element has the same coordinates but along d.
  Shape coord(index.dim(), 0);
  for (int64_t e = 0; e < static_cast<int64_t>(idx.size()); ++e) {
    int64_t src_off = 0;
    for (int64_t i = 0; i < index.dim(); ++i) src_off += (i == d ? idx[e] : coord[i]) * (src.dim() ? src_strides[i] : 0);
    std::memcpy(o + e * width, base + src_off * static_cast<int64_t>(width), width);
    for (int64_t i = index.dim() - 1; i >= 0; --i) {
      if (++coord[i] < index.shape()[i]) break;
      coord[i] = 0;
    }
  }
  auto node = record_rule("GatherBackward0", [](const RuleBackward& n, const Tensor& g, const TensorList& s) {
    if (n.input_shapes[0].empty()) return TensorList{g.sum().reshape({})};
    return TensorList{scattered_gradient(n.input_shapes[0], n.dims[0], s[0], g)};
  }, {t, Tensor()}, out, {index});
  if (node) node->dims = {d};
  return out;
}

Tensor scatter_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
  check_index_tensor(index, "scatter_add");
  KD_CHECK(t.dtype() == src.dtype(), TypeError, "scatter_add(): Expected self.dtype to be equal to src.dtype (",
           dtype_name(t.dtype()), " vs ", dtype_name(src.dtype()), ")");
  int64_t d = wrap_dim(dim, t.dim());
  KD_CHECK(index.dim() == t.dim() && src.dim() == t.dim(), ShapeError,
           "Index tensor must have the same number of dimensions as self tensor (self ", shape_str(t.shape()),
           ", index ", shape_str(index.shape()), ", src ", shape_str(src.shape()), ")");
  for (int64_t i = 0; i < index.dim(); ++i) {
    KD_CHECK(index.shape()[i] <= src.shape()[i], ShapeError, "Expected index ", shape_str(index.shape()),
             " to be smaller than src ", shape_str(src.shape()), " apart from dimension ", d);
    KD_CHECK(i == d || index.shape()[i] <= t.shape()[i], ShapeError, "Expected index ", shape_str(index.shape()),
             " to be smaller than self ", shape_str(t.shape()), " apart from dimension ", d);
  }
  Tensor out = t.clone().detach();
  scatter_add_into(out, d, index, src);
  // d/dself = g; d/dsrc = g gathered at the scattered places (zero where src was not used).
  auto node = record_rule("ScatterAddBackward0", [](const RuleBackward& n, const Tensor& g, const TensorList& s) {
    Tensor gsrc;
    if (n.needs_grad(2)) {
      Tensor picked = g.gather(n.dims[0], s[0]);
      const Shape& src_shape = n.input_shapes[2];
      gsrc = picked.shape() == src_shape ? picked : zeros(src_shape);
      if (!(picked.shape() == src_shape)) {
        Tensor region = gsrc;
        for (int64_t i = 0; i < picked.dim(); ++i) region = region.narrow(i, 0, picked.shape()[i]);
        region.copy_(picked);
      }
    }
    return TensorList{g, Tensor(), gsrc};
  }, {t, Tensor(), src}, out, {index});
  if (node) node->dims = {d};
  return out;
}

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  KD_CHECK(!tensors.empty(), ValueError, "torch.cat(): expected a non-empty list of Tensors");
  const Tensor& first = tensors[0];
  KD_CHECK(first.dim() > 0, ShapeError, "zero-dimensional tensor (at position 0) cannot be concatenated");
  int64_t d = wrap_dim(dim, first.dim());
  DType type = first.dtype();
  int64_t total = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    KD_CHECK(t.dim() > 0, ShapeError, "zero-dimensional tensor (at position ", i, ") cannot be concatenated");
    KD_CHECK(t.dim() == first.dim(), ShapeError, "Tensors must have same number of dimensions: got ", first.dim(), " and ", t.dim());
    for (int64_t k = 0; k < t.dim(); ++k)
      KD_CHECK(k == d || t.shape()[k] == first.shape()[k], ShapeError, "Sizes of tensors must match except in dimension ", d,
               ". Expected size ", first.shape()[k], " but got size ", t.shape()[k], " for tensor number ", i, " in the list.");
    type = promote_types(type, t.dtype());
    total += t.shape()[d];
  }
  Shape shape = first.shape();
  shape[d] = total;
  Tensor out = Tensor::make(shape, type);
  int64_t at = 0;
  Shape sizes;
  for (const Tensor& t : tensors) {
    copy_values(out.narrow(d, at, t.shape()[d]), t);
    at += t.shape()[d];
    sizes.push_back(t.shape()[d]);
  }
  auto node = record_rule("CatBackward0", [](const RuleBackward& n, const Tensor& g, const TensorList&) {
    TensorList grads;
    int64_t at = 0;
    for (const Shape& s : n.input_shapes) {
      grads.push_back(g.narrow(n.dims[0], at, s[n.dims[0]]));
      at += s[n.dims[0]];
    }
    return grads;
  }, tensors, out, {});
  if (node) node->dims = {d};
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  KD_CHECK(!tensors.empty(), ValueError, "stack expects a non-empty TensorList");
  int64_t d = wrap_dim(dim, tensors[0].dim() + 1);
  std::vector<Tensor> parts;
  for (size_t i = 0; i < tensors.size(); ++i) {
    KD_CHECK(tensors[i].shape() == tensors[0].shape(), ShapeError, "stack expects each tensor to be equal size, but got ",
             shape_str(tensors[0].shape()), " at entry 0 and ", shape_str(tensors[i].shape()), " at entry ", i);
    parts.push_back(tensors[i].unsqueeze(d));
  }
  Tensor out = cat(parts, d);
  // Named as PyTorch's node for stack (ours is cat's, over unsqueezed views).
  if (auto* node = dynamic_cast<RuleBackward*>(out.grad_fn().get())) node->op = "StackBackward0";
  return out;
}

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  KD_CHECK(condition.dtype() == DType::Bool, TypeError, "where expected condition to be a boolean tensor, but got a tensor with dtype ",
           dtype_name(condition.dtype()));
  Shape shape = broadcast_shapes(broadcast_shapes(condition.shape(), a.shape(), "where"), b.shape(), "where");
  DType type = promote_types(a.dtype(), b.dtype());
  Tensor out = Tensor::make(shape, type);
  copy_values(out, b);
  // Overwrite with a where the condition holds.
  Tensor ca = a.dtype() == type ? a : to_dtype(a, type);
  const bool* c = condition.data<bool>();
  const size_t width = dtype_size(type);
  char* o = static_cast<char*>(out.raw_data());
  const char* pa = static_cast<const char*>(ca.raw_data());
  for_each_element<3>(shape, {out.strides(), broadcast_strides(condition, shape), broadcast_strides(ca, shape)},
                      [&](const std::array<int64_t, 3>& off) {
                        if (c[off[1]]) std::memcpy(o + off[0] * width, pa + off[2] * width, width);
                      });
  record_rule("WhereBackward0", [](const RuleBackward& n, const Tensor& g, const TensorList& s) {
    Tensor zero = zeros_like(g);
    return TensorList{Tensor(), n.needs_grad(1) ? where(s[0], g, zero) : Tensor(),
                               n.needs_grad(2) ? where(s[0], zero, g) : Tensor()};
  }, {Tensor(), a, b}, out, {condition});
  return out;
}

Tensor masked_fill(const Tensor& t, const Tensor& mask, double value) {
  KD_CHECK(mask.dtype() == DType::Bool, TypeError, "masked_fill_ only supports boolean masks, but got mask with dtype ",
           dtype_name(mask.dtype()));
  Shape shape = broadcast_shapes(t.shape(), mask.shape(), "masked_fill");
  KD_CHECK(shape == t.shape(), ShapeError, "masked_fill: the mask of shape ", shape_str(mask.shape()),
           " cannot be broadcast to the tensor's shape ", shape_str(t.shape()));
  Tensor fill = full({}, value, t.dtype());
  Tensor out;
  {
    NoGradGuard no_grad;
    out = where(mask, fill, t);
  }
  record_rule("MaskedFillBackward0", [](const RuleBackward&, const Tensor& g, const TensorList& s) {
    return TensorList{where(s[0], zeros_like(g), g)};
  }, {t}, out, {mask});
  return out;
}

Tensor one_hot(const Tensor& indices, int64_t num_classes) {
  KD_CHECK(indices.dtype() == DType::Int64, TypeError, "one_hot is only applicable to index tensor (int64), got ",
           dtype_name(indices.dtype()));
  std::vector<int64_t> idx = indices.to_vector<int64_t>();
  // torch's order of checks and its messages (RuntimeErrors all).
  if (idx.empty()) {
    KD_CHECK(num_classes > 0, RuntimeError, "Can not infer total number of classes from empty tensor.");
  } else {
    for (int64_t i : idx) KD_CHECK(i >= 0, RuntimeError, "Class values must be non-negative.");
    if (num_classes == -1) num_classes = *std::max_element(idx.begin(), idx.end()) + 1;
    for (int64_t i : idx) KD_CHECK(i < num_classes, RuntimeError, "Class values must be smaller than num_classes.");
  }
  Shape shape = indices.shape();
  shape.push_back(num_classes);
  Tensor out = Tensor::make(shape, DType::Int64);
  int64_t* o = out.data<int64_t>();
  for (size_t k = 0; k < idx.size(); ++k) o[k * num_classes + idx[k]] = 1;
  return out;
}

}  // namespace kd
