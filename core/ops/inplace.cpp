// In-place ops (the trailing underscore). Each one validates, then either writes straight into
// self (no history needed: the optimizer and init path) or, when autograd must record it,
// computes the result out of place from a clone of self and takes over its history
// (autograd/inplace.cpp). Every one bumps the version counter.
#include <functional>

#include "autograd/grad_mode.h"
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
  std::vector<Tensor> apply(std::vector<Tensor>&&) override { return {Tensor()}; }
  std::string name() const override { return "FillBackward"; }
};

void check_result_type(const Tensor& self, const Tensor& result, const char* op) {
  KD_CHECK(!(self.dtype() != DType::Float32 && result.dtype() == DType::Float32) &&
               !(self.dtype() == DType::Bool && result.dtype() == DType::Int64),
           TypeError, op, ": result type ", dtype_name(result.dtype()), " can't be cast to the desired output type ",
           dtype_name(self.dtype()));
  KD_CHECK(result.shape() == self.shape(), ShapeError, op, ": output with shape ", shape_str(self.shape()),
           " doesn't match the broadcast shape ", shape_str(result.shape()));
}

// compute(self_value) returns the new value of self, computed out of place.
Tensor& apply_inplace(Tensor& self, const char* op, const std::vector<Tensor>& others,
                      const std::function<Tensor(const Tensor&)>& compute) {
  check_inplace(self, op);
  std::vector<Tensor> inputs = others;
  inputs.push_back(self);
  if (!any_requires_grad(inputs)) {
    NoGradGuard no_grad;
    Tensor result = compute(self);
    check_result_type(self, result, op);
    copy_values(self, result);
    self.bump_version();
    return self;
  }
  Tensor old_value = clone(self);  // differentiable: keeps the path to self's old history
  Tensor result = compute(old_value);
  check_result_type(self, result, op);
  if (!result.requires_grad()) {
    result = result.detach();
    set_history(std::make_shared<NoGradientBackward>(), {old_value}, {&result});
  }
  {
    NoGradGuard no_grad;
    copy_values(self, result);
  }
  self.bump_version();
  rebase_history(self, result);
  return self;
}

// The fast path of `self (op)= other` for contiguous float tensors of one shape with no
// history to record: straight into self's memory through the kernels.
bool try_direct_axpy(Tensor& self, const Tensor& other, double alpha) {
  if (any_requires_grad({&self, &other}) || self.dtype() != DType::Float32 || other.dtype() != DType::Float32 ||
      !self.is_contiguous() || !other.is_contiguous() || self.shape() != other.shape())
    return false;
  check_inplace(self, "add_");
  kernels().f32_axpy(self.numel(), static_cast<float>(alpha), other.data<float>(), self.data<float>());
  self.bump_version();
  return true;
}

}  // namespace

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  if (try_direct_axpy(*this, other, alpha)) return *this;
  return apply_inplace(*this, "add_", {other}, [&](const Tensor& s) { return kd::add(s, other, alpha); });
}
Tensor& Tensor::add_(double other) { return add_(scalar_tensor(other)); }
Tensor& Tensor::sub_(const Tensor& other, double alpha) {
  if (try_direct_axpy(*this, other, -alpha)) return *this;
  return apply_inplace(*this, "sub_", {other}, [&](const Tensor& s) { return kd::sub(s, other, alpha); });
}
Tensor& Tensor::mul_(const Tensor& other) {
  return apply_inplace(*this, "mul_", {other}, [&](const Tensor& s) { return kd::mul(s, other); });
}
Tensor& Tensor::mul_(double other) { return mul_(scalar_tensor(other)); }
Tensor& Tensor::div_(const Tensor& other) {
  return apply_inplace(*this, "div_", {other}, [&](const Tensor& s) { return kd::div(s, other); });
}
Tensor& Tensor::div_(double other) { return div_(scalar_tensor(other)); }

Tensor& Tensor::fill_(double value) {
  return apply_inplace(*this, "fill_", {}, [&](const Tensor& s) { return full(s.shape(), value, s.dtype()); });
}
Tensor& Tensor::zero_() { return fill_(0); }

Tensor& Tensor::copy_(const Tensor& src) {
  KD_CHECK(!same(src), ValueError, "copy_: source and destination are the same tensor");
  Shape target = broadcast_shapes(shape(), src.shape(), "copy_");
  KD_CHECK(target == shape(), ShapeError, "copy_: output with shape ", shape_str(shape()),
           " doesn't match the broadcast shape ", shape_str(target));
  // The gradient of copy_ goes to src only (summed over broadcast dims), none to the old self.
  return apply_inplace(*this, "copy_", {src}, [&](const Tensor& s) {
    Tensor converted = src.dtype() == s.dtype() ? src : kd::to_dtype(src, s.dtype());
    Tensor value = converted.shape() == s.shape() ? converted : converted.expand(s.shape());
    // A clone gives self a node of its own (CloneBackward passes the gradient through).
    return value.requires_grad() ? kd::clone(value) : value;
  });
}

Tensor& Tensor::clamp_(std::optional<double> lo, std::optional<double> hi) {
  return apply_inplace(*this, "clamp_", {}, [&](const Tensor& s) { return kd::clamp(s, lo, hi); });
}

Tensor& Tensor::masked_fill_(const Tensor& mask, double value) {
  return apply_inplace(*this, "masked_fill_", {}, [&](const Tensor& s) { return kd::masked_fill(s, mask, value); });
}

Tensor& Tensor::normal_(double mean, double std) {
  KD_CHECK(std >= 0, ValueError, "normal_ expects std >= 0.0, but found std ", std);
  return apply_inplace(*this, "normal_", {}, [&](const Tensor& s) {
    return kd::randn(s.shape()).mul(std).add(mean).to(s.dtype());
  });
}

Tensor& Tensor::uniform_(double from, double to) {
  KD_CHECK(from <= to, ValueError, "uniform_ expects to return a [from, to) range, but found from=", from, " > to=", to);
  return apply_inplace(*this, "uniform_", {}, [&](const Tensor& s) {
    return kd::rand(s.shape()).mul(to - from).add(from).to(s.dtype());
  });
}

}  // namespace kd
