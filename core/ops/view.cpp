// View ops: outputs share storage with their input (no copy) and differ only in shape,
// strides and offset. Each op's backward maps the output's gradient back to the input's
// geometry.
#include <algorithm>
#include <type_traits>
#include <numeric>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/rule.h"
#include "autograd/view_backward.h"
#include "ops/ops.h"

namespace kd {
namespace {

Tensor make_view(const Tensor& src, Shape shape, Shape strides, int64_t offset) {
  auto impl = make_pooled<TensorImpl>();
  const TensorImpl* s = src.impl();
  impl->storage = s->storage;
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = s->dtype;
  impl->version = s->version;
  impl->view_base = s->view_base ? s->view_base : src.impl_ptr();
  return Tensor(std::move(impl));
}

// Backward of a view whose gradient is a reshape, a permutation, or a sum over broadcast dims:
// `map` turns the output gradient into the input gradient. It captures only sizes and dims,
// and the node holds it as it is (no std::function, whose captures would need a heap block).
struct ViewMapBackward : Node {
  const char* op = "";  // a literal: no string to allocate per node
  std::string name() const override { return op; }
};

template <typename Map>
struct ViewMapBackwardOf final : ViewMapBackward {
  explicit ViewMapBackwardOf(Map map) : map(std::move(map)) {}
  Map map;
  TensorList apply(TensorList&& grads) override { return {map(grads[0])}; }
};

template <typename Map>
Tensor record_view(const Tensor& input, Tensor out, const char* op, Map&& map) {
  if (any_requires_grad({&input})) {
    auto node = make_node<ViewMapBackwardOf<std::decay_t<Map>>>(std::forward<Map>(map));
    node->op = op;
    set_history(node, {input}, {&out});
  }
  return out;
}

// Gives the view `out` just made the name PyTorch uses for the op that made it (reshape is
// ReshapeAliasBackward0, transpose TransposeBackward0), as printed in grad_fn=<...>.
Tensor renamed_view(Tensor out, const char* op) {
  if (auto* node = dynamic_cast<ViewMapBackward*>(out.grad_fn().get())) node->op = op;
  return out;
}

// A view given by geometry inside the input (select, narrow, slice, as_strided): its gradient
// is scattered into zeros shaped like the input. `out_in_input` places the view in the input's
// own index space (as if the input were contiguous); without it, in storage. select/slice must
// pass it: an expanded input has several elements per storage slot, and working in storage
// would hand each of them the whole slot's gradient.
Tensor record_strided_view(const Tensor& input, Tensor out, const char* op,
                           std::optional<Geometry> out_in_input = std::nullopt) {
  if (any_requires_grad({&input})) {
    auto node = out_in_input
                    ? make_node<AsStridedBackward>(op, Geometry{input.shape(), contiguous_strides(input.shape()), 0},
                                                          *out_in_input)
                    : make_node<AsStridedBackward>(op, Geometry::of(input), Geometry::of(out));
    set_history(node, {input}, {&out});
  }
  return out;
}

// Resolves a single -1 in `shape` against `numel`, as view/reshape do.
Shape infer_size(const Shape& shape, int64_t numel) {
  Shape out = shape;
  int64_t known = 1;
  int64_t infer_at = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      KD_CHECK(infer_at < 0, ShapeError, "only one dimension can be inferred");
      infer_at = static_cast<int64_t>(i);
    } else {
      KD_CHECK(shape[i] >= 0, ShapeError, "invalid shape dimension ", shape[i]);
      known *= shape[i];
    }
  }
  if (infer_at >= 0) {
    KD_CHECK(known != 0 && numel % known == 0, ShapeError, "shape '", shape_str(shape), "' is invalid for input of size ", numel);
    out[infer_at] = numel / known;
  }
  KD_CHECK(shape_numel(out) == numel, ShapeError, "shape '", shape_str(shape), "' is invalid for input of size ", numel);
  return out;
}

