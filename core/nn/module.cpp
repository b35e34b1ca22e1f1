#include "nn/module.h"

#include <algorithm>
#include <set>

#include "autograd/grad_mode.h"
#include "ops/ops.h"
#include "tensor/sparse.h"

namespace kd::nn {

Tensor Parameter(const Tensor& data, bool requires_grad) {
  KD_CHECK(data.defined(), ValueError, "Parameter: data is undefined");
  Tensor p = data.detach();
  p.impl()->is_parameter = true;
  p.requires_grad_(requires_grad);
  return p;
}

Tensor Module::forward(const Tensor&) {
  throw StateError(str("Module [", type_name_, "] is missing the required \"forward\" function (or takes other inputs)"));
}

Tensor Module::operator()(const Tensor& input) {
  if (!has_hooks()) return forward(input);
  return call({input})[0];
}

std::vector<Tensor> Module::forward_list(const std::vector<Tensor>& inputs, const ForwardOptions&) {
  return {forward(forward_inputs(inputs, 1, 1)[0])};
}

std::vector<Tensor> Module::forward_inputs(const std::vector<Tensor>& inputs, size_t min, size_t max) const {
  KD_CHECK(inputs.size() >= min && inputs.size() <= max, ValueError, type_name_, ".forward() takes ",
           min == max ? str(min) : str(min, " to ", max), " tensors, got ", inputs.size());
  std::vector<Tensor> padded = inputs;
  padded.resize(max);
  return padded;
}

Module::Hooks& Module::hooks() {
  if (!hooks_) hooks_ = std::make_unique<Hooks>();
  return *hooks_;
}

bool Module::has_hooks() const {
  return hooks_ && !(hooks_->pre->empty() && hooks_->forward->empty() && hooks_->backward->empty());
}

RemovableHandle Module::register_forward_pre_hook(ForwardPreHook hook) {
  auto& list = hooks().pre;
  return RemovableHandle(list, list->add(std::move(hook)));
}

RemovableHandle Module::register_forward_hook(ForwardHook hook) {
  auto& list = hooks().forward;
  return RemovableHandle(list, list->add(std::move(hook)));
}

RemovableHandle Module::register_full_backward_hook(BackwardHook hook) {
  auto& list = hooks().backward;
  return RemovableHandle(list, list->add(std::move(hook)));
}

namespace {

// The positions of the tensors in `tensors` that require grad, and those tensors.
std::pair<std::vector<size_t>, std::vector<Tensor>> differentiable(const std::vector<Tensor>& tensors) {
  std::pair<std::vector<size_t>, std::vector<Tensor>> out;
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].defined() && tensors[i].requires_grad()) {
      out.first.push_back(i);
      out.second.push_back(tensors[i]);
    }
  return out;
}

// What one call of a module with backward hooks shares between its two hook nodes: the
// output side runs first in backward and leaves grad_output here for the input side.
struct BackwardHookCall {
  std::vector<Tensor> grad_output;
  size_t num_inputs = 0;
};

}  // namespace

