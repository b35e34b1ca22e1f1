// Adagrad (torch.optim.Adagrad, PyTorch 1.13).
#pragma once

#include "optim/optimizer.h"

namespace kd {
namespace optim {

struct AdagradOptions : OptionsFor<AdagradOptions> {
  explicit AdagradOptions(double lr = 1e-2) : lr_(lr) {}
  KD_OPTION(AdagradOptions, double, lr);                             // default 1e-2
  KD_OPTION(AdagradOptions, double, lr_decay) = 0;                   // default 0
  KD_OPTION(AdagradOptions, double, weight_decay) = 0;               // L2 penalty, default 0
  KD_OPTION(AdagradOptions, double, initial_accumulator_value) = 0;  // default 0
  KD_OPTION(AdagradOptions, double, eps) = 1e-10;                    // default 1e-10
  KD_OPTION(AdagradOptions, bool, maximize) = false;                 // default false

 public:
  const char* optimizer_name() const override { return "Adagrad"; }
  void validate() const override;
  // The fields in PyTorch's param_groups key order (to_json and from_json come from this).
  template <typename Visitor>
  void fields(Visitor& v) {
    v.number("lr", lr_);
    v.number("lr_decay", lr_decay_);
    v.number("eps", eps_);
    v.number("weight_decay", weight_decay_);
    v.number("initial_accumulator_value", initial_accumulator_value_);
    v.boolean("maximize", maximize_);
  }
};

// State is created when a parameter joins the optimizer (as PyTorch does in __init__):
// step = 0, sum = initial_accumulator_value. Then for each parameter with a gradient g:
//   t += 1;  g = -g if maximize;  g += weight_decay * p
//   clr = lr / (1 + (t - 1) * lr_decay)
//   sum += g * g;  p -= clr * g / (sqrt(sum) + eps)
// Sparse gradients (coalesced first) update `sum` and `p` on the rows used only;
// weight_decay with a sparse gradient is rejected with PyTorch's message.
class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<Tensor> params, const AdagradOptions& defaults = AdagradOptions());
  Adagrad(std::vector<ParamGroup> groups, const AdagradOptions& defaults = AdagradOptions());
  void step() override;

 protected:
  void init_state(const Tensor& param, const OptimizerOptions& options) override;
  std::vector<std::string> state_buffer_names() const override { return {"sum"}; }
};

}  // namespace optim
}  // namespace kd
