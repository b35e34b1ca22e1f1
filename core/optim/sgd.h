// Stochastic gradient descent, optionally with momentum (torch.optim.SGD, PyTorch 1.13).
#pragma once

#include "optim/optimizer.h"

namespace kd {
namespace optim {

struct SGDOptions : OptionsFor<SGDOptions, CycleMomentum::Momentum> {
  // lr has no default in PyTorch (it is `required`), so it is the constructor's argument.
  explicit SGDOptions(double lr) : lr_(lr) {}
  KD_OPTION(SGDOptions, double, lr);
  KD_OPTION(SGDOptions, double, momentum) = 0;      // momentum factor (default 0)
  KD_OPTION(SGDOptions, double, dampening) = 0;     // dampening for momentum (default 0)
  KD_OPTION(SGDOptions, double, weight_decay) = 0;  // L2 penalty (default 0)
  KD_OPTION(SGDOptions, bool, nesterov) = false;    // Nesterov momentum (default false)
  KD_OPTION(SGDOptions, bool, maximize) = false;    // maximize the objective (default false)

 public:
  const char* optimizer_name() const override { return "SGD"; }
  void validate() const override;
  // The fields in PyTorch's param_groups key order (to_json and from_json come from this).
  template <typename Visitor>
  void fields(Visitor& v) {
    v.number("lr", lr_);
    v.number("momentum", momentum_);
    v.number("dampening", dampening_);
    v.number("weight_decay", weight_decay_);
    v.boolean("nesterov", nesterov_);
    v.boolean("maximize", maximize_);
  }
};

// For each parameter with a gradient g (PyTorch's formula, in this order):
//   g = -g if maximize;  g += weight_decay * p
//   if momentum != 0:  b = g on the first step, else b = momentum * b + (1 - dampening) * g
//                      g = g + momentum * b if nesterov, else b
//   p -= lr * g
// Sparse gradients (embeddings): rows only. weight_decay is rejected with PyTorch's message.
// With momentum PyTorch keeps a sparse momentum buffer that grows to every row ever used;
// Kindling keeps it dense, which has the same values (rows never used stay 0 and their
// parameters unchanged).
class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& defaults);
  SGD(std::vector<ParamGroup> groups, const SGDOptions& defaults);
  void step() override;

 protected:
  std::vector<std::string> state_buffer_names() const override { return {"momentum_buffer"}; }
};

}  // namespace optim
}  // namespace kd
