// The Tensor methods that are ops (declared in tensor/tensor.h, whose layer sits below the
// ops): the forwarding bodies made from the op table, and the arithmetic operators.
#include "autograd/grad_mode.h"
#include "autograd/rule.h"
#include "ops/ops.h"
#include "ops/pointwise.h"

namespace kd {

// The methods made from the op table, forwarding to the free functions of core/ops.
#include "ops/tensor_methods_impl.inc"

// The operators, as PyTorch's.
Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& a) { return neg(a); }
Tensor operator+(const Tensor& a, Scalar b) { return a.add(b); }
Tensor operator-(const Tensor& a, Scalar b) { return a.sub(b); }
Tensor operator*(const Tensor& a, Scalar b) { return a.mul(b); }
Tensor operator/(const Tensor& a, Scalar b) { return a.div(b); }
Tensor operator+(Scalar a, const Tensor& b) { return b.add(a); }
Tensor operator-(Scalar a, const Tensor& b) {
  check_subtraction_operands(wrapped_scalar(b, a), b);
  Tensor out;
  {
    NoGradGuard no_grad;
    out = neg(b).add(a);
  }
  // One node, named as PyTorch's for `scalar - tensor`.
  record_rule("RsubBackward1", [](const RuleBackward&, const Tensor& g, const TensorList&) {
    return TensorList{neg(g)};
  }, {b}, out, {});
  return out;
}
Tensor operator*(Scalar a, const Tensor& b) { return b.mul(a); }
Tensor operator/(Scalar a, const Tensor& b) { return div(wrapped_scalar(b, a), b); }

}  // namespace kd
