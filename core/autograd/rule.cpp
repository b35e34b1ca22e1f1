#include "autograd/rule.h"

namespace kd {

TensorList RuleBackward::apply(TensorList&& grads) {
  TensorList unpacked;
  for (const SavedTensor& s : saved) unpacked.push_back(s.unpack(*this));
  TensorList result = rule(*this, grads[0], unpacked);
  // Broadcast inputs get their gradient summed back to their own shape.
  for (size_t i = 0; i < result.size() && i < input_shapes.size(); ++i)
    if (result[i].defined() && result[i].shape() != input_shapes[i]) result[i] = sum_to(result[i], input_shapes[i]);
  return result;
}

void RuleBackward::release_saved() {
  for (SavedTensor& s : saved) s.release();
}

namespace {
std::shared_ptr<RuleBackward> record(const char* op, RuleBackward::Rule rule, const Tensor* inputs, size_t num_inputs,
                                     Tensor& out, std::initializer_list<Tensor> to_save, bool saves_output,
                                     double scalar) {
  if (!any_requires_grad(inputs, num_inputs)) return nullptr;
  KD_CHECK(out.dtype() == DType::Float32, TypeError, op, ": gradients need a float32 result");
  auto node = make_node<RuleBackward>();
  node->op = op;
  node->rule = rule;
  node->scalar = scalar;
  // An undefined input (an index or a condition, which gets no gradient) has no shape.
  node->input_shapes.reserve(num_inputs);
  for (size_t i = 0; i < num_inputs; ++i) node->input_shapes.push_back(inputs[i].defined() ? inputs[i].shape() : Shape{});
  Tensor* outputs[] = {&out};
  set_history(node, inputs, num_inputs, outputs, 1);
  node->saved.reserve(to_save.size());
  for (const Tensor& t : to_save) node->saved.emplace_back(t, saves_output && &t == to_save.end() - 1);
  return node;
}
}  // namespace

std::shared_ptr<RuleBackward> record_rule(const char* op, RuleBackward::Rule rule, std::initializer_list<Tensor> inputs,
                                          Tensor& out, std::initializer_list<Tensor> to_save, bool saves_output,
                                          double scalar) {
  return record(op, rule, inputs.begin(), inputs.size(), out, to_save, saves_output, scalar);
}

std::shared_ptr<RuleBackward> record_rule(const char* op, RuleBackward::Rule rule, const std::vector<Tensor>& inputs,
                                          Tensor& out, std::initializer_list<Tensor> to_save, bool saves_output,
                                          double scalar) {
  return record(op, rule, inputs.data(), inputs.size(), out, to_save, saves_output, scalar);
}

Tensor sum_to(const Tensor& t, const Shape& shape) {
  if (t.shape() == shape) return t;
  // Sum the leading dims that broadcasting added, and the dims that were 1 in `shape`.
  int64_t lead = t.dim() - static_cast<int64_t>(shape.size());
  Shape dims;
  for (int64_t i = 0; i < t.dim(); ++i)
    if (i < lead || (shape[i - lead] == 1 && t.shape()[i] != 1)) dims.push_back(i);
  Tensor out = dims.empty() ? t : t.sum(dims, true);
  return out.reshape(shape);
}

}  // namespace kd
