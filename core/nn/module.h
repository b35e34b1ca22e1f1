// nn.Module and nn.Parameter, as in PyTorch.
//
// A module owns three ordered maps — parameters, buffers, child modules — filled by
// register_parameter / register_buffer / register_module. One walk over them yields the dotted
// names ("layers.0.weight") shared by named_parameters(), state_dict(), the optimizer, the
// serializers and the JS side. A Parameter is a leaf tensor that requires grad and is marked
// as a parameter; a plain tensor kept in a module's C++ field is not registered and so is not
// a parameter (it does not appear in parameters() and is not trained).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autograd/hooks.h"
#include "tensor/tensor.h"
#include "util/json.h"

namespace kd::nn {

// nn.Parameter(data, requires_grad): shares data's storage, is a leaf, prints as
// "Parameter containing:".
Tensor Parameter(const Tensor& data, bool requires_grad = true);

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// What load_state_dict(strict=false) reports (strict=true raises instead).
struct LoadStateDictResult {
  std::vector<std::string> missing_keys;
  std::vector<std::string> unexpected_keys;
};

// Keyword arguments of a module's forward that are not tensors (only MultiheadAttention has
// any), for Module::forward_list.
struct ForwardOptions {
  bool need_weights = true;
  bool average_attn_weights = true;
};

class Module : public std::enable_shared_from_this<Module> {
 public:
  explicit Module(std::string type_name = "Module") : type_name_(std::move(type_name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // The class name PyTorch would print ("Linear", "Sequential").
  const std::string& type_name() const { return type_name_; }

  // Runs the module. Modules with one tensor in and one out override this; others (Bilinear,
  // LSTM, MultiheadAttention) add their own overloads, and this one then raises.
  virtual Tensor forward(const Tensor& input);
  // forward() with the module's hooks around it, as calling a module in PyTorch (forward()
  // itself runs no hook). Modules with other signatures route their operator() through call().
  Tensor operator()(const Tensor& input);

  // forward for every module whatever its signature, over lists: the inputs in forward's order
  // (an undefined Tensor for an optional one not given), the outputs likewise. call(), and so
  // hooks and the JS bindings, go through it. The default runs forward(inputs[0]); modules
  // with other signatures override it.
  virtual std::vector<Tensor> forward_list(const std::vector<Tensor>& inputs, const ForwardOptions& options = {});

  // ---- hooks (PyTorch's; each register_* returns a handle whose remove() takes it out) ----
  // A module's inputs and outputs reach hooks as vectors of tensors, whatever its forward
  // takes and returns (an unset optional input, such as an RNN's h0, is an undefined Tensor).
  // Before forward: a non-empty return replaces the inputs.
  using ForwardPreHook = std::function<std::vector<Tensor>(Module&, const std::vector<Tensor>& inputs)>;
  // After forward: a non-empty return replaces the outputs.
  using ForwardHook =
      std::function<std::vector<Tensor>(Module&, const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs)>;
  // In backward, once the gradients of the inputs are known: grad_input has one entry per input
  // (undefined where the input needs no gradient), grad_output one per output. A non-empty
  // return replaces grad_input. If no input requires grad it is called with grad_input all
  // undefined as soon as grad_output is known, as PyTorch's register_full_backward_hook.
  using BackwardHook = std::function<std::vector<Tensor>(Module&, const std::vector<Tensor>& grad_input,
                                                         const std::vector<Tensor>& grad_output)>;
  RemovableHandle register_forward_pre_hook(ForwardPreHook hook);
  RemovableHandle register_forward_hook(ForwardHook hook);
  RemovableHandle register_full_backward_hook(BackwardHook hook);
  bool has_hooks() const;
  // For forward_list overrides: `inputs` checked to hold between `min` and `max` tensors,
  // padded with undefined ones to `max` (the optional inputs not given).
  std::vector<Tensor> forward_inputs(const std::vector<Tensor>& inputs, size_t min, size_t max) const;
  // forward_list(inputs) with the hooks around it (what operator() does). The backward hooks
  // see this module: it must outlive the backward pass that runs them.
  std::vector<Tensor> call(std::vector<Tensor> inputs, const ForwardOptions& options = {});


  // ---- registration ----
  // An undefined tensor registers an empty slot (e.g. Linear without bias): listed by
  // name lookups, skipped by parameters() and state_dict(). Re-registering a name replaces it.
  Tensor& register_parameter(const std::string& name, const Tensor& param, bool requires_grad = true);
  Tensor& register_buffer(const std::string& name, const Tensor& buffer, bool persistent = true);
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    register_module_impl(name, module);
    return module;
  }

  // Direct access by local name; raises IndexError naming the module when absent.
  Tensor& param(const std::string& name);
  const Tensor& param(const std::string& name) const;
  Tensor& buffer(const std::string& name);
  std::shared_ptr<Module> child(const std::string& name) const;
  bool has_param(const std::string& name) const;

  // What a local name is registered as (empty slots included), the local names of one kind in
  // registration order, and PyTorch's delattr: takes the name out of whichever map holds it.
  // The JS module system (bindings/js/nn/module.mjs) reads and writes registrations through these.
  enum class Slot { None, Parameter, Buffer, Module };
  Slot slot(const std::string& name) const;
  std::vector<std::string> slot_names(Slot kind) const;
  bool remove(const std::string& name);

  // ---- walks (each tensor and module listed once, first name wins, as PyTorch) ----
  std::vector<Tensor> parameters(bool recurse = true) const;
  NamedTensors named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  NamedTensors named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const;
  std::vector<std::shared_ptr<Module>> modules();
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules(const std::string& prefix = "");

  // ---- state ----
  // Parameters and persistent buffers in registration order, recursively, with dotted names.
  // A tensor shared under two names appears under both (as PyTorch). Values are shared, not
  // copied (detached aliases).
  NamedTensors state_dict() const;
  // Checks every key, shape and dtype before copying anything: on error nothing changes.
  // strict: missing or unexpected keys raise (PyTorch's "Error(s) in loading state_dict for
  // ..." message); size mismatches raise either way.
  LoadStateDictResult load_state_dict(const NamedTensors& state, bool strict = true);

  // Calls fn on every submodule, children first, then on this module.
  Module& apply(const std::function<void(Module&)>& fn);
  Module& train(bool on = true);
  Module& eval() { return train(false); }
  bool is_training() const { return training_; }
  void zero_grad(bool set_to_none = false);
  Module& requires_grad_(bool requires_grad = true);

  // PyTorch's repr: "Linear(in_features=3, out_features=2, bias=True)", nested with indent.
  virtual std::string extra_repr() const { return ""; }
  // The module's options as JSON, with PyTorch's keyword names ({"in_features": 3, ...}; tensors
  // such as a loss's weight are buffers, not options). Built-in modules list their options once
  // (a `fields` member, util/option_fields.h), which also reads them in nn/factory.h.
  virtual Json options_json() const { return Json::object(); }
  std::string to_string() const;

 protected:
  // Called by train(); modules that cache mode-dependent state override it.
  virtual void on_train(bool) {}
  void register_module_impl(const std::string& name, std::shared_ptr<Module> module);

 private:
  struct BufferSlot {
    std::string name;
    Tensor tensor;
    bool persistent;
  };
  void check_name(const std::string& name, const char* what) const;
  std::shared_ptr<Module> self_ptr();
  void collect_state(const std::string& prefix, NamedTensors& out) const;
  NamedTensors named_tensors(bool recurse, bool buffers) const;

  struct Hooks {
    std::shared_ptr<HookList<ForwardPreHook>> pre = std::make_shared<HookList<ForwardPreHook>>();
    std::shared_ptr<HookList<ForwardHook>> forward = std::make_shared<HookList<ForwardHook>>();
    std::shared_ptr<HookList<BackwardHook>> backward = std::make_shared<HookList<BackwardHook>>();
  };
  Hooks& hooks();

  std::string type_name_;
  std::unique_ptr<Hooks> hooks_;  // made on the first registration
  bool training_ = true;
  NamedTensors parameters_;
  std::vector<BufferSlot> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

using ModulePtr = std::shared_ptr<Module>;

}  // namespace kd::nn