std::vector<Tensor> Module::call(std::vector<Tensor> inputs, const ForwardOptions& options) {
  if (!has_hooks()) return forward_list(inputs, options);
  // Copies of the lists: a hook may register or remove hooks while it runs.
  const Hooks& h = *hooks_;
  for (auto [id, hook] : std::vector(h.pre->entries)) {
    std::vector<Tensor> replaced = hook(*this, inputs);
    if (!replaced.empty()) inputs = std::move(replaced);
  }
  // Backward hooks: the inputs that require grad go through one identity node (which sees
  // grad_input), the outputs through another (which sees grad_output), as PyTorch's BackwardHook.
  std::shared_ptr<BackwardHookCall> backward_call;
  auto backward_hooks = h.backward;
  Module* self = this;
  // Not structured bindings: C++17 lambdas cannot capture those.
  const std::pair<std::vector<size_t>, std::vector<Tensor>> input_split = differentiable(inputs);
  const std::vector<size_t>& input_positions = input_split.first;
  const std::vector<Tensor>& input_tensors = input_split.second;
  if (!backward_hooks->empty() && GradMode::is_enabled()) {
    backward_call = std::make_shared<BackwardHookCall>();
    backward_call->num_inputs = inputs.size();
    if (!input_tensors.empty()) {
      std::vector<Tensor> wrapped = backward_hook_identity(input_tensors, [=](const std::vector<Tensor>& grads) {
        std::vector<Tensor> grad_input(backward_call->num_inputs);
        for (size_t k = 0; k < input_positions.size(); ++k) grad_input[input_positions[k]] = grads[k];
        for (auto [id, hook] : std::vector(backward_hooks->entries)) {
          std::vector<Tensor> replaced = hook(*self, grad_input, backward_call->grad_output);
          if (replaced.empty()) continue;
          KD_CHECK(replaced.size() == grad_input.size(), ValueError, "backward hook returned ", replaced.size(),
                   " values for grad_input, expected ", grad_input.size());
          grad_input = std::move(replaced);
        }
        std::vector<Tensor> out;
        for (size_t pos : input_positions) out.push_back(grad_input[pos]);
        return out;
      });
      for (size_t k = 0; k < input_positions.size(); ++k) inputs[input_positions[k]] = wrapped[k];
    }
  }
  std::vector<Tensor> outputs = forward_list(inputs, options);
  for (auto [id, hook] : std::vector(h.forward->entries)) {
    std::vector<Tensor> replaced = hook(*this, inputs, outputs);
    if (!replaced.empty()) outputs = std::move(replaced);
  }
  if (backward_call) {
    const std::pair<std::vector<size_t>, std::vector<Tensor>> output_split = differentiable(outputs);
    const std::vector<size_t>& output_positions = output_split.first;
    const std::vector<Tensor>& output_tensors = output_split.second;
    if (!output_tensors.empty()) {
      const size_t num_outputs = outputs.size();
      const bool inputs_need_grad = !input_positions.empty();
      std::vector<Tensor> wrapped = backward_hook_identity(output_tensors, [=](const std::vector<Tensor>& grads) {
        backward_call->grad_output.assign(num_outputs, Tensor());
        for (size_t k = 0; k < output_positions.size(); ++k) backward_call->grad_output[output_positions[k]] = grads[k];
        if (!inputs_need_grad)
          for (auto [id, hook] : std::vector(backward_hooks->entries))
            hook(*self, std::vector<Tensor>(backward_call->num_inputs), backward_call->grad_output);
        return std::vector<Tensor>{};
      });
      for (size_t k = 0; k < output_positions.size(); ++k) outputs[output_positions[k]] = wrapped[k];
    }
  }
  return outputs;
}

void Module::check_name(const std::string& name, const char* what) const {
  KD_CHECK(!name.empty(), ValueError, what, " name can't be empty string \"\"");
  KD_CHECK(name.find('.') == std::string::npos, ValueError, what, " name can't contain \".\" (got \"", name, "\")");
  static const char* const kNames[] = {"", "parameter", "buffer", "module"};
  std::string kind = kNames[static_cast<int>(slot(name))];
  KD_CHECK(kind.empty() || kind == what, ValueError, "attribute '", name, "' already exists as a ", kind,
           " and can't be registered as a ", what);
}

Tensor& Module::register_parameter(const std::string& name, const Tensor& param, bool requires_grad) {
  check_name(name, "parameter");
  Tensor p;
  if (param.defined()) {
    // A tensor that already is a parameter is registered as is (sharing); anything else is
    // wrapped, as assigning a Parameter in PyTorch.
    KD_CHECK(param.is_leaf(), ValueError, "Cannot assign non-leaf Tensor to parameter '", name,
             "'. Model parameters must be created explicitly. To express '", name,
             "' as a function of another Tensor, compute the value in the forward() method.");
    p = param.impl()->is_parameter ? param : Parameter(param, requires_grad);
  }
  for (auto& [k, v] : parameters_)
    if (k == name) return v = p;
  parameters_.emplace_back(name, p);
  return parameters_.back().second;
}

Tensor& Module::register_buffer(const std::string& name, const Tensor& buffer, bool persistent) {
  check_name(name, "buffer");
  for (auto& b : buffers_)
    if (b.name == name) {
      b.tensor = buffer;
      b.persistent = persistent;
      return b.tensor;
    }
  buffers_.push_back({name, buffer, persistent});
  return buffers_.back().tensor;
}

void Module::register_module_impl(const std::string& name, std::shared_ptr<Module> module) {
  check_name(name, "module");
  KD_CHECK(module.get() != this, ValueError, "a module can't be registered as its own child ('", name, "')");
  for (auto& [k, v] : children_)
    if (k == name) {
      v = std::move(module);
      return;
    }
  children_.emplace_back(name, std::move(module));
}

Tensor& Module::param(const std::string& name) {
  for (auto& [k, v] : parameters_)
    if (k == name) return v;
  throw IndexError(str("'", type_name_, "' object has no parameter '", name, "'"));
}

const Tensor& Module::param(const std::string& name) const { return const_cast<Module*>(this)->param(name); }

bool Module::has_param(const std::string& name) const {
  for (const auto& [k, v] : parameters_)
    if (k == name) return true;
  return false;
}

