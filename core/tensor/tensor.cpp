#include "tensor/tensor.h"

#include <limits>

#include "util/block_pool.h"


namespace kd {

Tensor Tensor::make(const Shape& shape, DType dtype) {
  // The byte count is checked before anything is allocated: on wasm32 size_t is 32 bits, and
  // a product that wrapped around would allocate a small block that the op then overruns.
  uint64_t bytes = dtype_size(dtype);
  for (int64_t s : shape) {
    KD_CHECK(s >= 0, ValueError, "Trying to create tensor with negative dimension ", s, ": ", shape_str(shape));
    KD_CHECK(s == 0 || bytes <= std::numeric_limits<size_t>::max() / static_cast<uint64_t>(s), ValueError,
             "out of memory: a ", dtype_name(dtype), " tensor of shape ", shape_str(shape),
             " does not fit in this address space");
    bytes *= static_cast<uint64_t>(s);
  }
  // The storage and the version counter in one allocation: everything that holds the counter
  // (the tensor, its views, its detached aliases) holds the storage too.
  struct StorageAndVersion {
    Storage storage;
    VersionCounter version;
    explicit StorageAndVersion(size_t bytes) : storage(bytes) {}
  };
  auto block = make_pooled<StorageAndVersion>(static_cast<size_t>(bytes));
  auto impl = make_pooled<TensorImpl>();
  impl->storage = std::shared_ptr<Storage>(block, &block->storage);
  impl->version = std::shared_ptr<VersionCounter>(block, &block->version);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

TensorImpl& Tensor::checked() const {
  KD_CHECK(impl_ != nullptr, StateError, "tensor is undefined (it was never assigned, or it was disposed)");
  return *impl_;
}

int64_t Tensor::size(int64_t d) const { return shape()[wrap_dim(d, dim())]; }
int64_t Tensor::stride(int64_t d) const { return strides()[wrap_dim(d, dim())]; }

bool Tensor::is_contiguous() const {
  const TensorImpl& t = checked();
  if (shape_numel(t.shape) == 0) return true;  // no elements: any strides will do, as in PyTorch
  int64_t expected = 1;
  for (size_t i = t.shape.size(); i-- > 0;) {
    if (t.shape[i] == 1) continue;  // a size-1 dim's stride does not matter, as in PyTorch
    if (t.strides[i] != expected) return false;
    if (mul_overflows(expected, t.shape[i], &expected)) return false;  // no storage is that large
  }
  return true;
}

void* Tensor::raw_data() const {
  const TensorImpl& t = checked();
  return static_cast<char*>(t.storage->data()) + t.offset * static_cast<int64_t>(dtype_size(t.dtype));
}

template <typename T> T* Tensor::data() const {
  KD_CHECK(dtype() == dtype_of<T>::value, TypeError, "expected a tensor of dtype ", dtype_name(dtype_of<T>::value),
           " but got ", dtype_name(dtype()));
  return static_cast<T*>(raw_data());
}
template float* Tensor::data<float>() const;
template int64_t* Tensor::data<int64_t>() const;
template bool* Tensor::data<bool>() const;

template <typename T> std::vector<T> Tensor::to_vector() const {
  Tensor c = contiguous();
  std::vector<T> out(static_cast<size_t>(c.numel()));
  switch (c.dtype()) {
    case DType::Float32: { const float* p = c.data<float>(); for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<T>(p[i]); break; }
    case DType::Int64: { const int64_t* p = c.data<int64_t>(); for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<T>(p[i]); break; }
    case DType::Bool: { const bool* p = c.data<bool>(); for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<T>(p[i]); break; }
  }
  return out;
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template std::vector<bool> Tensor::to_vector<bool>() const;

template <typename T> T Tensor::item() const {
  KD_CHECK(numel() == 1, ValueError, "a Tensor with ", numel(), " elements cannot be converted to Scalar");
  return to_vector<T>()[0];
}
template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template int64_t Tensor::item<int64_t>() const;
template bool Tensor::item<bool>() const;

// ---- autograd state that needs no graph (the graph's part is in autograd/tensor_autograd.cpp) ----

Tensor& Tensor::requires_grad_(bool requires_grad) {
  TensorImpl& t = checked();
  if (!requires_grad && t.grad_fn) {
    throw StateError("you can only change requires_grad flags of leaf variables. If you want to use a computed "
                     "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().");
  }
  KD_CHECK(!requires_grad || t.dtype == DType::Float32, StateError,
           "only Tensors of floating point dtype can require gradients (got ", dtype_name(t.dtype), ")");
  t.requires_grad = requires_grad;
  return *this;
}

Tensor Tensor::grad() const {
  const TensorImpl& t = checked();
  return t.grad ? Tensor(t.grad) : Tensor();
}

void Tensor::set_grad(const Tensor& grad) {
  TensorImpl& t = checked();
  if (!grad.defined()) {
    t.grad.reset();
    t.sparse_grad.reset();  // one gradient slot, dense or sparse
    return;
  }
  KD_CHECK(grad.shape() == t.shape, ShapeError, "assigned grad has data of a different size: ", shape_str(grad.shape()),
           " vs the tensor's ", shape_str(t.shape));
  KD_CHECK(grad.dtype() == t.dtype, TypeError, "assigned grad has data of a different type");
  t.grad = grad.impl_ptr();
  t.sparse_grad.reset();
}

Tensor Tensor::detach() const {
  const TensorImpl& t = checked();
  auto impl = make_pooled<TensorImpl>();
  impl->storage = t.storage;
  impl->shape = t.shape;
  impl->strides = t.strides;
  impl->offset = t.offset;
  impl->dtype = t.dtype;
  impl->version = t.version;  // modifications through the detached tensor are still seen by autograd
  return Tensor(std::move(impl));
}

Tensor& Tensor::detach_() {
  TensorImpl& t = checked();
  KD_CHECK(!t.view_base, StateError, "Can't detach views in-place. Use detach() instead.");
  t.grad_fn.reset();
  t.requires_grad = false;
  t.output_nr = 0;
  return *this;
}

Tensor Tensor::data() const {
  Tensor alias = detach();
  alias.impl()->version = std::make_shared<VersionCounter>();
  return alias;
}

}  // namespace kd
