// The autograd graph: each differentiable op that ran with grad mode on leaves a Node that
// knows how to turn the gradient of its outputs into gradients of its inputs.
//
// Nodes hold what backward needs as SavedTensor (values checked against the version counter,
// released after a backward without retain_graph) and point to the nodes of their inputs by
// Edge. Outputs are never saved with their history (that would be a reference cycle):
// SavedTensor keeps a history-free alias that shares storage and version counter.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "autograd/hooks.h"
#include "tensor/tensor.h"
#include "util/block_pool.h"
#include "util/small_vector.h"

namespace kd {

struct Edge {
  std::shared_ptr<Node> node;  // null: that input does not need a gradient
  uint32_t input_nr = 0;       // which output of `node` the gradient is for
  bool valid() const { return node != nullptr; }
};

class SavedTensor {
 public:
  SavedTensor() = default;
  // `is_output`: the tensor is output `output_nr` of the node saving it; keep no history (it
  // would point back to the owner: a reference cycle).
  SavedTensor(const Tensor& t, bool is_output = false, uint32_t output_nr = 0);
  // Returns the saved tensor, or raises StateError if it was released (second backward
  // without retain_graph) or modified in place since it was saved. An output unpacked while
  // grad mode is on (a backward with create_graph) gets its history back: its grad_fn is the
  // owner, so that a gradient computed from it is itself differentiable.
  Tensor unpack(const Node& owner) const;
  void release() { tensor_ = Tensor(); released_ = true; }
  bool defined() const { return defined_; }

 private:
  Tensor tensor_;
  uint32_t saved_version_ = 0;
  bool defined_ = false;
  bool released_ = false;
  bool is_output_ = false;
  uint32_t output_nr_ = 0;
};

// The gradients a node takes (one per output) and returns (one per input), and the saved
// tensors a rule reads: one to three almost always, kept inline, so that running a node
// touches no heap (a heap block per list was most of a small training step's allocations).
using TensorList = SmallVector<Tensor, 3>;

class Node : public std::enable_shared_from_this<Node> {
 public:
  virtual ~Node();
  // One gradient per output in, one per input (next_edges) out. An undefined Tensor means
  // zero (the output was not used, or the input needs no gradient).
  virtual TensorList apply(TensorList&& grad_outputs) = 0;
  virtual std::string name() const = 0;
  // Frees saved tensors; called after a backward pass unless retain_graph.
  virtual void release_saved() {}

  // One per input; most ops have one to three (linear: input, weight, bias), inline.
  SmallVector<Edge, 3> next_edges;
  uint32_t num_outputs = 1;
  // Increases with creation order; the engine runs later nodes first when both are ready.
  uint64_t sequence_nr = 0;
  // Non-leaf outputs that asked for retain_grad(), by output number.
  std::vector<std::weak_ptr<TensorImpl>> retained_outputs;
  // Hooks registered on non-leaf outputs (Tensor::register_hook), by output number.
  std::vector<std::shared_ptr<TensorHookList>> output_hooks;

  // The hooks to run on the gradient of output `k` before this node uses it, if any.
  virtual const TensorHookList* hooks_for(uint32_t k) const {
    return k < output_hooks.size() ? output_hooks[k].get() : nullptr;
  }
  // True for a leaf's AccumulateGrad, which autograd::grad captures instead of running.
  virtual bool accumulates() const { return false; }

 protected:
  Node();
};

// The sink node of a leaf that requires grad: adds incoming gradients into `.grad`.
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) {}
  TensorList apply(TensorList&& grad_outputs) override;
  std::string name() const override { return "AccumulateGrad"; }
  const std::shared_ptr<TensorImpl>& leaf() const { return leaf_; }
  // A leaf's hooks live on the leaf (this node is made on demand and may come and go).
  const TensorHookList* hooks_for(uint32_t) const override { return leaf_->grad_hooks.get(); }
  bool accumulates() const override { return true; }

 private:
  std::shared_ptr<TensorImpl> leaf_;
};

// Makes a node (as std::make_shared) in a pooled block: a recorded op's node is freed with its
// graph after each backward pass, and the next step's takes its block again.
template <typename NodeType, typename... Args>
std::shared_ptr<NodeType> make_node(Args&&... args) {
  return make_pooled<NodeType>(std::forward<Args>(args)...);
}

// Drops a reference to a node. When it was the last one, the node and the chain of nodes only
// it kept alive are destroyed by a loop rather than by nested destructors, which would
// overflow the small wasm stack on a long graph (an unrolled RNN, a 10k-step loop).
void release_node(std::shared_ptr<Node>&& node);

// The edge a gradient for `t` must travel: its grad_fn, or its leaf accumulator, or nothing.
Edge gradient_edge(const Tensor& t);

// A differentiable view written in place (through its base or another view) since its history
// was recorded gets the history "a strided view of the base's current history"
// (AsStridedBackward0), as torch regenerates it; a no-op otherwise.
void refresh_view_history(TensorImpl& t);

// True when grad mode is on and any of `inputs` requires grad: the op must record a node.
bool any_requires_grad(const Tensor* inputs, size_t count);
bool any_requires_grad(std::initializer_list<const Tensor*> inputs);
inline bool any_requires_grad(const std::vector<Tensor>& inputs) { return any_requires_grad(inputs.data(), inputs.size()); }

// Connects a freshly made node: edges from the `num_inputs` inputs, and the outputs get it as
// grad_fn. The overloads take braced lists ({a, b}, {&out}) without a heap-allocated vector.
void set_history(const std::shared_ptr<Node>& node, const Tensor* inputs, size_t num_inputs, Tensor* const* outputs,
                 size_t num_outputs);
inline void set_history(const std::shared_ptr<Node>& node, std::initializer_list<Tensor> inputs,
                        std::initializer_list<Tensor*> outputs) {
  set_history(node, inputs.begin(), inputs.size(), outputs.begin(), outputs.size());
}
inline void set_history(const std::shared_ptr<Node>& node, const std::vector<Tensor>& inputs,
                        const std::vector<Tensor*>& outputs) {
  set_history(node, inputs.data(), inputs.size(), outputs.data(), outputs.size());
}

// Runs the backward pass from `roots` with the given seeds (engine.cpp). With `create_graph`
// every node's backward runs with grad mode on, so the gradients it makes have a history of
// their own (and can be differentiated again). Without `inputs`, gradients accumulate into
// the leaves' .grad; with `inputs` (autograd::grad), the gradients reaching them are returned
// instead, no .grad changes, and only nodes on a path to an input run. An input the graph
// does not reach gets an undefined gradient if `allow_unused`, else raises.
std::vector<Tensor> run_backward(const Tensor* roots, const Tensor* seeds, size_t num_roots, bool retain_graph,
                                 bool create_graph = false, const std::vector<Tensor>* inputs = nullptr,
                                 bool allow_unused = false);
inline std::vector<Tensor> run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& seeds,
                                        bool retain_graph, bool create_graph = false,
                                        const std::vector<Tensor>* inputs = nullptr, bool allow_unused = false) {
  return run_backward(roots.data(), seeds.data(), roots.size(), retain_graph, create_graph, inputs, allow_unused);
}

// Checks the in-place rules (no leaf that requires grad, no view of one) before an op writes
// into `self` (autograd/inplace.cpp).
void check_inplace(const Tensor& self, const char* op);
// After an in-place op wrote into `self`: `self` takes the history of `result` (the same
// values computed out of place). For a view, its base's history is rewritten too.
void rebase_history(Tensor& self, const Tensor& result);

}  // namespace kd
