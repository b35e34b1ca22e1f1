// RMSprop (torch.optim.RMSprop, PyTorch 1.13).
#pragma once

#include "optim/optimizer.h"

namespace kd {
namespace optim {

struct RMSpropOptions : OptionsFor<RMSpropOptions, CycleMomentum::Momentum> {
  explicit RMSpropOptions(double lr = 1e-2) : lr_(lr) {}
  KD_OPTION(RMSpropOptions, double, lr);                // default 1e-2
  KD_OPTION(RMSpropOptions, double, alpha) = 0.99;      // smoothing constant, default 0.99
  KD_OPTION(RMSpropOptions, double, eps) = 1e-8;        // default 1e-8
  KD_OPTION(RMSpropOptions, double, weight_decay) = 0;  // L2 penalty, default 0
  KD_OPTION(RMSpropOptions, double, momentum) = 0;      // default 0
  KD_OPTION(RMSpropOptions, bool, centered) = false;    // default false
  KD_OPTION(RMSpropOptions, bool, maximize) = false;    // default false

 public:
  const char* optimizer_name() const override { return "RMSprop"; }
  void validate() const override;
  // The fields in PyTorch's param_groups key order (to_json and from_json come from this).
  template <typename Visitor>
  void fields(Visitor& v) {
    v.number("lr", lr_);
    v.number("momentum", momentum_);
    v.number("alpha", alpha_);
    v.number("eps", eps_);
    v.boolean("centered", centered_);
    v.number("weight_decay", weight_decay_);
    v.boolean("maximize", maximize_);
  }
};

// For each parameter with a gradient g (PyTorch's formula, in this order):
//   g = -g if maximize;  g += weight_decay * p
//   v = alpha * v + (1 - alpha) * g * g                    ("square_avg")
//   centered: a = alpha * a + (1 - alpha) * g ("grad_avg"); avg = sqrt(v - a * a) + eps
//   else:     avg = sqrt(v) + eps
//   momentum > 0: b = momentum * b + g / avg; p -= lr * b
//   else:         p -= lr * g / avg
// Sparse gradients are rejected, as in PyTorch.
class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<Tensor> params, const RMSpropOptions& defaults = RMSpropOptions());
  RMSprop(std::vector<ParamGroup> groups, const RMSpropOptions& defaults = RMSpropOptions());
  void step() override;

 protected:
  std::vector<std::string> state_buffer_names() const override {
    return {"square_avg", "momentum_buffer", "grad_avg"};
  }
};

}  // namespace optim
}  // namespace kd
