#include "optim/sgd.h"

#include "autograd/grad_mode.h"
#include "kernels/prefetch.h"
#include "ops/ops.h"
#include "tensor/sparse.h"

namespace kd {
namespace optim {

using detail::format_number;

void SGDOptions::validate() const {
  KD_CHECK(lr_ >= 0, ValueError, "Invalid learning rate: ", format_number(lr_));
  KD_CHECK(momentum_ >= 0, ValueError, "Invalid momentum value: ", format_number(momentum_));
  KD_CHECK(weight_decay_ >= 0, ValueError, "Invalid weight_decay value: ", format_number(weight_decay_));
  KD_CHECK(!nesterov_ || (momentum_ > 0 && dampening_ == 0), ValueError,
           "Nesterov momentum requires a momentum and zero dampening");
}

SGD::SGD(std::vector<Tensor> params, const SGDOptions& defaults)
    : SGD(single_group(std::move(params)), defaults) {}

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& defaults) : Optimizer(std::move(groups), defaults) {
  add_pending_groups();
}

void SGD::step() {
  // Checked for every parameter before any update, so that a rejected gradient changes nothing.
  for (const ParamGroup& group : groups_) {
    for (const Tensor& p : group.params) {
      const TensorImpl* impl = p.impl();
      KD_CHECK(!(impl->grad && impl->sparse_grad), StateError, "SGD: a parameter has both a dense and a sparse gradient");
      // PyTorch: `d_p.add(param, alpha=weight_decay)` with a sparse d_p.
      KD_CHECK(!(impl->sparse_grad && group.options_as<SGDOptions>().weight_decay() != 0), StateError,
               "add(sparse, dense) is not supported. Use add(dense, sparse) instead. (SGD weight_decay with sparse "
               "gradients)");
    }
  }
  NoGradGuard no_grad;
  for (ParamGroup& group : groups_) {
    const SGDOptions& o = group.options_as<SGDOptions>();
    const float momentum = static_cast<float>(o.momentum());
    const float damp = static_cast<float>(1 - o.dampening());
    const float wd = static_cast<float>(o.weight_decay());
    const float neg_lr = static_cast<float>(-o.lr());
    for (Tensor& p : group.params) {
      if (!detail::has_gradient(p)) continue;
      TensorImpl* impl = p.impl();
      float* w = detail::param_data(p, "SGD");
      ParamState& st = state_for(p);
      const int64_t n = p.numel();

      if (impl->sparse_grad) {
        SparseGrad g = impl->sparse_grad->coalesce();
        const int64_t rows = g.indices.numel();
        const int64_t row_size = rows == 0 ? 0 : g.values.numel() / rows;
        const int64_t* idx = g.indices.data<int64_t>();
        Tensor values = g.values.contiguous();
        const float* gv = values.data<float>();
        const float sign = o.maximize() ? -1.0f : 1.0f;
        if (o.momentum() == 0) {
          // p[row] -= lr * g[row], rows used by the batch only, touched a group at a time.
          for_rows_prefetched(
              rows, [&](int64_t r) { prefetch_row(w + idx[r] * row_size, row_size); },
              [&](int64_t r) {
                float* wr = w + idx[r] * row_size;
                const float* gr = gv + r * row_size;
                for (int64_t j = 0; j < row_size; ++j) wr[j] += neg_lr * (sign * gr[j]);
              });
        } else {
          // The dense equivalent of PyTorch's sparse momentum buffer (see sgd.h).
          Tensor dense = zeros(p.shape());
          float* d = dense.data<float>();
          for (int64_t r = 0; r < rows; ++r) {
            for (int64_t j = 0; j < row_size; ++j) d[idx[r] * row_size + j] += sign * gv[r * row_size + j];
          }
          auto it = st.buffers.find("momentum_buffer");
          float* b;
          if (it == st.buffers.end()) {
            st.buffers["momentum_buffer"] = dense.clone();
            b = st.buffers["momentum_buffer"].data<float>();
          } else {
            b = it->second.data<float>();
            for (int64_t i = 0; i < n; ++i) b[i] = b[i] * momentum + damp * d[i];
            it->second.bump_version();
          }
          for (int64_t i = 0; i < n; ++i) {
            const float step = o.nesterov() ? d[i] + momentum * b[i] : b[i];
            w[i] += neg_lr * step;
          }
        }
        st.step++;
        p.bump_version();
        continue;
      }

      Tensor grad = Tensor(impl->grad).contiguous();
      const float* g = grad.data<float>();
      // d_p = (maximize ? -g : g) + weight_decay * p, element by element: no temporary.
      const bool decay = o.weight_decay() != 0;
      auto d_p = [&](int64_t i) {
        const float gi = o.maximize() ? -g[i] : g[i];
        return decay ? gi + wd * w[i] : gi;
      };
      if (o.momentum() == 0) {
        for (int64_t i = 0; i < n; ++i) w[i] += neg_lr * d_p(i);  // p -= lr * d_p
      } else {
        auto it = st.buffers.find("momentum_buffer");
        const bool first = it == st.buffers.end();
        if (first) it = st.buffers.emplace("momentum_buffer", empty(p.shape())).first;
        float* b = it->second.data<float>();
        for (int64_t i = 0; i < n; ++i) {
          const float d = d_p(i);
          // First step: the buffer is a copy of d_p (no dampening), as in PyTorch.
          b[i] = first ? d : b[i] * momentum + damp * d;
          w[i] += neg_lr * (o.nesterov() ? d + momentum * b[i] : b[i]);
        }
        if (!first) it->second.bump_version();
      }
      st.step++;
      p.bump_version();
    }
  }
}

}  // namespace optim
}  // namespace kd