// The strides a view of `t` with `shape` would need, or nothing when dims that are not
// contiguous with each other would have to be merged (then only reshape, which copies, works).
std::optional<Shape> view_strides(const Tensor& t, const Shape& shape) {
  const Shape& old_shape = t.shape();
  const Shape& old_strides = t.strides();
  if (old_shape.empty() || t.numel() == 0) return contiguous_strides(shape);
  Shape strides(shape.size(), 1);
  int64_t view_d = static_cast<int64_t>(shape.size()) - 1;
  int64_t chunk_base_stride = old_strides.back();
  int64_t tensor_numel = 1;
  int64_t view_numel = 1;
  for (int64_t tensor_d = static_cast<int64_t>(old_shape.size()) - 1; tensor_d >= 0; --tensor_d) {
    tensor_numel *= old_shape[tensor_d];
    // A chunk ends where the next-outer dim is not laid out right after this one.
    bool chunk_ends = tensor_d == 0 ||
                      (old_shape[tensor_d - 1] != 1 && old_strides[tensor_d - 1] != tensor_numel * chunk_base_stride);
    if (!chunk_ends) continue;
    while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
      strides[view_d] = view_numel * chunk_base_stride;
      view_numel *= shape[view_d];
      view_d--;
    }
    if (view_numel != tensor_numel) return std::nullopt;
    if (tensor_d > 0) {
      chunk_base_stride = old_strides[tensor_d - 1];
      tensor_numel = 1;
      view_numel = 1;
    }
  }
  if (view_d != -1) return std::nullopt;
  return strides;
}

}  // namespace

Tensor view(const Tensor& t, const Shape& shape) {
  Shape sizes = infer_size(shape, t.numel());
  std::optional<Shape> strides = view_strides(t, sizes);
  KD_CHECK(strides.has_value(), ShapeError,
           "view size is not compatible with input tensor's size and stride (at least one dimension spans across "
           "two contiguous subspaces). Use .reshape(...) instead. (view of ",
           shape_str(t.shape()), " with strides ", shape_str(t.strides()), " as ", shape_str(shape), ")");
  Shape in_shape = t.shape();
  return record_view(t, make_view(t, sizes, *strides, t.storage_offset()), "ViewBackward0",
                     [in_shape](const Tensor& g) { return g.reshape(in_shape); });
}

Tensor reshape(const Tensor& t, const Shape& shape) {
  Shape sizes = infer_size(shape, t.numel());
  if (view_strides(t, sizes)) return renamed_view(view(t, sizes), "ReshapeAliasBackward0");
  return renamed_view(view(clone(t), sizes), "UnsafeViewBackward0");
}

Tensor contiguous(const Tensor& t) { return t.is_contiguous() ? t : clone(t); }

Tensor permute(const Tensor& t, const Shape& dims) {
  int64_t n = t.dim();
  KD_CHECK(static_cast<int64_t>(dims.size()) == n, ShapeError,
           "permute(): number of dimensions in the tensor input does not match the length of the desired ordering of "
           "dimensions i.e. input.dim() = ", n, " is not equal to len(dims) = ", dims.size());
  Shape shape(n), strides(n), inverse(n, -1);  // inverse[d] stays -1 until dim d is placed
  for (int64_t i = 0; i < n; ++i) {
    int64_t d = wrap_dim(dims[i], n);
    KD_CHECK(inverse[d] < 0, ShapeError, "permute(): duplicate dims are not allowed (dims ", shape_str(dims), ")");
    shape[i] = t.shape()[d];
    strides[i] = t.strides()[d];
    inverse[d] = i;
  }
  return record_view(t, make_view(t, shape, strides, t.storage_offset()), "PermuteBackward0",
                     [inverse](const Tensor& g) { return g.permute(inverse); });
}

Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1) {
  int64_t n = t.dim();
  if (n == 0) {
    wrap_dim(dim0, 0);
    wrap_dim(dim1, 0);
    return permute(t, {});
  }
  Shape dims(n);
  std::iota(dims.begin(), dims.end(), 0);
  std::swap(dims[wrap_dim(dim0, n)], dims[wrap_dim(dim1, n)]);
  return renamed_view(permute(t, dims), "TransposeBackward0");
}

Tensor t(const Tensor& t) {
  KD_CHECK(t.dim() <= 2, ShapeError, "t() expects a tensor with <= 2 dimensions, but self is ", t.dim(), "D");
  return renamed_view(t.dim() < 2 ? permute(t, t.dim() == 1 ? Shape{0} : Shape{}) : transpose(t, 0, 1), "TBackward0");
}

