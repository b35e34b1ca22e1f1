// In-place ops (the trailing underscore). Each one validates, then either writes straight into
// self (no history needed: the optimizer and init path) or, when autograd must record it,
// computes the result out of place from a clone of self and takes over its history
// (autograd/inplace.cpp). Every one bumps the version counter.
#include <algorithm>
#include <functional>

#include "autograd/grad_mode.h"
#include "autograd/rule.h"
#include "autograd/node.h"
#include "kernels/kernels.h"
#include "ops/ops.h"
#include "ops/pointwise.h"
#include "tensor/random.h"

namespace kd {
namespace {

// A node for results that do not depend on the old value of self (fill_, zero_, random
// draws): the old history receives no gradient.
struct NoGradientBackward final : Node {
  TensorList apply(TensorList&&) override { return {Tensor()}; }
  std::string name() const override { return "FillBackward"; }
};

// torch's names for the dtypes in its casting message.
const char* torch_type_name(DType dtype) {
  return dtype == DType::Float32 ? "Float" : dtype == DType::Int64 ? "Long" : "Bool";
}

void check_result_type(const Tensor& self, const Tensor& result, const char* op) {
  KD_CHECK(!(self.dtype() != DType::Float32 && result.dtype() == DType::Float32) &&
               !(self.dtype() == DType::Bool && result.dtype() == DType::Int64),
           TypeError, op, ": result type ", torch_type_name(result.dtype()), " can't be cast to the desired output type ",
           torch_type_name(self.dtype()));
  KD_CHECK(result.shape() == self.shape(), ShapeError, op, ": output with shape ", shape_str(self.shape()),
           " doesn't match the broadcast shape ", shape_str(result.shape()));
}

bool shares_storage(const Tensor& a, const Tensor& b) {
  return a.defined() && b.defined() && a.impl()->storage == b.impl()->storage;
}

// PyTorch's rule for an operand of an in-place op (assert_no_partial_overlap): it may be self
// itself (the same elements in the same order) or memory self does not touch. Two contiguous
// tensors whose element ranges overlap any other way are rejected: a kernel writing self would
// read values it has already overwritten. (Other strided overlaps are computed out of place.)
void check_no_partial_overlap(const Tensor& self, const Tensor& other, const char* op) {
  if (!shares_storage(self, other) || self.numel() == 0 || other.numel() == 0) return;
  if (!self.is_contiguous() || !other.is_contiguous()) return;
  const int64_t a0 = self.storage_offset(), a1 = a0 + self.numel();
  const int64_t b0 = other.storage_offset(), b1 = b0 + other.numel();
  const bool full = a0 == b0 && a1 == b1;
  KD_CHECK(full || a1 <= b0 || b1 <= a0, StateError, op,
           ": unsupported operation: some elements of the input tensor and the written-to tensor refer to a single "
           "memory location. Please clone() the tensor before performing the operation.");
}

using InplaceCompute = std::function<Tensor(const Tensor& self_value, const std::vector<Tensor>& others)>;

// compute(self_value, others) returns the new value of self, computed out of place.
Tensor& apply_inplace(Tensor& self, const char* op, const std::vector<Tensor>& others, const InplaceCompute& compute) {
  check_inplace(self, op);
  for (const Tensor& o : others) check_no_partial_overlap(self, o, op);
  std::vector<Tensor> inputs = others;
  inputs.push_back(self);
  // An operand sharing self's storage is read from a copy taken before the write. With
  // autograd this also keeps the new grad_fn from saving self (or a view of self's base),
  // which would be a reference cycle: self -> grad_fn -> saved operand -> self.
  std::vector<Tensor> operands = others;
  if (!any_requires_grad(inputs)) {
    NoGradGuard no_grad;
    for (Tensor& o : operands)
      if (shares_storage(self, o)) o = clone(o);
    Tensor result = compute(self, operands);
    check_result_type(self, result, op);
    copy_values(self, result);
    self.bump_version();
    return self;
  }
  for (Tensor& o : operands)
    if (shares_storage(self, o)) o = clone(o);  // differentiable: the gradient still reaches o
  Tensor old_value = clone(self);  // differentiable: keeps the path to self's old history
  Tensor result = compute(old_value, operands);
  check_result_type(self, result, op);
  if (!result.requires_grad()) {
    result = result.detach();
    set_history(make_node<NoGradientBackward>(), {old_value}, {&result});
  }
  {
    NoGradGuard no_grad;
    copy_values(self, result);
  }
  self.bump_version();
  rebase_history(self, result);
  return self;
}

// The fast path of `self (op)= other` for a contiguous float self and a float other of the
// same shape, with no history to record: straight into self's memory through the kernels. A
// strided other (a transposed weight gradient) is read from a contiguous copy, still one pass
// fewer than computing out of place and copying back.
bool try_direct_axpy(Tensor& self, const Tensor& other, double alpha, const char* op) {
  if (any_requires_grad({&self, &other}) || self.dtype() != DType::Float32 || other.dtype() != DType::Float32 ||
      !self.is_contiguous() || self.shape() != other.shape())
    return false;
  check_inplace(self, op);
  check_no_partial_overlap(self, other, op);
  const Tensor values = other.is_contiguous() && !shares_storage(self, other) ? other : clone(other);
  kernels().f32_axpy(self.numel(), static_cast<float>(alpha), values.data<float>(), self.data<float>());
  self.bump_version();
  return true;
}

// The fast path of fill_ (and zero_, the optimizers' zero_grad): a contiguous self with no
// history to record is filled where it lies.
template <typename T>
void fill_contiguous(Tensor& self, double value) {
  std::fill_n(self.data<T>(), self.numel(), static_cast<T>(value));
}
bool try_direct_fill(Tensor& self, double value) {
  if (any_requires_grad({&self}) || !self.is_contiguous()) return false;
  check_inplace(self, "fill_");
  switch (self.dtype()) {
    case DType::Float32: fill_contiguous<float>(self, value); break;
    case DType::Int64: fill_contiguous<int64_t>(self, value); break;
    case DType::Bool: fill_contiguous<bool>(self, value != 0); break;
  }
  self.bump_version();
  return true;
}

}  // namespace

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  if (try_direct_axpy(*this, other, alpha, "add_")) return *this;
  return apply_inplace(*this, "add_", {other}, [&](const Tensor& s, const std::vector<Tensor>& o) {
    return kd::add(s, o[0], alpha);
  });
}
Tensor& Tensor::add_(Scalar other) { return add_(wrapped_scalar(*this, other)); }
Tensor& Tensor::sub_(const Tensor& other, double alpha) {
  if (try_direct_axpy(*this, other, -alpha, "sub_")) return *this;
  return apply_inplace(*this, "sub_", {other}, [&](const Tensor& s, const std::vector<Tensor>& o) {
    return kd::sub(s, o[0], alpha);
  });
}
Tensor& Tensor::mul_(const Tensor& other) {
  return apply_inplace(*this, "mul_", {other},
                       [](const Tensor& s, const std::vector<Tensor>& o) { return kd::mul(s, o[0]); });
}
Tensor& Tensor::mul_(Scalar other) { return mul_(wrapped_scalar(*this, other)); }
Tensor& Tensor::div_(const Tensor& other) {
  return apply_inplace(*this, "div_", {other},
                       [](const Tensor& s, const std::vector<Tensor>& o) { return kd::div(s, o[0]); });
}
Tensor& Tensor::div_(Scalar other) { return div_(wrapped_scalar(*this, other)); }

