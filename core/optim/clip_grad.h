// Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_, PyTorch 1.13).
#pragma once

#include <vector>

#include "tensor/tensor.h"

namespace kd {
namespace optim {

// Scales every gradient in place by min(1, max_norm / (total_norm + 1e-6)), where total_norm
// is the norm_type-norm of the per-parameter gradient norms (PyTorch's two-level computation),
// and returns total_norm as a 0-d float32 tensor (0 when no parameter has a gradient).
// norm_type: any p > 0, 0 (count of non-zeros) or INFINITY (max |g|).
// Parameters without a gradient are skipped. Row-sparse gradients (sparse_grad) are included:
// their norm is taken after summing repeated rows (coalesce), and their values are scaled;
// PyTorch does the same for p = 1, 2, and (unlike Kindling) fails for inf.
// error_if_nonfinite: raise ValueError (PyTorch's RuntimeError and message) when the total
// norm is NaN or infinite, before any gradient is changed.
Tensor clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

// Clamps every gradient in place to [-clip_value, clip_value]. A row-sparse gradient is
// coalesced first (repeated rows summed, then clamped); PyTorch does not support that case.
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);

}  // namespace optim
}  // namespace kd