Tensor& Module::buffer(const std::string& name) {
  for (auto& b : buffers_)
    if (b.name == name) return b.tensor;
  throw IndexError(str("'", type_name_, "' object has no buffer '", name, "'"));
}

std::shared_ptr<Module> Module::child(const std::string& name) const {
  for (const auto& [k, v] : children_)
    if (k == name) return v;
  throw IndexError(str("'", type_name_, "' object has no submodule '", name, "'"));
}

Module::Slot Module::slot(const std::string& name) const {
  for (const auto& [k, v] : parameters_)
    if (k == name) return Slot::Parameter;
  for (const auto& b : buffers_)
    if (b.name == name) return Slot::Buffer;
  for (const auto& [k, v] : children_)
    if (k == name) return Slot::Module;
  return Slot::None;
}

std::vector<std::string> Module::slot_names(Slot kind) const {
  std::vector<std::string> out;
  if (kind == Slot::Parameter)
    for (const auto& [k, v] : parameters_) out.push_back(k);
  if (kind == Slot::Buffer)
    for (const auto& b : buffers_) out.push_back(b.name);
  if (kind == Slot::Module)
    for (const auto& [k, v] : children_) out.push_back(k);
  return out;
}

bool Module::remove(const std::string& name) {
  auto erase = [&](auto& list, auto key_of) {
    auto it = std::find_if(list.begin(), list.end(), [&](const auto& e) { return key_of(e) == name; });
    if (it == list.end()) return false;
    list.erase(it);
    return true;
  };
  return erase(parameters_, [](const auto& e) { return e.first; }) ||
         erase(buffers_, [](const BufferSlot& b) { return b.name; }) ||
         erase(children_, [](const auto& e) { return e.first; });
}

