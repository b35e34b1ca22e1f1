#include "autograd/hooks.h"

#include "autograd/node.h"

namespace kd {
namespace {

class BackwardHookFunctionBackward final : public Node {
 public:
  explicit BackwardHookFunctionBackward(GradsHook hook) : hook_(std::move(hook)) {}
  std::string name() const override { return "BackwardHookFunctionBackward"; }
  TensorList apply(TensorList&& grads) override {
    // Module hooks take and give std::vector (their public signature); this rare path copies.
    std::vector<Tensor> replaced = hook_(std::vector<Tensor>(grads.begin(), grads.end()));
    if (replaced.empty()) return std::move(grads);
    KD_CHECK(replaced.size() == grads.size(), ValueError, "backward hook returned ", replaced.size(),
             " gradients, expected ", grads.size());
    for (size_t i = 0; i < grads.size(); ++i)
      KD_CHECK(!replaced[i].defined() || !grads[i].defined() || replaced[i].shape() == grads[i].shape(), ShapeError,
               "backward hook returned a gradient of shape ", shape_str(replaced[i].shape()), " for position ", i,
               ", expected ", shape_str(grads[i].shape()));
    return TensorList(replaced.begin(), replaced.end());
  }

 private:
  GradsHook hook_;
};

}  // namespace

std::vector<Tensor> backward_hook_identity(const std::vector<Tensor>& tensors, GradsHook hook) {
  std::vector<Tensor> outputs;
  std::vector<Tensor*> slots;
  outputs.reserve(tensors.size());
  for (const Tensor& t : tensors) {
    KD_CHECK(t.defined() && t.requires_grad(), ValueError, "backward_hook_identity: every tensor must require grad");
    outputs.push_back(t.detach());  // same values and version counter; the history comes next
  }
  for (Tensor& out : outputs) slots.push_back(&out);
  set_history(make_node<BackwardHookFunctionBackward>(std::move(hook)), tensors, slots);
  return outputs;
}

}  // namespace kd
