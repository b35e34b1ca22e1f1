#include "optim/clip_grad.h"

#include <cmath>
#include <memory>

#include "autograd/grad_mode.h"
#include "ops/ops.h"
#include "optim/optimizer.h"
#include "tensor/sparse.h"

namespace kd {
namespace optim {

namespace {

// The p-norm of n floats, accumulated in double and rounded to float once (as a float32
// reduction that accumulates in higher precision would).
float vector_norm(const float* x, int64_t n, double p) {
  if (std::isinf(p)) {
    float best = p > 0 ? 0.0f : INFINITY;
    if (n == 0) return p > 0 ? 0.0f : INFINITY;
    for (int64_t i = 0; i < n; ++i) {
      const float a = std::fabs(x[i]);
      if (std::isnan(a)) return NAN;
      best = p > 0 ? std::max(best, a) : std::min(best, a);
    }
    return best;
  }
  double acc = 0;
  if (p == 0) {
    for (int64_t i = 0; i < n; ++i) acc += x[i] != 0 ? 1 : 0;
    return static_cast<float>(acc);
  }
  if (p == 1) {
    for (int64_t i = 0; i < n; ++i) acc += std::fabs(static_cast<double>(x[i]));
    return static_cast<float>(acc);
  }
  if (p == 2) {
    for (int64_t i = 0; i < n; ++i) acc += static_cast<double>(x[i]) * x[i];
    return static_cast<float>(std::sqrt(acc));
  }
  for (int64_t i = 0; i < n; ++i) acc += std::pow(std::fabs(static_cast<double>(x[i])), p);
  return static_cast<float>(std::pow(acc, 1.0 / p));
}

}  // namespace

Tensor clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type, bool error_if_nonfinite) {
  KD_CHECK(!std::isnan(norm_type) && norm_type >= 0, ValueError, "clip_grad_norm_: norm_type must be >= 0 or inf, got ",
           detail::format_number(norm_type));
  NoGradGuard no_grad;
  // Per-parameter norms first.
  std::vector<float> norms;
  std::vector<std::shared_ptr<SparseGrad>> coalesced(params.size());
  for (size_t k = 0; k < params.size(); ++k) {
    const Tensor& p = params[k];
    KD_CHECK(p.defined(), ValueError, "clip_grad_norm_: parameter ", k, " is undefined");
    TensorImpl* impl = p.impl();
    if (impl->grad) {
      Tensor g = Tensor(impl->grad).contiguous();
      norms.push_back(vector_norm(g.data<float>(), g.numel(), norm_type));
    }
    if (impl->sparse_grad) {
      coalesced[k] = std::make_shared<SparseGrad>(impl->sparse_grad->coalesce());
      Tensor v = coalesced[k]->values.contiguous();
      norms.push_back(vector_norm(v.data<float>(), v.numel(), norm_type));
    }
  }
  if (norms.empty()) return scalar_tensor(0.0);
  const float total_norm = norms.size() == 1 ? norms[0] : vector_norm(norms.data(), static_cast<int64_t>(norms.size()), norm_type);
  KD_CHECK(!(error_if_nonfinite && !std::isfinite(total_norm)), ValueError, "The total norm of order ",
           detail::format_number(norm_type),
           " for gradients from `parameters` is non-finite, so it cannot be clipped. To disable this error and scale "
           "the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`");
  // clip_coef = max_norm / (total_norm + 1e-6), clamped to at most 1, all in float32.
  const float clip_coef = static_cast<float>(max_norm) / (total_norm + 1e-6f);
  const float coef = std::isnan(clip_coef) ? clip_coef : std::min(clip_coef, 1.0f);
  for (size_t k = 0; k < params.size(); ++k) {
    TensorImpl* impl = params[k].impl();
    if (impl->grad) Tensor(impl->grad).mul_(static_cast<double>(coef));
    if (impl->sparse_grad) {
      coalesced[k]->values.mul_(static_cast<double>(coef));
      impl->sparse_grad = coalesced[k];
    }
  }
  return scalar_tensor(total_norm);
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  NoGradGuard no_grad;
  for (size_t k = 0; k < params.size(); ++k) {
    KD_CHECK(params[k].defined(), ValueError, "clip_grad_value_: parameter ", k, " is undefined");
  }
  for (const Tensor& p : params) {
    TensorImpl* impl = p.impl();
    if (impl->grad) Tensor(impl->grad).clamp_(-clip_value, clip_value);
    if (impl->sparse_grad) {
      auto c = std::make_shared<SparseGrad>(impl->sparse_grad->coalesce());
      c->values.clamp_(-clip_value, clip_value);
      impl->sparse_grad = c;
    }
  }
}

}  // namespace optim
}  // namespace kd
