// torch.autograd's functions: grad() (gradients of outputs with respect to chosen inputs,
// returned rather than accumulated into .grad) and backward() over several roots, both with
// create_graph for higher-order derivatives (a gradient penalty, a Hessian-vector product).
#pragma once

#include <optional>
#include <vector>

#include "tensor/tensor.h"

namespace kd::autograd {

// The gradients of `outputs` (seeded by `grad_outputs`, or ones for one-element outputs) with
// respect to `inputs`, one per input. retain_graph defaults to create_graph. An input the
// outputs do not depend on raises unless `allow_unused`, which gives it an undefined Tensor.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, std::optional<bool> retain_graph = std::nullopt,
                         bool create_graph = false, bool allow_unused = false);

// Accumulates into the leaves' .grad the gradients of all `tensors` at once (torch.autograd.backward).
void backward(const std::vector<Tensor>& tensors, const std::vector<Tensor>& grad_tensors = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false);

}  // namespace kd::autograd
