// RuleBackward, the node most single-output ops record, and the helpers every op family uses to
// record it: the op's forward stands in its family's .cpp with its rule right below it.
#pragma once

#include <memory>
#include <vector>

#include "autograd/node.h"

namespace kd {

// The backward of a single-output op: a plain function (no captures) over the saved tensors,
// so the node holds its tensors itself and nothing forms a reference cycle. Gradients that
// come out with a broadcast shape are summed back to their input's shape.
struct RuleBackward final : Node {
  using Rule = TensorList (*)(const RuleBackward& node, const Tensor& grad, const TensorList& saved);
  const char* op = "";
  Rule rule = nullptr;
  SmallVector<SavedTensor, 3> saved;  // few per op: inline
  SmallVector<Shape, 2> input_shapes;
  double scalar = 0;  // alpha, an exponent or a bound, as the op needs
  Shape dims;         // reduced or indexed dims, as the op needs
  bool keepdim = false;

  bool needs_grad(size_t input) const { return input < next_edges.size() && next_edges[input].valid(); }
  TensorList apply(TensorList&& grads) override;
  std::string name() const override { return op; }
  void release_saved() override;
};

// Records `out` as computed by `op` from `inputs` when any of them requires grad. `to_save`
// lists the tensors the rule reads (output last, marked by `saves_output`).
// Returns the node (for ops that set more fields), or null when nothing was recorded.
std::shared_ptr<RuleBackward> record_rule(const char* op, RuleBackward::Rule rule, std::initializer_list<Tensor> inputs,
                                          Tensor& out, std::initializer_list<Tensor> to_save,
                                          bool saves_output = false, double scalar = 0);
// The same for a list of inputs of any length (cat, stack).
std::shared_ptr<RuleBackward> record_rule(const char* op, RuleBackward::Rule rule, const std::vector<Tensor>& inputs,
                                          Tensor& out, std::initializer_list<Tensor> to_save,
                                          bool saves_output = false, double scalar = 0);

// Sums `t` down to `shape` (the inverse of broadcasting): the gradient of an input that was
// broadcast. Recorded (differentiable) in a backward with create_graph, as the sum it is.
Tensor sum_to(const Tensor& t, const Shape& shape);

}  // namespace kd
