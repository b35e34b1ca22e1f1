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
  std::shared_ptr<VersionCounter> version = std::make_shared<VersionCounter>();

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

  // ---- autograd ----
  bool requires_grad() const { return checked().requires_grad; }
  Tensor& requires_grad_(bool requires_grad = true);
  Tensor grad() const;
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
  // Shares storage and version counter, no autograd history (torch.Tensor.detach).
  Tensor detach() const;
  Tensor& detach_();
  // Shares storage, but a fresh version counter and no history (torch.Tensor.data): changes
  // made through it are invisible to autograd, as in PyTorch.
  Tensor data() const;

  // ---- views (share storage) ----
  Tensor view(const Shape& shape) const;
  Tensor reshape(const Shape& shape) const;
  Tensor contiguous() const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor permute(const Shape& dims) const;
  Tensor t() const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor expand(const Shape& shape) const;
  Tensor expand_as(const Tensor& other) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step = 1) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor as_strided(const Shape& shape, const Shape& strides, int64_t storage_offset) const;
  Tensor operator[](int64_t index) const { return select(0, index); }

  // ---- copies ----
  Tensor clone() const;
  Tensor to(DType dtype) const;
  Tensor index_select(int64_t dim, const Tensor& index) const;
  Tensor gather(int64_t dim, const Tensor& index) const;
  Tensor scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor masked_fill(const Tensor& mask, double value) const;

  // ---- element-wise ----
  Tensor add(const Tensor& other, double alpha = 1) const;
  Tensor add(Scalar other) const;
  Tensor sub(const Tensor& other, double alpha = 1) const;
  Tensor sub(Scalar other) const;
  Tensor mul(const Tensor& other) const;
  Tensor mul(Scalar other) const;
  Tensor div(const Tensor& other) const;
  Tensor div(Scalar other) const;
  Tensor neg() const;
  Tensor pow(const Tensor& exponent) const;
  Tensor pow(Scalar exponent) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor abs() const;
  Tensor clamp(std::optional<double> min, std::optional<double> max) const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor relu() const;
  Tensor gelu() const;
  Tensor eq(const Tensor& other) const;
  Tensor ne(const Tensor& other) const;
  Tensor lt(const Tensor& other) const;
  Tensor le(const Tensor& other) const;
  Tensor gt(const Tensor& other) const;
  Tensor ge(const Tensor& other) const;
  Tensor eq(Scalar other) const;
  Tensor ne(Scalar other) const;
  Tensor lt(Scalar other) const;
  Tensor le(Scalar other) const;
  Tensor gt(Scalar other) const;
  Tensor ge(Scalar other) const;
  Tensor logical_not() const;

  // ---- reductions ----
  Tensor sum() const;
  Tensor sum(const Shape& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(const Shape& dims, bool keepdim = false) const;
  Tensor max() const;
  std::pair<Tensor, Tensor> max(int64_t dim, bool keepdim = false) const;
  Tensor min() const;
  std::pair<Tensor, Tensor> min(int64_t dim, bool keepdim = false) const;
  Tensor argmax(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor argmin(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor var(std::optional<Shape> dims = std::nullopt, bool unbiased = true, bool keepdim = false) const;
  Tensor std(std::optional<Shape> dims = std::nullopt, bool unbiased = true, bool keepdim = false) const;
  Tensor norm(double p = 2, std::optional<Shape> dims = std::nullopt, bool keepdim = false) const;
  Tensor softmax(int64_t dim) const;
  Tensor log_softmax(int64_t dim) const;

  // ---- linear algebra ----
  Tensor matmul(const Tensor& other) const;
  Tensor mm(const Tensor& other) const;
  Tensor bmm(const Tensor& other) const;

  // ---- in place (bump the version counter) ----
  Tensor& add_(const Tensor& other, double alpha = 1);
  Tensor& add_(Scalar other);
  Tensor& sub_(const Tensor& other, double alpha = 1);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(Scalar other);
  Tensor& div_(const Tensor& other);
  Tensor& div_(Scalar other);
  Tensor& zero_();
  Tensor& fill_(double value);
  Tensor& copy_(const Tensor& src);
  Tensor& normal_(double mean = 0, double std = 1);
  Tensor& uniform_(double from = 0, double to = 1);
  Tensor& clamp_(std::optional<double> min, std::optional<double> max);
  Tensor& masked_fill_(const Tensor& mask, double value);

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
