// Adam and AdamW (torch.optim.Adam / torch.optim.AdamW, PyTorch 1.13).
#pragma once

#include <utility>

#include "optim/optimizer.h"

namespace kd {
namespace optim {

using Betas = std::pair<double, double>;

struct AdamOptions : OptionsFor<AdamOptions, CycleMomentum::Beta1> {
  explicit AdamOptions(double lr = 1e-3) : lr_(lr) {}
  KD_OPTION(AdamOptions, double, lr);                                   // default 1e-3
  KD_OPTION(AdamOptions, Betas, betas) = {0.9, 0.999};  // default (0.9, 0.999)
  KD_OPTION(AdamOptions, double, eps) = 1e-8;                           // default 1e-8
  KD_OPTION(AdamOptions, double, weight_decay) = 0;                     // L2 penalty, default 0
  KD_OPTION(AdamOptions, bool, amsgrad) = false;                        // default false
  KD_OPTION(AdamOptions, bool, maximize) = false;                       // default false

 public:
  const char* optimizer_name() const override { return "Adam"; }
  void validate() const override;
  // The fields in PyTorch's param_groups key order (to_json and from_json come from this).
  template <typename Visitor>
  void fields(Visitor& v) {
    v.number("lr", lr_);
    v.number_pair("betas", betas_);
    v.number("eps", eps_);
    v.number("weight_decay", weight_decay_);
    v.boolean("amsgrad", amsgrad_);
    v.boolean("maximize", maximize_);
  }
};

struct AdamWOptions : OptionsFor<AdamWOptions, CycleMomentum::Beta1> {
  explicit AdamWOptions(double lr = 1e-3) : lr_(lr) {}
  KD_OPTION(AdamWOptions, double, lr);                                   // default 1e-3
  KD_OPTION(AdamWOptions, Betas, betas) = {0.9, 0.999};  // default (0.9, 0.999)
  KD_OPTION(AdamWOptions, double, eps) = 1e-8;                           // default 1e-8
  KD_OPTION(AdamWOptions, double, weight_decay) = 1e-2;                  // decoupled, default 1e-2
  KD_OPTION(AdamWOptions, bool, amsgrad) = false;                        // default false
  KD_OPTION(AdamWOptions, bool, maximize) = false;                       // default false

 public:
  const char* optimizer_name() const override { return "AdamW"; }
  void validate() const override;
  // The fields in PyTorch's param_groups key order (to_json and from_json come from this).
  template <typename Visitor>
  void fields(Visitor& v) {
    v.number("lr", lr_);
    v.number_pair("betas", betas_);
    v.number("eps", eps_);
    v.number("weight_decay", weight_decay_);
    v.boolean("amsgrad", amsgrad_);
    v.boolean("maximize", maximize_);
  }
};

// For each parameter with a gradient g, at step t (PyTorch's formula, in this order):
//   g = -g if maximize
//   Adam:  g += weight_decay * p            AdamW:  p *= 1 - lr * weight_decay
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   v_max = max(v_max, v) if amsgrad (and v_max replaces v below)
//   denom = sqrt(v) / sqrt(1 - beta2^t) + eps
//   p -= lr / (1 - beta1^t) * m / denom
// Sparse gradients are rejected (use SparseAdam), as in PyTorch.
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, const AdamOptions& defaults = AdamOptions());
  Adam(std::vector<ParamGroup> groups, const AdamOptions& defaults = AdamOptions());
  void step() override;

 protected:
  std::vector<std::string> state_buffer_names() const override { return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}; }
};

class AdamW : public Optimizer {
 public:
  AdamW(std::vector<Tensor> params, const AdamWOptions& defaults = AdamWOptions());
  AdamW(std::vector<ParamGroup> groups, const AdamWOptions& defaults = AdamWOptions());
  void step() override;

 protected:
  std::vector<std::string> state_buffer_names() const override { return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}; }
};

}  // namespace optim
}  // namespace kd
