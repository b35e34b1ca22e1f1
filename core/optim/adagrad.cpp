#include "optim/adagrad.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "kernels/prefetch.h"
#include "ops/ops.h"
#include "tensor/sparse.h"

namespace kd {
namespace optim {

using detail::format_number;

void AdagradOptions::validate() const {
  KD_CHECK(lr_ >= 0, ValueError, "Invalid learning rate: ", format_number(lr_));
  KD_CHECK(lr_decay_ >= 0, ValueError, "Invalid lr_decay value: ", format_number(lr_decay_));
  KD_CHECK(weight_decay_ >= 0, ValueError, "Invalid weight_decay value: ", format_number(weight_decay_));
  KD_CHECK(initial_accumulator_value_ >= 0, ValueError, "Invalid initial_accumulator_value value: ",
           format_number(initial_accumulator_value_));
  KD_CHECK(eps_ >= 0, ValueError, "Invalid epsilon value: ", format_number(eps_));
}

Adagrad::Adagrad(std::vector<Tensor> params, const AdagradOptions& defaults)
    : Adagrad(single_group(std::move(params)), defaults) {}
Adagrad::Adagrad(std::vector<ParamGroup> groups, const AdagradOptions& defaults)
    : Optimizer(std::move(groups), defaults) {
  add_pending_groups();
}

void Adagrad::init_state(const Tensor& param, const OptimizerOptions& options) {
  const auto& o = static_cast<const AdagradOptions&>(options);
  ParamState& st = state_for(param);
  st.step = 0;
  st.buffers["sum"] = full(param.shape(), o.initial_accumulator_value());
}

void Adagrad::step() {
  // Checked before any update, so that a rejected gradient changes nothing.
  for (const ParamGroup& group : groups_) {
    for (const Tensor& p : group.params) {
      KD_CHECK(!(p.impl()->sparse_grad && group.options_as<AdagradOptions>().weight_decay() != 0), StateError,
               "weight_decay option is not compatible with sparse gradients");
      KD_CHECK(!(p.impl()->sparse_grad && p.impl()->grad), StateError,
               "Adagrad: a parameter has both a dense and a sparse gradient");
    }
  }
  NoGradGuard no_grad;
  for (ParamGroup& group : groups_) {
    const AdagradOptions& o = group.options_as<AdagradOptions>();
    const float wd = static_cast<float>(o.weight_decay());
    const float eps = static_cast<float>(o.eps());
    for (Tensor& p : group.params) {
      if (!detail::has_gradient(p)) continue;
      float* w = detail::param_data(p, "Adagrad");
      ParamState& st = state_for(p);
      auto it = st.buffers.find("sum");
      if (it == st.buffers.end()) it = st.buffers.emplace("sum", full(p.shape(), o.initial_accumulator_value())).first;
      float* sum = it->second.data<float>();
      const int64_t t = ++st.step;
      const float neg_clr = static_cast<float>(-(o.lr() / (1 + static_cast<double>(t - 1) * o.lr_decay())));
      const float sign = o.maximize() ? -1.0f : 1.0f;

      if (p.impl()->sparse_grad) {
        // The update is not linear in g, so repeated rows are summed first (coalesce).
        SparseGrad g = p.impl()->sparse_grad->coalesce();
        const int64_t rows = g.indices.numel();
        const int64_t row_size = rows == 0 ? 0 : g.values.numel() / rows;
        const int64_t* idx = g.indices.data<int64_t>();
        Tensor values = g.values.contiguous();
        const float* gv = values.data<float>();
        // Rows touched a group at a time in both tables, so that their misses overlap.
        const auto touch = [&](int64_t r) {
          prefetch_row(w + idx[r] * row_size, row_size);
          prefetch_row(sum + idx[r] * row_size, row_size);
        };
        const auto update = [&](int64_t r) {
          for (int64_t j = 0; j < row_size; ++j) {
            const int64_t i = idx[r] * row_size + j;
            const float gi = sign * gv[r * row_size + j];
            sum[i] += gi * gi;                                // sum[row] += g^2
            const float std_i = std::sqrt(sum[i]) + eps;
            w[i] += neg_clr * (gi / std_i);                   // p[row] -= clr * g / (sqrt(sum) + eps)
          }
        };
        for_rows_prefetched(rows, touch, update);
      } else {
        Tensor grad = p.grad().contiguous();
        const float* gd = grad.data<float>();
        const int64_t n = p.numel();
        for (int64_t i = 0; i < n; ++i) {
          float gi = sign * gd[i];
          if (o.weight_decay() != 0) gi = gi + wd * w[i];   // g += weight_decay * p
          sum[i] += gi * gi;                                // sum += g^2
          const float std_i = std::sqrt(sum[i]) + eps;
          w[i] += neg_clr * (gi / std_i);                   // p -= clr * g / (sqrt(sum) + eps)
        }
      }
      it->second.bump_version();
      p.bump_version();
    }
  }
}

}  // namespace optim
}  // namespace kd
