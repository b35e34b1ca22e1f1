#include "autograd/autograd.h"

#include <algorithm>

#include "autograd/node.h"

namespace kd::autograd {
namespace {

// The seed of each root: the given gradient (checked against its output) or ones for a
// one-element output, as torch's _make_grads.
std::vector<Tensor> make_seeds(const std::vector<Tensor>& outputs, const std::vector<Tensor>& given, const char* what) {
  KD_CHECK(given.empty() || given.size() == outputs.size(), ValueError, what, ": got ", given.size(),
           " gradients for ", outputs.size(), " outputs");
  std::vector<Tensor> seeds;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    KD_CHECK(out.defined(), ValueError, what, ": output ", i, " is an undefined tensor");
    KD_CHECK(out.requires_grad(), StateError, "element ", i, " of tensors does not require grad and does not have a grad_fn");
    Tensor seed = given.empty() ? Tensor() : given[i];
    if (!seed.defined()) {
      KD_CHECK(out.numel() == 1, StateError, "grad can be implicitly created only for scalar outputs (got shape ",
               shape_str(out.shape()), ")");
      seed = Tensor::make(out.shape(), DType::Float32);
      std::fill_n(seed.data<float>(), seed.numel(), 1.0f);
    } else {
      KD_CHECK(seed.shape() == out.shape(), ShapeError, "Mismatch in shape: grad_output[", i, "] has a shape of ",
               shape_str(seed.shape()), " and output[", i, "] has a shape of ", shape_str(out.shape()), ".");
    }
    seeds.push_back(seed);
  }
  return seeds;
}

}  // namespace

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, std::optional<bool> retain_graph, bool create_graph,
                         bool allow_unused) {
  KD_CHECK(!outputs.empty(), ValueError, "grad requires at least one output");
  KD_CHECK(!inputs.empty(), ValueError, "grad requires at least one input");
  std::vector<Tensor> seeds = make_seeds(outputs, grad_outputs, "grad");
  return run_backward(outputs, seeds, retain_graph.value_or(create_graph), create_graph, &inputs, allow_unused);
}

void backward(const std::vector<Tensor>& tensors, const std::vector<Tensor>& grad_tensors,
              std::optional<bool> retain_graph, bool create_graph) {
  KD_CHECK(!tensors.empty(), ValueError, "backward requires at least one tensor");
  std::vector<Tensor> seeds = make_seeds(tensors, grad_tensors, "backward");
  run_backward(tensors, seeds, retain_graph.value_or(create_graph), create_graph);
}

}  // namespace kd::autograd