Tensor unsqueeze(const Tensor& t, int64_t dim) {
  int64_t d = wrap_dim(dim, t.dim() + 1);
  Shape shape = t.shape(), strides = t.strides();
  int64_t stride = d < t.dim() ? shape[d] * strides[d] : 1;
  shape.insert(shape.begin() + d, 1);
  strides.insert(strides.begin() + d, stride);
  return record_view(t, make_view(t, shape, strides, t.storage_offset()), "UnsqueezeBackward0",
                     [d](const Tensor& g) { return g.squeeze(d); });
}

Tensor squeeze(const Tensor& t) {
  Shape shape, strides;
  for (int64_t i = 0; i < t.dim(); ++i)
    if (t.shape()[i] != 1) {
      shape.push_back(t.shape()[i]);
      strides.push_back(t.strides()[i]);
    }
  Shape in_shape = t.shape();
  return record_view(t, make_view(t, shape, strides, t.storage_offset()), "SqueezeBackward0",
                     [in_shape](const Tensor& g) { return g.reshape(in_shape); });
}

Tensor squeeze(const Tensor& t, int64_t dim) {
  int64_t d = wrap_dim(dim, t.dim());
  Shape shape = t.shape(), strides = t.strides();
  if (t.dim() > 0 && shape[d] == 1) {
    shape.erase(shape.begin() + d);
    strides.erase(strides.begin() + d);
  }
  Shape in_shape = t.shape();
  return record_view(t, make_view(t, shape, strides, t.storage_offset()), "SqueezeBackward1",
                     [in_shape](const Tensor& g) { return g.reshape(in_shape); });
}

Tensor expand(const Tensor& t, const Shape& shape) {
  int64_t n = static_cast<int64_t>(shape.size());
  KD_CHECK(n >= t.dim(), ShapeError, "expand: the number of sizes provided (", n,
           ") must be greater or equal to the number of dimensions in the tensor (", t.dim(), ")");
  Shape sizes(n), strides(n);
  for (int64_t i = n - 1; i >= 0; --i) {
    int64_t j = i - (n - t.dim());  // matching dim of t, or negative for a new leading dim
    if (j < 0) {
      KD_CHECK(shape[i] >= 0, ShapeError, "expand: the expanded size of the tensor (", shape[i],
               ") isn't allowed in a leading, non-existing dimension ", i);
      sizes[i] = shape[i];
      strides[i] = 0;
      continue;
    }
    int64_t have = t.shape()[j];
    int64_t want = shape[i] == -1 ? have : shape[i];
    KD_CHECK(want >= 0, ShapeError, "expand: Trying to create tensor with negative dimension ", want,
             ".  Target sizes: ", shape_str(shape), ".  Tensor sizes: ", shape_str(t.shape()));
    KD_CHECK(have == want || have == 1, ShapeError, "The expanded size of the tensor (", want,
             ") must match the existing size (", have, ") at non-singleton dimension ", i,
             ".  Target sizes: ", shape_str(shape), ".  Tensor sizes: ", shape_str(t.shape()));
    sizes[i] = want;
    strides[i] = have == want ? t.strides()[j] : 0;
  }
  Shape in_shape = t.shape();
  return record_view(t, make_view(t, sizes, strides, t.storage_offset()), "ExpandBackward0",
                     [in_shape](const Tensor& g) { return sum_to(g, in_shape); });
}

Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length) {
  KD_CHECK(t.dim() > 0, ShapeError, "narrow() cannot be applied to a 0-dim tensor.");
  int64_t d = wrap_dim(dim, t.dim());
  int64_t size = t.shape()[d];
  // torch wraps start as it wraps a dim (hence its message), and allows start == size.
  KD_CHECK(start == size || (start >= -size && start < size), IndexError,
           "Dimension out of range (expected to be in range of [", -size, ", ", size - 1, "], but got ", start, ")");
  if (start < 0) start += size;
  KD_CHECK(length >= 0 && start + length <= size, ShapeError, "start (", start, ") + length (", length,
           ") exceeds dimension size (", size, ").");
  return slice(t, d, start, start + length, 1);
}

