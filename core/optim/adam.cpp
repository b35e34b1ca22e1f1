#include "optim/adam.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "ops/ops.h"

namespace kd {
namespace optim {

using detail::format_number;

namespace {

// Adam and AdamW share their options' checks and keys; only the name and defaults differ.
template <typename Options>
void validate_adam(const Options& o) {
  KD_CHECK(o.lr() >= 0, ValueError, "Invalid learning rate: ", format_number(o.lr()));
  KD_CHECK(o.eps() >= 0, ValueError, "Invalid epsilon value: ", format_number(o.eps()));
  KD_CHECK(o.betas().first >= 0 && o.betas().first < 1, ValueError, "Invalid beta parameter at index 0: ",
           format_number(o.betas().first));
  KD_CHECK(o.betas().second >= 0 && o.betas().second < 1, ValueError, "Invalid beta parameter at index 1: ",
           format_number(o.betas().second));
  KD_CHECK(o.weight_decay() >= 0, ValueError, "Invalid weight_decay value: ", format_number(o.weight_decay()));
}

Tensor& buffer(ParamState& st, const char* name, const Tensor& like) {
  auto it = st.buffers.find(name);
  if (it == st.buffers.end()) it = st.buffers.emplace(name, zeros(like.shape())).first;
  return it->second;
}

// One Adam/AdamW update of every parameter in a group. `decoupled` selects AdamW's weight decay.
template <typename Options>
void adam_group(ParamGroup& group, const Options& o, bool decoupled, const char* name,
                std::unordered_map<const TensorImpl*, ParamState>& state) {
  const double lr = o.lr();
  const float beta1 = static_cast<float>(o.betas().first);
  const float beta2 = static_cast<float>(o.betas().second);
  const float one_minus_beta1 = static_cast<float>(1 - o.betas().first);
  const float one_minus_beta2 = static_cast<float>(1 - o.betas().second);
  const float eps = static_cast<float>(o.eps());
  const float wd = static_cast<float>(o.weight_decay());
  const float decay = static_cast<float>(1 - lr * o.weight_decay());
  for (Tensor& p : group.params) {
    if (!p.impl()->grad) continue;
    float* w = detail::param_data(p, name);
    Tensor grad = p.grad().contiguous();
    const float* g = grad.data<float>();
    ParamState& st = state[p.impl()];
    Tensor& m_t = buffer(st, "exp_avg", p);
    Tensor& v_t = buffer(st, "exp_avg_sq", p);
    float* m = m_t.data<float>();
    float* v = v_t.data<float>();
    float* v_max = o.amsgrad() ? buffer(st, "max_exp_avg_sq", p).data<float>() : nullptr;
    const int64_t t = ++st.step;
    const double bias_correction1 = 1 - std::pow(o.betas().first, static_cast<double>(t));
    const double bias_correction2 = 1 - std::pow(o.betas().second, static_cast<double>(t));
    const float neg_step_size = static_cast<float>(-(lr / bias_correction1));
    const float bias_correction2_sqrt = static_cast<float>(std::sqrt(bias_correction2));
    const int64_t n = p.numel();
    for (int64_t i = 0; i < n; ++i) {
      float gi = o.maximize() ? -g[i] : g[i];
      if (decoupled) {
        w[i] *= decay;                       // p *= 1 - lr * weight_decay
      } else if (o.weight_decay() != 0) {
        gi = gi + wd * w[i];                 // g += weight_decay * p
      }
      m[i] = m[i] * beta1 + one_minus_beta1 * gi;        // m = beta1 m + (1 - beta1) g
      v[i] = v[i] * beta2 + one_minus_beta2 * (gi * gi);  // v = beta2 v + (1 - beta2) g^2
      float v_used = v[i];
      if (v_max) {
        if (std::isnan(v[i]) || v[i] > v_max[i]) v_max[i] = v[i];  // amsgrad: v_max = max(v_max, v)
        v_used = v_max[i];
      }
      const float denom = std::sqrt(v_used) / bias_correction2_sqrt + eps;
      w[i] += neg_step_size * (m[i] / denom);            // p -= lr / bc1 * m / denom
    }
    m_t.bump_version();
    v_t.bump_version();
    if (v_max) st.buffers["max_exp_avg_sq"].bump_version();
    p.bump_version();
  }
}

// Checked for every group before any update, so that a sparse gradient changes nothing.
void reject_sparse(const std::vector<ParamGroup>& groups, bool decoupled) {
  for (const ParamGroup& group : groups) {
    for (const Tensor& p : group.params) {
      if (!p.impl()->sparse_grad) continue;
      if (decoupled) throw StateError("AdamW does not support sparse gradients");
      throw StateError("Adam does not support sparse gradients, please consider SparseAdam instead");
    }
  }
}

}  // namespace

void AdamOptions::validate() const { validate_adam(*this); }

void AdamWOptions::validate() const { validate_adam(*this); }

Adam::Adam(std::vector<Tensor> params, const AdamOptions& defaults) : Adam(single_group(std::move(params)), defaults) {}
Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& defaults) : Optimizer(std::move(groups), defaults) {
  add_pending_groups();
}

void Adam::step() {
  reject_sparse(groups_, false);
  NoGradGuard no_grad;
  for (ParamGroup& group : groups_) adam_group(group, group.options_as<AdamOptions>(), false, "Adam", state_);
}

AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& defaults)
    : AdamW(single_group(std::move(params)), defaults) {}
AdamW::AdamW(std::vector<ParamGroup> groups, const AdamWOptions& defaults) : Optimizer(std::move(groups), defaults) {
  add_pending_groups();
}

void AdamW::step() {
  reject_sparse(groups_, true);
  NoGradGuard no_grad;
  for (ParamGroup& group : groups_) adam_group(group, group.options_as<AdamWOptions>(), true, "AdamW", state_);
}

}  // namespace optim
}  // namespace kd
