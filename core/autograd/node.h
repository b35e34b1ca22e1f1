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

#include "tensor/tensor.h"

namespace kd {

struct Edge {
  std::shared_ptr<Node> node;  // null: that input does not need a gradient
  uint32_t input_nr = 0;       // which output of `node` the gradient is for
  bool valid() const { return node != nullptr; }
};

class SavedTensor {
 public:
  SavedTensor() = default;
  // `is_output`: the tensor is an output of the node saving it; keep no history.
  SavedTensor(const Tensor& t, bool is_output = false);
  // Returns the saved tensor, or raises StateError if it was released (second backward
  // without retain_graph) or modified in place since it was saved.
  Tensor unpack(const Node& owner) const;
  void release() { tensor_ = Tensor(); released_ = true; }
  bool defined() const { return defined_; }

 private:
  Tensor tensor_;
  uint32_t saved_version_ = 0;
  bool defined_ = false;
  bool released_ = false;
};

class Node : public std::enable_shared_from_this<Node> {
 public:
  virtual ~Node();
  // One gradient per output in, one per input (next_edges) out. An undefined Tensor means
  // zero (the output was not used, or the input needs no gradient).
  virtual std::vector<Tensor> apply(std::vector<Tensor>&& grad_outputs) = 0;
  virtual std::string name() const = 0;
  // Frees saved tensors; called after a backward pass unless retain_graph.
  virtual void release_saved() {}

  std::vector<Edge> next_edges;
  uint32_t num_outputs = 1;
  // Increases with creation order; the engine runs later nodes first when both are ready.
  uint64_t sequence_nr = 0;
  // Non-leaf outputs that asked for retain_grad(), by output number.
  std::vector<std::weak_ptr<TensorImpl>> retained_outputs;

 protected:
  Node();
};

// The sink node of a leaf that requires grad: adds incoming gradients into `.grad`.
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& grad_outputs) override;
  std::string name() const override { return "AccumulateGrad"; }
  const std::shared_ptr<TensorImpl>& leaf() const { return leaf_; }

 private:
  std::shared_ptr<TensorImpl> leaf_;
};

// Drops a reference to a node. When it was the last one, the node and the chain of nodes only
// it kept alive are destroyed by a loop rather than by nested destructors, which would
// overflow the small wasm stack on a long graph (an unrolled RNN, a 10k-step loop).
void release_node(std::shared_ptr<Node>&& node);

// The edge a gradient for `t` must travel: its grad_fn, or its leaf accumulator, or nothing.
Edge gradient_edge(const Tensor& t);

// True when grad mode is on and any of `inputs` requires grad: the op must record a node.
bool any_requires_grad(std::initializer_list<const Tensor*> inputs);
bool any_requires_grad(const std::vector<Tensor>& inputs);

// Connects a freshly made node: edges from `inputs`, and `outputs` get it as grad_fn.
void set_history(const std::shared_ptr<Node>& node, const std::vector<Tensor>& inputs,
                 const std::vector<Tensor*>& outputs);

// Runs the backward pass from `roots` with the given seeds (engine.cpp).
void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& seeds, bool retain_graph);

// Checks the in-place rules (no leaf that requires grad, no view of one) before an op writes
// into `self` (autograd/inplace.cpp).
void check_inplace(const Tensor& self, const char* op);
// After an in-place op wrote into `self`: `self` takes the history of `result` (the same
// values computed out of place). For a view, its base's history is rewritten too.
void rebase_history(Tensor& self, const Tensor& result);

}  // namespace kd