Tensor select(const Tensor& t, int64_t dim, int64_t index) {
  KD_CHECK(t.dim() > 0, IndexError, "select() cannot be applied to a 0-dim tensor.");
  int64_t d = wrap_dim(dim, t.dim());
  int64_t size = t.shape()[d];
  KD_CHECK(index >= -size && index < size, IndexError, "select(): index ", index, " out of range for tensor of size ",
           shape_str(t.shape()), " at dimension ", d);
  if (index < 0) index += size;
  Shape shape = t.shape(), strides = t.strides();
  int64_t offset = t.storage_offset() + index * strides[d];
  Shape logical = contiguous_strides(t.shape());
  int64_t logical_offset = index * logical[d];
  logical.erase(logical.begin() + d);
  shape.erase(shape.begin() + d);
  strides.erase(strides.begin() + d);
  Geometry in_input{shape, logical, logical_offset};
  return record_strided_view(t, make_view(t, shape, strides, offset), "SelectBackward0", in_input);
}

Tensor slice(const Tensor& t, int64_t dim, std::optional<int64_t> start_opt, std::optional<int64_t> end_opt, int64_t step) {
  KD_CHECK(t.dim() > 0, IndexError, "slice() cannot be applied to a 0-dim tensor.");
  KD_CHECK(step > 0, ValueError, "slice step must be positive (got ", step, ")");
  int64_t d = wrap_dim(dim, t.dim());
  int64_t size = t.shape()[d];
  // Python's slice rules: negative counts from the end, out-of-range clamps.
  auto clamp_index = [size](int64_t i) {
    if (i < 0) i += size;
    return std::min(std::max<int64_t>(i, 0), size);
  };
  int64_t start = start_opt ? clamp_index(*start_opt) : 0;
  int64_t end = end_opt ? clamp_index(*end_opt) : size;
  int64_t length = end > start ? (end - start + step - 1) / step : 0;
  Shape shape = t.shape(), strides = t.strides();
  int64_t offset = t.storage_offset() + start * strides[d];
  shape[d] = length;
  strides[d] *= step;
  Shape logical = contiguous_strides(t.shape());
  Geometry in_input{shape, logical, start * logical[d]};
  in_input.strides[d] *= step;
  return record_strided_view(t, make_view(t, shape, strides, offset), "SliceBackward0", in_input);
}

Tensor flatten(const Tensor& t, int64_t start_dim, int64_t end_dim) {
  if (t.dim() == 0) return reshape(t, {1});
  int64_t s = wrap_dim(start_dim, t.dim()), e = wrap_dim(end_dim, t.dim());
  KD_CHECK(s <= e, ValueError, "flatten() has invalid args: start_dim cannot come after end_dim");
  Shape shape(t.shape().begin(), t.shape().begin() + s);
  int64_t merged = 1;
  for (int64_t i = s; i <= e; ++i) merged *= t.shape()[i];
  shape.push_back(merged);
  shape.insert(shape.end(), t.shape().begin() + e + 1, t.shape().end());
  return reshape(t, shape);
}

Tensor as_strided(const Tensor& t, const Shape& shape, const Shape& strides, int64_t storage_offset) {
  KD_CHECK(shape.size() == strides.size(), ShapeError, "as_strided: mismatch in length of strides and shape");
  int64_t hi = storage_offset;
  for (size_t i = 0; i < shape.size(); ++i) {
    KD_CHECK(shape[i] >= 0 && strides[i] >= 0, ValueError, "as_strided: negative size or stride");
    if (shape[i] == 0) { hi = -1; break; }
    hi += (shape[i] - 1) * strides[i];
  }
  int64_t capacity = static_cast<int64_t>(t.impl()->storage->bytes() / dtype_size(t.dtype()));
  KD_CHECK(storage_offset >= 0 && hi < capacity, IndexError, "setStorage: sizes ", shape_str(shape), ", strides ",
           shape_str(strides), " and storage offset ", storage_offset, " require a storage of ", hi + 1,
           " elements, but the storage holds ", capacity);
  return record_strided_view(t, make_view(t, shape, strides, storage_offset), "AsStridedBackward0");
}

}  // namespace kd
