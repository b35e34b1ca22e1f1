#include "optim/rmsprop.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "ops/ops.h"

namespace kd {
namespace optim {

using detail::format_number;

void RMSpropOptions::validate() const {
  KD_CHECK(lr_ >= 0, ValueError, "Invalid learning rate: ", format_number(lr_));
  KD_CHECK(eps_ >= 0, ValueError, "Invalid epsilon value: ", format_number(eps_));
  KD_CHECK(momentum_ >= 0, ValueError, "Invalid momentum value: ", format_number(momentum_));
  KD_CHECK(weight_decay_ >= 0, ValueError, "Invalid weight_decay value: ", format_number(weight_decay_));
  KD_CHECK(alpha_ >= 0, ValueError, "Invalid alpha value: ", format_number(alpha_));
}

RMSprop::RMSprop(std::vector<Tensor> params, const RMSpropOptions& defaults)
    : RMSprop(single_group(std::move(params)), defaults) {}
RMSprop::RMSprop(std::vector<ParamGroup> groups, const RMSpropOptions& defaults)
    : Optimizer(std::move(groups), defaults) {
  add_pending_groups();
}

namespace {
Tensor& buffer(ParamState& st, const char* name, const Tensor& like) {
  auto it = st.buffers.find(name);
  if (it == st.buffers.end()) it = st.buffers.emplace(name, zeros(like.shape())).first;
  return it->second;
}
}  // namespace

void RMSprop::step() {
  for (const ParamGroup& group : groups_) {
    for (const Tensor& p : group.params) {
      KD_CHECK(!p.impl()->sparse_grad, StateError, "RMSprop does not support sparse gradients");
    }
  }
  NoGradGuard no_grad;
  for (ParamGroup& group : groups_) {
    const RMSpropOptions& o = group.options_as<RMSpropOptions>();
    const float alpha = static_cast<float>(o.alpha());
    const float one_minus_alpha = static_cast<float>(1 - o.alpha());
    const float eps = static_cast<float>(o.eps());
    const float wd = static_cast<float>(o.weight_decay());
    const float momentum = static_cast<float>(o.momentum());
    const float neg_lr = static_cast<float>(-o.lr());
    for (Tensor& p : group.params) {
      if (!p.impl()->grad) continue;
      float* w = detail::param_data(p, "RMSprop");
      Tensor grad = p.grad().contiguous();
      const float* g = grad.data<float>();
      ParamState& st = state_for(p);
      st.step++;
      Tensor& v_t = buffer(st, "square_avg", p);
      float* v = v_t.data<float>();
      float* a = o.centered() ? buffer(st, "grad_avg", p).data<float>() : nullptr;
      float* b = o.momentum() > 0 ? buffer(st, "momentum_buffer", p).data<float>() : nullptr;
      const int64_t n = p.numel();
      for (int64_t i = 0; i < n; ++i) {
        float gi = o.maximize() ? -g[i] : g[i];
        if (o.weight_decay() != 0) gi = gi + wd * w[i];         // g += weight_decay * p
        v[i] = v[i] * alpha + one_minus_alpha * (gi * gi);      // v = alpha v + (1 - alpha) g^2
        float avg;
        if (a) {
          a[i] = a[i] * alpha + one_minus_alpha * gi;           // a = alpha a + (1 - alpha) g
          avg = std::sqrt(v[i] + -1.0f * (a[i] * a[i])) + eps;  // sqrt(v - a^2) + eps
        } else {
          avg = std::sqrt(v[i]) + eps;
        }
        if (b) {
          b[i] = b[i] * momentum + gi / avg;                    // b = momentum b + g / avg
          w[i] += neg_lr * b[i];                                // p -= lr b
        } else {
          w[i] += neg_lr * (gi / avg);                          // p -= lr g / avg
        }
      }
      for (auto& kv : st.buffers) kv.second.bump_version();
      p.bump_version();
    }
  }
}

}  // namespace optim
}  // namespace kd
