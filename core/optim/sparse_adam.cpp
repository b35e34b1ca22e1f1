#include "optim/sparse_adam.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "kernels/prefetch.h"
#include "ops/ops.h"
#include "tensor/sparse.h"

namespace kd {
namespace optim {

using detail::format_number;

void SparseAdamOptions::validate() const {
  KD_CHECK(lr_ > 0, ValueError, "Invalid learning rate: ", format_number(lr_));
  KD_CHECK(eps_ > 0, ValueError, "Invalid epsilon value: ", format_number(eps_));
  KD_CHECK(betas_.first >= 0 && betas_.first < 1, ValueError, "Invalid beta parameter at index 0: ",
           format_number(betas_.first));
  KD_CHECK(betas_.second >= 0 && betas_.second < 1, ValueError, "Invalid beta parameter at index 1: ",
           format_number(betas_.second));
}

SparseAdam::SparseAdam(std::vector<Tensor> params, const SparseAdamOptions& defaults)
    : SparseAdam(single_group(std::move(params)), defaults) {}
SparseAdam::SparseAdam(std::vector<ParamGroup> groups, const SparseAdamOptions& defaults)
    : Optimizer(std::move(groups), defaults) {
  add_pending_groups();
}

void SparseAdam::step() {
  for (const ParamGroup& group : groups_) {
    for (const Tensor& p : group.params) {
      KD_CHECK(!p.impl()->grad, StateError, "SparseAdam does not support dense gradients, please consider Adam instead");
    }
  }
  NoGradGuard no_grad;
  for (ParamGroup& group : groups_) {
    const SparseAdamOptions& o = group.options_as<SparseAdamOptions>();
    const float one_minus_beta1 = static_cast<float>(1 - o.betas().first);
    const float one_minus_beta2 = static_cast<float>(1 - o.betas().second);
    const float eps = static_cast<float>(o.eps());
    for (Tensor& p : group.params) {
      if (!p.impl()->sparse_grad) continue;
      float* w = detail::param_data(p, "SparseAdam");
      ParamState& st = state_for(p);
      for (const char* name : {"exp_avg", "exp_avg_sq"}) {
        if (!st.buffers.count(name)) st.buffers[name] = zeros(p.shape());
      }
      float* m = st.buffers["exp_avg"].data<float>();
      float* v = st.buffers["exp_avg_sq"].data<float>();
      const int64_t t = ++st.step;
      const double bias_correction1 = 1 - std::pow(o.betas().first, static_cast<double>(t));
      const double bias_correction2 = 1 - std::pow(o.betas().second, static_cast<double>(t));
      const float neg_step_size = static_cast<float>(-(o.lr() * std::sqrt(bias_correction2) / bias_correction1));

      SparseGrad g = p.impl()->sparse_grad->coalesce();  // the update is not linear in g
      const int64_t rows = g.indices.numel();
      const int64_t row_size = rows == 0 ? 0 : g.values.numel() / rows;
      const int64_t* idx = g.indices.data<int64_t>();
      Tensor values = g.values.contiguous();
      const float* gv = values.data<float>();
      const float sign = o.maximize() ? -1.0f : 1.0f;
      // One pass per row, reading its gradient and updating weight and both moments together;
      // a group of rows is touched in the three tables first so that their misses overlap (at
      // V = 1M each row misses the TLB and the L2 in each table).
      const auto touch = [&](int64_t r) {
        const int64_t at = idx[r] * row_size;
        prefetch_row(w + at, row_size);
        prefetch_row(m + at, row_size);
        prefetch_row(v + at, row_size);
      };
      const auto update = [&](int64_t r) {
        const float* __restrict g_row = gv + r * row_size;
        float* __restrict w_row = w + idx[r] * row_size;
        float* __restrict m_row = m + idx[r] * row_size;
        float* __restrict v_row = v + idx[r] * row_size;
        for (int64_t j = 0; j < row_size; ++j) {
          const float gi = sign * g_row[j];
          const float m_update = (gi - m_row[j]) * one_minus_beta1;       // (1 - beta1) (g - m)
          const float v_update = (gi * gi - v_row[j]) * one_minus_beta2;  // (1 - beta2) (g^2 - v)
          const float numer = m_update + m_row[j];
          const float denom = std::sqrt(v_update + v_row[j]) + eps;
          m_row[j] += m_update;
          v_row[j] += v_update;
          w_row[j] += neg_step_size * (numer / denom);  // p -= step_size * m / (sqrt(v) + eps)
        }
      };
      for_rows_prefetched(rows, touch, update);
      st.buffers["exp_avg"].bump_version();
      st.buffers["exp_avg_sq"].bump_version();
      p.bump_version();
    }
  }
}

}  // namespace optim
}  // namespace kd
