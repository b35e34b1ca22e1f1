// Hooks, as PyTorch's: functions called with a gradient as it flows past a tensor
// (Tensor::register_hook), and around a module's forward and backward (nn::Module). Each list
// keeps its hooks in registration order; a RemovableHandle takes one out again.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace kd {

// Called with the gradient of a tensor; returns a replacement of the same shape, or an
// undefined Tensor to leave it as it is.
using TensorHook = std::function<Tensor(const Tensor& grad)>;

template <typename Fn>
struct HookList {
  std::vector<std::pair<uint64_t, Fn>> entries;
  uint64_t next_id = 0;

  uint64_t add(Fn fn) {
    entries.emplace_back(next_id, std::move(fn));
    return next_id++;
  }
  void remove(uint64_t id) {
    for (auto it = entries.begin(); it != entries.end(); ++it)
      if (it->first == id) {
        entries.erase(it);
        return;
      }
  }
  bool empty() const { return entries.empty(); }
};

struct TensorHookList : HookList<TensorHook> {};

// torch.utils.hooks.RemovableHandle: remove() takes the hook out of its list; a second call,
// or a call after the list is gone (its tensor or module freed), does nothing.
class RemovableHandle {
 public:
  RemovableHandle() = default;
  template <typename List>
  RemovableHandle(const std::shared_ptr<List>& list, uint64_t id)
      : remove_([weak = std::weak_ptr<List>(list), id] {
          if (auto l = weak.lock()) l->remove(id);
        }) {}
  void remove() {
    if (remove_) remove_();
    remove_ = nullptr;
  }

 private:
  std::function<void()> remove_;
};

// Called with the gradients of a group of tensors; returns replacements for all of them, or
// an empty vector to leave them as they are.
using GradsHook = std::function<std::vector<Tensor>(const std::vector<Tensor>& grads)>;

// The identity on `tensors` (each must require grad), through one node: in backward, that
// node hands the gradients of all of them to `hook` at once. Module backward hooks wrap a
// module's inputs and outputs with it (PyTorch's BackwardHookFunction).
std::vector<Tensor> backward_hook_identity(const std::vector<Tensor>& tensors, GradsHook hook);

// Runs `hooks` over `grad` in order, each seeing the previous one's replacement. A hook that
// returns a tensor of another shape raises, as PyTorch's "hook ... has changed the size of value".
Tensor run_tensor_hooks(const TensorHookList& hooks, Tensor grad);

}  // namespace kd