Tensor& Tensor::fill_(double value) {
  if (try_direct_fill(*this, value)) return *this;
  return apply_inplace(*this, "fill_", {}, [&](const Tensor& s, const std::vector<Tensor>&) { return full(s.shape(), value, s.dtype()); });
}
Tensor& Tensor::zero_() { return fill_(0); }

Tensor& Tensor::copy_(const Tensor& src) {
  KD_CHECK(!same(src), ValueError, "copy_: source and destination are the same tensor");
  Shape target = broadcast_shapes(shape(), src.shape(), "copy_");
  KD_CHECK(target == shape(), ShapeError, "copy_: output with shape ", shape_str(shape()),
           " doesn't match the broadcast shape ", shape_str(target));
  // The gradient of copy_ goes to src only (summed over broadcast dims), none to the old self.
  return apply_inplace(*this, "copy_", {src}, [](const Tensor& s, const std::vector<Tensor>& o) {
    Tensor converted = o[0].dtype() == s.dtype() ? o[0] : kd::to_dtype(o[0], s.dtype());
    Tensor value = converted.shape() == s.shape() ? converted : converted.expand(s.shape());
    // A clone gives self a node of its own (CloneBackward passes the gradient through).
    return value.requires_grad() ? kd::clone(value) : value;
  });
}

Tensor& Tensor::clamp_(std::optional<double> lo, std::optional<double> hi) {
  return apply_inplace(*this, "clamp_", {}, [&](const Tensor& s, const std::vector<Tensor>&) { return kd::clamp(s, lo, hi); });
}

Tensor& Tensor::masked_fill_(const Tensor& mask, double value) {
  return apply_inplace(*this, "masked_fill_", {}, [&](const Tensor& s, const std::vector<Tensor>&) { return kd::masked_fill(s, mask, value); });
}

Tensor& Tensor::normal_(double mean, double std) {
  KD_CHECK(std >= 0, ValueError, "normal_ expects std >= 0.0, but found std ", std);
  return apply_inplace(*this, "normal_", {}, [&](const Tensor& s, const std::vector<Tensor>&) {
    return kd::randn(s.shape()).mul(std).add(mean).to(s.dtype());
  });
}

Tensor& Tensor::uniform_(double from, double to) {
  KD_CHECK(from <= to, ValueError, "uniform_ expects to return a [from, to) range, but found from=", from, " > to=", to);
  return apply_inplace(*this, "uniform_", {}, [&](const Tensor& s, const std::vector<Tensor>&) {
    return kd::rand(s.shape()).mul(to - from).add(from).to(s.dtype());
  });
}

}  // namespace kd
