// The Tensor methods that walk or extend the autograd graph (declared in tensor/tensor.h, which
// the graph's layer sits above): history, retain_grad, backward, hooks, and the release of a
// tensor's history without deep recursion.
#include "autograd/hooks.h"
#include "autograd/node.h"

namespace kd {

TensorImpl::~TensorImpl() { release_node(std::move(grad_fn)); }

const std::shared_ptr<Node>& Tensor::grad_fn() const {
  TensorImpl& t = checked();
  refresh_view_history(t);
  return t.grad_fn;
}

void Tensor::retain_grad() {
  TensorImpl& t = checked();
  KD_CHECK(t.requires_grad, StateError, "can't retain_grad on Tensor that has requires_grad=False");
  if (!t.grad_fn || t.retains_grad) return;  // leaves keep their grad anyway
  t.retains_grad = true;
  auto& retained = t.grad_fn->retained_outputs;
  if (retained.size() <= t.output_nr) retained.resize(t.output_nr + 1);
  retained[t.output_nr] = impl_;
}

void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph) const {
  const TensorImpl& t = checked();
  KD_CHECK(t.requires_grad, StateError, "element 0 of tensors does not require grad and does not have a grad_fn");
  Tensor seed = gradient;
  if (!seed.defined()) {
    KD_CHECK(numel() == 1, StateError, "grad can be implicitly created only for scalar outputs (got shape ",
             shape_str(t.shape), ")");
    seed = Tensor::make(t.shape, DType::Float32);
    *seed.data<float>() = 1.0f;
  } else {
    KD_CHECK(seed.shape() == t.shape, ShapeError, "Mismatch in shape: grad_output[0] has a shape of ",
             shape_str(seed.shape()), " and output[0] has a shape of ", shape_str(t.shape), ".");
  }
  run_backward(this, &seed, 1, retain_graph.value_or(create_graph), create_graph);
}

RemovableHandle Tensor::register_hook(std::function<Tensor(const Tensor&)> hook) {
  TensorImpl& t = checked();
  KD_CHECK(t.requires_grad, StateError, "cannot register a hook on a tensor that doesn't require gradient");
  KD_CHECK(static_cast<bool>(hook), ValueError, "register_hook: the hook is empty");
  std::shared_ptr<TensorHookList> list;
  if (t.grad_fn) {
    auto& slots = t.grad_fn->output_hooks;
    if (slots.size() <= t.output_nr) slots.resize(t.output_nr + 1);
    if (!slots[t.output_nr]) slots[t.output_nr] = std::make_shared<TensorHookList>();
    list = slots[t.output_nr];
  } else {
    if (!t.grad_hooks) t.grad_hooks = std::make_shared<TensorHookList>();
    list = t.grad_hooks;
  }
  return RemovableHandle(list, list->add(std::move(hook)));
}

}  // namespace kd
