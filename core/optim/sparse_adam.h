// SparseAdam (torch.optim.SparseAdam, PyTorch 1.13): lazy Adam for row-sparse gradients.
#pragma once

#include "optim/adam.h"

namespace kd {
namespace optim {

struct SparseAdamOptions : OptionsFor<SparseAdamOptions, CycleMomentum::Beta1> {
  explicit SparseAdamOptions(double lr = 1e-3) : lr_(lr) {}
  KD_OPTION(SparseAdamOptions, double, lr);                       // default 1e-3 (must be > 0)
  KD_OPTION(SparseAdamOptions, Betas, betas) = {0.9, 0.999};      // default (0.9, 0.999)
  KD_OPTION(SparseAdamOptions, double, eps) = 1e-8;               // default 1e-8 (must be > 0)
  KD_OPTION(SparseAdamOptions, bool, maximize) = false;           // default false

 public:
  const char* optimizer_name() const override { return "SparseAdam"; }
  void validate() const override;
  // The fields in PyTorch's param_groups key order (to_json and from_json come from this).
  template <typename Visitor>
  void fields(Visitor& v) {
    v.number("lr", lr_);
    v.number_pair("betas", betas_);
    v.number("eps", eps_);
    v.boolean("maximize", maximize_);
  }
};

// Only sparse gradients are accepted (dense ones raise PyTorch's message). For each parameter
// with a sparse gradient g (coalesced first), at its step t, on the rows r that g holds only:
//   m[r] += (1 - beta1) * (g - m[r]);  v[r] += (1 - beta2) * (g^2 - v[r])
//   p[r] -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m[r] / (sqrt(v[r]) + eps)
// Moments of rows a batch did not use are neither decayed nor read (lazy), as in PyTorch.
class SparseAdam : public Optimizer {
 public:
  SparseAdam(std::vector<Tensor> params, const SparseAdamOptions& defaults = SparseAdamOptions());
  SparseAdam(std::vector<ParamGroup> groups, const SparseAdamOptions& defaults = SparseAdamOptions());
  void step() override;

 protected:
  std::vector<std::string> state_buffer_names() const override { return {"exp_avg", "exp_avg_sq"}; }
};

}  // namespace optim
}  // namespace kd
