#include "optim/optimizer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "autograd/grad_mode.h"
#include "ops/ops.h"
#include "tensor/sparse.h"

namespace kd {
namespace optim {

// ---------------------------------------------------------------------------------------------
// OptimizerOptions, ParamGroup

double OptimizerOptions::get_cycle_momentum() const {
  throw ValueError("optimizer must support momentum with `cycle_momentum` option enabled");
}
void OptimizerOptions::set_cycle_momentum(double) {
  throw ValueError("optimizer must support momentum with `cycle_momentum` option enabled");
}

ParamGroup::ParamGroup(std::vector<Tensor> params) : params(std::move(params)) {}
ParamGroup::ParamGroup(std::vector<Tensor> params, const OptimizerOptions& options)
    : params(std::move(params)), options(options.clone()) {}
ParamGroup::ParamGroup(std::vector<Tensor> params, Json overrides)
    : params(std::move(params)), overrides(std::move(overrides)) {
  KD_CHECK(this->overrides.is_object(), TypeError, "param group overrides must be a JSON object, got ",
           this->overrides.type_name());
}
ParamGroup::ParamGroup(const ParamGroup& other)
    : params(other.params),
      options(other.options ? other.options->clone() : nullptr),
      overrides(other.overrides),
      initial_lr(other.initial_lr) {}
ParamGroup& ParamGroup::operator=(const ParamGroup& other) {
  if (this != &other) {
    params = other.params;
    options = other.options ? other.options->clone() : nullptr;
    overrides = other.overrides;
    initial_lr = other.initial_lr;
  }
  return *this;
}

double ParamGroup::lr() const {
  KD_CHECK(options != nullptr, StateError, "param group has no options yet (add it to an optimizer first)");
  return options->get_lr();
}
void ParamGroup::set_lr(double lr) {
  KD_CHECK(options != nullptr, StateError, "param group has no options yet (add it to an optimizer first)");
  options->set_lr(lr);
}

namespace detail {

std::string format_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // Python's repr: the shortest digits that read back to the same double, written in
  // positional notation when the decimal exponent is in [-4, 16) (30.0, 0.001), else as 1e-05.
  char buf[40];
  int digits = 1;
  for (; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof(buf), "%.*e", digits - 1, value);
    if (std::strtod(buf, nullptr) == value) break;
  }
  const int exponent = std::atoi(std::strchr(buf, 'e') + 1);
  if (exponent >= -4 && exponent < 16) {
    std::snprintf(buf, sizeof(buf), "%.*f", std::max(1, digits - 1 - exponent), value);
  } else {
    std::snprintf(buf, sizeof(buf), "%.*g", digits, value);
  }
  std::string s = buf;
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

bool has_gradient(const Tensor& param) {
  return param.impl()->grad != nullptr || param.impl()->sparse_grad != nullptr;
}

float* param_data(const Tensor& param, const char* optimizer) {
  KD_CHECK(param.is_contiguous(), StateError, optimizer, ": parameters must be contiguous (got strides ",
           shape_str(param.strides()), " for shape ", shape_str(param.shape()), ")");
  return param.data<float>();
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Optimizer

Optimizer::Optimizer(std::vector<ParamGroup> groups, const OptimizerOptions& defaults) : defaults_(defaults.clone()) {
  defaults_->validate();
  // PyTorch raises only for an empty list; a list of empty groups is allowed.
  KD_CHECK(!groups.empty(), ValueError, "optimizer got an empty parameter list");
  // Derived constructors add the groups (so that their init_state override is used).
  pending_groups_ = std::move(groups);
}

std::vector<ParamGroup> Optimizer::single_group(std::vector<Tensor> params) {
  KD_CHECK(!params.empty(), ValueError, "optimizer got an empty parameter list");
  std::vector<ParamGroup> groups;
  groups.emplace_back(std::move(params));
  return groups;
}

void Optimizer::add_pending_groups() {
  std::vector<ParamGroup> groups = std::move(pending_groups_);
  pending_groups_.clear();
  for (ParamGroup& g : groups) add_param_group(std::move(g));
}

void Optimizer::add_param_group(ParamGroup group) {
  for (const Tensor& p : group.params) {
    KD_CHECK(p.defined(), TypeError, "optimizer can only optimize Tensors, but one of the params is undefined");
    KD_CHECK(p.is_leaf() || p.impl()->retains_grad, ValueError, "can't optimize a non-leaf Tensor");
    KD_CHECK(p.dtype() == DType::Float32, TypeError, "optimizer can only optimize float32 Tensors, but one of the params is ",
             dtype_name(p.dtype()));
  }
  std::unique_ptr<OptimizerOptions> options;
  if (group.options) {
    KD_CHECK(std::string(group.options->optimizer_name()) == defaults_->optimizer_name(), TypeError,
             "param group options are ", group.options->optimizer_name(), "Options but the optimizer is ",
             defaults_->optimizer_name());
    options = group.options->clone();
  } else {
    options = defaults_->clone();
  }
  if (group.overrides.size() > 0) options->from_json(group.overrides, /*require_all=*/false);
  options->validate();

  std::set<const TensorImpl*> in_group;
  for (const Tensor& p : group.params) {
    // PyTorch only warns here ("in future, this will cause an error"); a parameter listed twice
    // would be updated twice per step, so Kindling raises now.
    KD_CHECK(in_group.insert(p.impl()).second, ValueError,
             "optimizer contains a parameter group with duplicate parameters");
  }
  for (const ParamGroup& g : groups_) {
    for (const Tensor& p : g.params) {
      KD_CHECK(in_group.count(p.impl()) == 0, ValueError, "some parameters appear in more than one parameter group");
    }
  }
  group.options = std::move(options);
  group.overrides = Json::object();
  for (const Tensor& p : group.params) init_state(p, *group.options);
  groups_.push_back(std::move(group));
}

void Optimizer::zero_grad(bool set_to_none) {
  for (ParamGroup& g : groups_) {
    for (Tensor& p : g.params) zero_param_grad(p, set_to_none);
  }
}

const ParamState* Optimizer::state(const Tensor& param) const {
  auto it = state_.find(param.impl());
  return it == state_.end() ? nullptr : &it->second;
}

OptimizerStateDict Optimizer::state_dict() const {
  NoGradGuard no_grad;
  OptimizerStateDict out;
  int64_t index = 0;
  for (const ParamGroup& g : groups_) {
    Json packed = g.options->to_json();
    if (g.initial_lr >= 0) packed.set("initial_lr", g.initial_lr);
    Json indices = Json::array();
    for (const Tensor& p : g.params) {
      auto it = state_.find(p.impl());
      if (it != state_.end()) {
        ParamState copy;
        copy.step = it->second.step;
        for (const auto& kv : it->second.buffers) copy.buffers[kv.first] = kv.second.clone();
        out.state[index] = std::move(copy);
      }
      indices.push_back(index++);
    }
    packed.set("params", indices);
    out.param_groups.push_back(std::move(packed));
  }
  return out;
}

void Optimizer::load_state_dict(const OptimizerStateDict& sd) {
  // ---- validate everything first ----
  KD_CHECK(sd.param_groups.is_array(), ValueError, "loaded state dict: param_groups must be a list");
  KD_CHECK(sd.param_groups.size() == groups_.size(), ValueError,
           "loaded state dict has a different number of parameter groups");
  std::map<int64_t, Tensor> id_map;
  std::vector<std::unique_ptr<OptimizerOptions>> new_options;
  std::vector<double> new_initial_lr;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    const Json& saved = sd.param_groups[gi];
    KD_CHECK(saved.is_object() && saved.contains("params") && saved["params"].is_array(), ValueError,
             "loaded state dict: param group ", gi, " must be an object with a \"params\" list");
    const Json& indices = saved["params"];
    KD_CHECK(indices.size() == groups_[gi].params.size(), ValueError,
             "loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
    for (size_t k = 0; k < indices.size(); ++k) {
      KD_CHECK(indices[k].is_integer(), ValueError, "loaded state dict: param group ", gi,
               " has a parameter index that is not an integer");
      bool fresh = id_map.emplace(indices[k].as_int(), groups_[gi].params[k]).second;
      KD_CHECK(fresh, ValueError, "loaded state dict: parameter index ", indices[k].as_int(), " appears twice");
    }
    Json options_json = Json::object();
    double initial_lr = groups_[gi].initial_lr;
    for (const auto& kv : saved.as_object()) {
      if (kv.first == "params") continue;
      // Keys PyTorch saves that have no meaning here.
      if (kv.first == "foreach" || kv.first == "capturable" || kv.first == "differentiable" || kv.first == "fused") {
        continue;
      }
      if (kv.first == "initial_lr") {
        KD_CHECK(kv.second.is_number(), ValueError, "loaded state dict: initial_lr must be a number");
        initial_lr = kv.second.as_double();
        continue;
      }
      options_json.set(kv.first, kv.second);
    }
    std::unique_ptr<OptimizerOptions> options = groups_[gi].options->clone();
    options->from_json(options_json, /*require_all=*/true);
    options->validate();
    new_options.push_back(std::move(options));
    new_initial_lr.push_back(initial_lr);
  }
  std::vector<std::string> allowed = state_buffer_names();
  for (const auto& kv : sd.state) {
    auto it = id_map.find(kv.first);
    KD_CHECK(it != id_map.end(), ValueError, "loaded state dict has state for parameter index ", kv.first,
             " which is in no parameter group");
    const Tensor& param = it->second;
    KD_CHECK(kv.second.step >= 0, ValueError, "loaded state dict: step of parameter ", kv.first, " is negative");
    for (const auto& buf : kv.second.buffers) {
      bool known = false;
      for (const std::string& name : allowed) known = known || name == buf.first;
      KD_CHECK(known, ValueError, "loaded state dict: ", name(), " has no state named \"", buf.first, "\" (parameter ",
               kv.first, ")");
      KD_CHECK(buf.second.defined(), ValueError, "loaded state dict: state \"", buf.first, "\" of parameter ", kv.first,
               " is undefined");
      KD_CHECK(buf.second.dtype() == DType::Float32, ValueError, "loaded state dict: state \"", buf.first,
               "\" of parameter ", kv.first, " must be float32, got ", dtype_name(buf.second.dtype()));
      KD_CHECK(buf.second.shape() == param.shape(), ValueError, "loaded state dict: state \"", buf.first,
               "\" of parameter ", kv.first, " has shape ", shape_str(buf.second.shape()), " but the parameter has shape ",
               shape_str(param.shape()));
    }
  }

  // ---- commit ----
  NoGradGuard no_grad;
  for (const ParamGroup& g : groups_) {
    for (const Tensor& p : g.params) state_.erase(p.impl());
  }
  for (const auto& kv : sd.state) {
    ParamState copy;
    copy.step = kv.second.step;
    for (const auto& buf : kv.second.buffers) copy.buffers[buf.first] = buf.second.contiguous().clone();
    state_[id_map.at(kv.first).impl()] = std::move(copy);
  }
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    groups_[gi].options = std::move(new_options[gi]);
    groups_[gi].initial_lr = new_initial_lr[gi];
  }
}

}  // namespace optim
}  // namespace kd