std::shared_ptr<Module> Module::self_ptr() {
  // A module made on the stack has no owner: hand out a non-owning pointer to it.
  std::shared_ptr<Module> owned = weak_from_this().lock();
  return owned ? owned : std::shared_ptr<Module>(std::shared_ptr<Module>(), this);
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_modules(const std::string& prefix) {
  // Iterative pre-order walk; a module reachable twice is listed once (first name).
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
  std::set<const Module*> seen;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> stack{{prefix, self_ptr()}};
  while (!stack.empty()) {
    auto [name, m] = stack.back();
    stack.pop_back();
    if (!m || !seen.insert(m.get()).second) continue;
    out.emplace_back(name, m);
    for (auto it = m->children_.rbegin(); it != m->children_.rend(); ++it)
      stack.emplace_back(name.empty() ? it->first : name + "." + it->first, it->second);
  }
  return out;
}

std::vector<std::shared_ptr<Module>> Module::modules() {
  std::vector<std::shared_ptr<Module>> out;
  for (auto& [n, m] : named_modules()) out.push_back(m);
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_children() const {
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
  std::set<const Module*> seen;
  for (const auto& [k, v] : children_)
    if (v && seen.insert(v.get()).second) out.emplace_back(k, v);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (auto& [n, m] : named_children()) out.push_back(m);
  return out;
}

NamedTensors Module::named_tensors(bool recurse, bool buffers) const {
  // Dotted names over this module (and its submodules when recurse); a tensor reachable under
  // two names is listed once, under the first, as PyTorch's named_parameters/named_buffers.
  NamedTensors out;
  std::set<const TensorImpl*> seen;
  auto self = const_cast<Module*>(this);
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> mods;
  if (recurse) mods = self->named_modules();
  else mods.emplace_back("", self->self_ptr());
  auto add = [&](const std::string& prefix, const std::string& name, const Tensor& t) {
    if (t.defined() && seen.insert(t.impl()).second) out.emplace_back(prefix.empty() ? name : prefix + "." + name, t);
  };
  for (const auto& [prefix, m] : mods) {
    if (buffers) {
      for (const auto& b : m->buffers_) add(prefix, b.name, b.tensor);
    } else {
      for (const auto& [name, t] : m->parameters_) add(prefix, name, t);
    }
  }
  return out;
}

NamedTensors Module::named_parameters(bool recurse) const { return named_tensors(recurse, false); }
NamedTensors Module::named_buffers(bool recurse) const { return named_tensors(recurse, true); }

namespace {
std::vector<Tensor> values_of(const NamedTensors& named) {
  std::vector<Tensor> out;
  for (const auto& [name, t] : named) out.push_back(t);
  return out;
}
}  // namespace

std::vector<Tensor> Module::parameters(bool recurse) const { return values_of(named_parameters(recurse)); }
std::vector<Tensor> Module::buffers(bool recurse) const { return values_of(named_buffers(recurse)); }

void Module::collect_state(const std::string& prefix, NamedTensors& out) const {
  for (const auto& [k, v] : parameters_)
    if (v.defined()) out.emplace_back(prefix + k, v.detach());
  for (const auto& b : buffers_)
    if (b.tensor.defined() && b.persistent) out.emplace_back(prefix + b.name, b.tensor.detach());
  for (const auto& [k, m] : children_)
    if (m) m->collect_state(prefix + k + ".", out);
}

NamedTensors Module::state_dict() const {
  NamedTensors out;
  collect_state("", out);
  return out;
}

namespace {
std::string torch_size(const Shape& s) {
  std::string out = "torch.Size([";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "])";
}
}  // namespace

LoadStateDictResult Module::load_state_dict(const NamedTensors& state, bool strict) {
  // Where each key of our own state lives (aliases of the real parameters and buffers).
  NamedTensors own = state_dict();
  LoadStateDictResult result;
  std::vector<std::string> mismatches;
  std::vector<std::pair<Tensor, Tensor>> copies;  // (destination, source)
  std::set<std::string> provided;
  for (const auto& entry : state) {
    const std::string& k = entry.first;  // a plain reference: lambdas can't capture bindings in C++17
    const Tensor& v = entry.second;
    KD_CHECK(provided.insert(k).second, ValueError, "load_state_dict: key \"", k, "\" appears twice");
    auto it = std::find_if(own.begin(), own.end(), [&](const auto& p) { return p.first == k; });
    if (it == own.end()) {
      result.unexpected_keys.push_back(k);
      continue;
    }
    KD_CHECK(v.defined(), ValueError, "load_state_dict: value for \"", k, "\" is undefined");
    if (v.shape() != it->second.shape()) {
      mismatches.push_back(str("size mismatch for ", k, ": copying a param with shape ", torch_size(v.shape()),
                               " from checkpoint, the shape in current model is ", torch_size(it->second.shape()), "."));
      continue;
    }
    copies.emplace_back(it->second, v);
  }
  for (const auto& [k, v] : own)
    if (!provided.count(k)) result.missing_keys.push_back(k);

  std::vector<std::string> errors;
  auto quoted = [](const std::vector<std::string>& keys) {
    std::string s;
    for (size_t i = 0; i < keys.size(); ++i) s += (i ? ", \"" : "\"") + keys[i] + "\"";
    return s;
  };
  if (strict && !result.missing_keys.empty()) errors.push_back("Missing key(s) in state_dict: " + quoted(result.missing_keys) + ". ");
  if (strict && !result.unexpected_keys.empty())
    errors.push_back("Unexpected key(s) in state_dict: " + quoted(result.unexpected_keys) + ". ");
  errors.insert(errors.end(), mismatches.begin(), mismatches.end());
  if (!errors.empty()) {
    std::string msg = "Error(s) in loading state_dict for " + type_name_ + ":";
    for (const std::string& e : errors) msg += "\n\t" + e;
    throw StateError(msg);
  }
  NoGradGuard no_grad;
  for (auto& [dst, src] : copies) Tensor(dst).copy_(src);
  return result;
}

Module& Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& m : children()) m->apply(fn);
  fn(*this);
  return *this;
}

Module& Module::train(bool on) {
  for (auto& [name, m] : named_modules()) {
    m->training_ = on;
    m->on_train(on);
  }
  return *this;
}

void Module::zero_grad(bool set_to_none) {
  for (Tensor& p : parameters()) zero_param_grad(p, set_to_none);
}

Module& Module::requires_grad_(bool requires_grad) {
  for (Tensor& p : parameters()) p.requires_grad_(requires_grad);
  return *this;
}

std::string Module::to_string() const {
  std::vector<std::string> lines;
  std::string extra = extra_repr();
  if (!extra.empty()) {
    for (size_t start = 0; start < extra.size();) {
      size_t end = std::min(extra.find('\n', start), extra.size());
      lines.push_back(extra.substr(start, end - start));
      start = end + 1;
    }
  }
  for (const auto& [k, m] : children_) {
    std::string child = m ? m->to_string() : "None";
    // Indent every line after the first by two spaces, as torch's _addindent.
    std::string indented;
    for (char c : child) {
      indented += c;
      if (c == '\n') indented += "  ";
    }
    lines.push_back("(" + k + "): " + indented);
  }
  std::string out = type_name_ + "(";
  if (!lines.empty()) {
    if (extra.find('\n') == std::string::npos && children_.empty()) {
      out += extra;
    } else {
      out += "\n";
      for (const std::string& l : lines) out += "  " + l + "\n";
    }
  }
  return out + ")";
}

}  // namespace kd::nn
