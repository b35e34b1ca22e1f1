// The raw Embind block, autograd part: autograd.grad / autograd.backward, tensor hooks, and the
// identity node module backward hooks wrap a module's inputs and outputs with
// (bindings/js/autograd.mjs and nn.mjs use them).
//
// A hook is a JS function called from inside a C++ backward pass, and no JS exception may
// cross a C++ frame (boundary.h). So JS hands in a wrapper that catches whatever the user's
// hook throws, keeps it, and returns `false`; the lambdas here then throw, the backward pass
// unwinds as for any C++ error, guarded() records it, and JS rethrows the error it kept.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>

#include "autograd/autograd.h"
#include "autograd/hooks.h"
#include "boundary.h"
#include "convert.h"

using emscripten::val;
using kd::Tensor;
using kd::wasm::guarded;

namespace {

// What a JS hook returned: false when it threw (JS keeps the error), null or undefined for
// "no change", else what `convert` makes of it.
void check_hook_succeeded(const val& result) {
  if (result.isFalse()) throw kd::StateError("a JS hook raised an exception");
}

kd::TensorHook tensor_hook_from_js(val fn) {
  return [fn](const Tensor& grad) {
    val result = fn(val(grad));
    check_hook_succeeded(result);
    if (result.isNull() || result.isUndefined()) return Tensor();
    return result.as<Tensor>();
  };
}

kd::GradsHook grads_hook_from_js(val fn) {
  return [fn](const std::vector<Tensor>& grads) {
    val result = fn(kd::wasm::tensors_to_js(grads));
    check_hook_succeeded(result);
    if (result.isNull() || result.isUndefined()) return std::vector<Tensor>{};
    return kd::wasm::optional_tensors_from_js(result);
  };
}

// NaN: not given (retain_graph then follows create_graph).
std::optional<bool> optional_flag(double x) {
  if (std::isnan(x)) return std::nullopt;
  return x != 0;
}

val grad(const val& outputs, const val& inputs, const val& grad_outputs, double retain_graph, bool create_graph,
         bool allow_unused) {
  std::vector<Tensor> outs = kd::wasm::tensors_from_js(outputs), ins = kd::wasm::tensors_from_js(inputs);
  std::vector<Tensor> seeds = kd::wasm::optional_tensors_from_js(grad_outputs);
  return guarded([&] {
    return kd::wasm::tensors_to_js(
        kd::autograd::grad(outs, ins, seeds, optional_flag(retain_graph), create_graph, allow_unused));
  });
}

void backward(const val& tensors, const val& grad_tensors, double retain_graph, bool create_graph) {
  std::vector<Tensor> roots = kd::wasm::tensors_from_js(tensors);
  std::vector<Tensor> seeds = kd::wasm::optional_tensors_from_js(grad_tensors);
  guarded([&] { kd::autograd::backward(roots, seeds, optional_flag(retain_graph), create_graph); });
}

kd::RemovableHandle register_hook(Tensor& t, val fn) {
  return guarded([&] { return t.register_hook(tensor_hook_from_js(std::move(fn))); });
}

val backward_hook_identity(const val& tensors, val fn) {
  std::vector<Tensor> in = kd::wasm::tensors_from_js(tensors);
  return guarded([&] { return kd::wasm::tensors_to_js(kd::backward_hook_identity(in, grads_hook_from_js(std::move(fn)))); });
}

}  // namespace

EMSCRIPTEN_BINDINGS(kindling_autograd) {
  using emscripten::function;
  emscripten::class_<kd::RemovableHandle>("RawHookHandle").function("remove", &kd::RemovableHandle::remove);
  function("autogradGrad", &grad);
  function("autogradBackward", &backward);
  function("autogradRegisterHook", &register_hook);
  function("autogradBackwardHookIdentity", &backward_hook_identity);
}
