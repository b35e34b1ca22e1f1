// Tensor: a shared handle to a TensorImpl (storage, shape, strides, offset, autograd state).
//
// Copying a Tensor copies the handle, not the values (as a Python reference does). Views share
// storage and the version counter with their base; `clone` copies. Every op is a free function
// in namespace kd (core/ops/*.cpp) and most are also methods here, so both `kd::add(a, b)` and
// `a.add(b)` read as in PyTorch.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tensor/dtype.h"
#include "tensor/storage.h"
#include "util/error.h"
#include "util/shape.h"

namespace kd {

class Node;
class Tensor;
class RemovableHandle;

// A number next to a tensor in an op (`t.add(1)`, `t * 0.5`), as a Python scalar is in
// PyTorch: an integer (any C++ integral type) or a float (float, double). With an integral
// tensor (int64, bool) an integer keeps int64 and a float makes float32, as torch 1.13
// promotes (`torch.tensor([1, 2]) * 2` is int64, `* 2.0` is float32); a float32 tensor stays
// float32 either way.
class Scalar {
 public:
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Scalar(T value) : value_(static_cast<double>(value)), integer_(static_cast<int64_t>(value)), integral_(true) {}  // NOLINT
  template <typename T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  Scalar(T value) : value_(static_cast<double>(value)), integral_(false) {}  // NOLINT
  // A JS number: JS cannot tell 2 from 2.0, so a whole number counts as an integer.
  static Scalar from_js_number(double value);

  double to_double() const { return value_; }
  bool is_integral() const { return integral_; }
  int64_t to_int64() const { return integral_ ? integer_ : static_cast<int64_t>(value_); }

 private:
  double value_;
  int64_t integer_ = 0;
  bool integral_;
};

// Counts in-place modifications of a tensor's values, shared by a tensor, its views and its
// detached aliases, so that autograd can tell when a value it saved has been overwritten.
struct VersionCounter {
  uint32_t version = 0;
};

struct TensorImpl {
  TensorImpl() = default;
  TensorImpl(const TensorImpl&) = default;
  ~TensorImpl();  // releases grad_fn without deep recursion (see release_node)

  std::shared_ptr<Storage> storage;
  Shape shape;
  Shape strides;
  int64_t offset = 0;  // in elements
  DType dtype = DType::Float32;
  // Set by whoever makes the impl: a new tensor's shares its storage's allocation
  // (Tensor::make), a view's or a detached alias's is its source's.
  std::shared_ptr<VersionCounter> version;

  // Autograd state. A leaf has no grad_fn; a non-leaf has grad_fn and output_nr (which output
  // of grad_fn it is). grad_accumulator is created on first use for leaves that require grad.
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;
  // Set instead of `grad` by sparse embedding backward (see tensor/sparse.h).
  std::shared_ptr<struct SparseGrad> sparse_grad;
  std::shared_ptr<Node> grad_fn;
  uint32_t output_nr = 0;
  std::weak_ptr<Node> grad_accumulator;
  bool retains_grad = false;
  // Hooks on this leaf's gradient (Tensor::register_hook on a leaf; a non-leaf's live on its grad_fn).
  std::shared_ptr<struct TensorHookList> grad_hooks;
  bool is_parameter = false;  // set by nn::Parameter; only affects printing

  // For a differentiable view: the tensor whose storage it views (never itself a view), so
  // that an in-place op on the view can rewrite the base's history (see autograd/inplace).
  std::shared_ptr<TensorImpl> view_base;
  // The version counter's value when this view's grad_fn was set. If the storage is written in
  // place later (through the base or another view), the history is stale and gradient_edge
  // regenerates it from the base's (as PyTorch does).
  uint32_t view_version = 0;
};

struct TensorOptions {
  DType dtype_ = DType::Float32;
  bool requires_grad_ = false;
  TensorOptions() = default;
  TensorOptions(DType d) : dtype_(d) {}  // NOLINT: implicit so that `zeros({2}, DType::Int64)` reads well
  TensorOptions& dtype(DType d) { dtype_ = d; return *this; }
  TensorOptions& requires_grad(bool r = true) { requires_grad_ = r; return *this; }
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // Allocates a contiguous, zero-filled tensor.
  static Tensor make(const Shape& shape, DType dtype);

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool same(const Tensor& other) const { return impl_ == other.impl_; }

  // ---- geometry ----
  const Shape& shape() const { return checked().shape; }
  const Shape& sizes() const { return shape(); }
  const Shape& strides() const { return checked().strides; }
  int64_t size(int64_t dim) const;
  int64_t stride(int64_t dim) const;
  int64_t dim() const { return static_cast<int64_t>(shape().size()); }
  int64_t numel() const { return shape_numel(shape()); }
  int64_t storage_offset() const { return checked().offset; }
  DType dtype() const { return checked().dtype; }
  bool is_contiguous() const;
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype()); }

  // Raw element pointers at the tensor's offset. Callers index them with strides().
  template <typename T> T* data() const;
  void* raw_data() const;

  // ---- values out ----
  // The single value of a one-element tensor (any shape), converted to T.
  template <typename T = float> T item() const;
  // All values in row-major order, converted to T.
  template <typename T = float> std::vector<T> to_vector() const;
  std::string to_string() const;  // PyTorch's repr: "tensor([[1., 2.]], requires_grad=True)"

  // ---- autograd (the rest of it is in the op table) ----
  bool requires_grad() const { return checked().requires_grad; }
  void set_grad(const Tensor& grad);
  bool is_leaf() const { return checked().grad_fn == nullptr; }
  // A view written in place since it was made reports its regenerated history (as torch).
  const std::shared_ptr<Node>& grad_fn() const;
  uint32_t version() const { return checked().version->version; }
  void bump_version() const { checked().version->version++; }
  void retain_grad();
  // Seeds with ones for a one-element tensor, else `gradient` (same shape) is required.
  // retain_graph defaults to create_graph (as PyTorch); create_graph records the backward pass
  // itself, so the .grad it leaves can be differentiated again.
  void backward(const Tensor& gradient = Tensor(), std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false) const;
  // Calls `hook(grad)` each time a gradient for this tensor is computed; a defined return value
  // replaces the gradient (autograd/hooks.h). Raises on a tensor that does not require grad.
  RemovableHandle register_hook(std::function<Tensor(const Tensor&)> hook);
  Tensor operator[](int64_t index) const { return select(0, index); }

  // Every op method (views, copies, element-wise, reductions, linear algebra, in place) and
  // requires_grad_/grad/detach/data: declared once in the op table, bindings/optable/tensor_ops.mjs.
  // detach() shares storage and version counter, without history; data() shares storage with a
  // fresh version counter, so changes through it are invisible to autograd (both as torch).
#include "tensor/tensor_methods.inc"

 private:
  TensorImpl& checked() const;
  std::shared_ptr<TensorImpl> impl_;
};

// Arithmetic operators, as in PyTorch.
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor operator+(const Tensor& a, Scalar b);
Tensor operator-(const Tensor& a, Scalar b);
Tensor operator*(const Tensor& a, Scalar b);
Tensor operator/(const Tensor& a, Scalar b);
Tensor operator+(Scalar a, const Tensor& b);
Tensor operator-(Scalar a, const Tensor& b);
Tensor operator*(Scalar a, const Tensor& b);
Tensor operator/(Scalar a, const Tensor& b);

}  // namespace kd
