// Optimizers: the base class, parameter groups, per-parameter state and its state_dict.
//
// Semantics follow torch.optim in PyTorch 1.13 (the single-tensor, non-foreach code path):
// - An optimizer holds parameter groups. Each group has its tensors and a full set of options
//   (lr, momentum, ...). A group built without options takes the optimizer's defaults; a group
//   built with Json overrides takes the defaults with those keys replaced (PyTorch's
//   `{'params': [...], 'lr': 0.01}`).
// - step() skips every parameter whose grad is undefined and that has no sparse_grad: its
//   values and its state stay exactly as they were (frozen parameters).
// - Updates run under NoGradGuard and write the parameter's storage in place, then bump its
//   version counter (as `param.add_` does in PyTorch).
// - state_dict() keys per-parameter state by the parameter's position over all groups in order
//   (0, 1, 2, ... as PyTorch packs it), and saves each group's options next to its indices.
//
// Optimizers take tensors, not modules: pass `module.parameters()` (nn is built on top of this).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "tensor/tensor.h"
#include "util/json.h"
#include "util/option_fields.h"

namespace kd {
namespace optim {

// An option with a chained setter and a getter, as torch's C++ TORCH_ARG:
//   SGDOptions(0.1).momentum(0.9).nesterov(true);   double m = opts.momentum();
// Write the default after the macro: `KD_OPTION(SGDOptions, double, momentum) = 0;`.
#define KD_OPTION(Self, T, name)          \
 public:                                  \
  Self& name(T value) {                   \
    name##_ = value;                      \
    return *this;                         \
  }                                       \
  T name() const { return name##_; }      \
                                          \
 private:                                 \
  T name##_

// Options shared by every optimizer's options struct. Subclasses serialize themselves to the
// same key names PyTorch uses in `param_groups` ("lr", "betas", "weight_decay", ...).
struct OptimizerOptions {
  virtual ~OptimizerOptions() = default;
  virtual std::unique_ptr<OptimizerOptions> clone() const = 0;
  virtual const char* optimizer_name() const = 0;

  virtual double get_lr() const = 0;
  virtual void set_lr(double lr) = 0;

  // Throws ValueError with PyTorch's message ("Invalid learning rate: -1") when out of range.
  virtual void validate() const = 0;

  // {"lr": 0.1, "momentum": 0.9, ...}
  virtual Json to_json() const = 0;
  // Reads the keys present in `json` (all of them when require_all). Unknown keys, wrong
  // types and out-of-range values raise ValueError. Leaves *this unchanged on error.
  virtual void from_json(const Json& json, bool require_all) = 0;

  // The value OneCycleLR cycles: SGD's and RMSprop's momentum, Adam's and AdamW's beta1.
  virtual bool has_cycle_momentum() const { return false; }
  virtual double get_cycle_momentum() const;
  virtual void set_cycle_momentum(double value);
};

// What OneCycleLR cycles along with the learning rate, if anything.
enum class CycleMomentum { None, Momentum, Beta1 };

// The overrides every options struct shares, written once (CRTP): copying; the learning rate
// and the cycled momentum read and written through the struct's own accessors; and to_json /
// from_json generated from the struct's one list of its fields:
//   struct SGDOptions : OptionsFor<SGDOptions, CycleMomentum::Momentum> {
//     template <typename Visitor> void fields(Visitor& v) { v.number("lr", lr_); ... }
//   };
template <typename Self, CycleMomentum kCycle = CycleMomentum::None>
struct OptionsFor : OptimizerOptions {
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<Self>(self()); }
  double get_lr() const override { return self().lr(); }
  void set_lr(double lr) override { mutable_self().lr(lr); }
  bool has_cycle_momentum() const override { return kCycle != CycleMomentum::None; }
  double get_cycle_momentum() const override {
    if constexpr (kCycle == CycleMomentum::Momentum) return self().momentum();
    else if constexpr (kCycle == CycleMomentum::Beta1) return self().betas().first;
    else return OptimizerOptions::get_cycle_momentum();
  }
  void set_cycle_momentum(double value) override {
    if constexpr (kCycle == CycleMomentum::Momentum) mutable_self().momentum(value);
    else if constexpr (kCycle == CycleMomentum::Beta1) mutable_self().betas({value, self().betas().second});
    else OptimizerOptions::set_cycle_momentum(value);
  }
  Json to_json() const override {
    Self copy = self();
    OptionWriter writer;
    copy.fields(writer);
    return writer.take();
  }
  // Reads into a copy and assigns only when every key was valid and the values are in range
  // (validate(), PyTorch's messages): on error nothing changes.
  void from_json(const Json& json, bool require_all) override {
    Self next = self();
    OptionReader reader(json, self().optimizer_name(), require_all);
    next.fields(reader);
    reader.finish();
    next.validate();
    mutable_self() = next;
  }

 private:
  const Self& self() const { return static_cast<const Self&>(*this); }
  Self& mutable_self() { return static_cast<Self&>(*this); }
};

// A set of parameters optimized with the same options.
struct ParamGroup {
  std::vector<Tensor> params;
  // Null until the group is added to an optimizer, which fills in its defaults.
  std::unique_ptr<OptimizerOptions> options;
  // Keys to change on top of the optimizer's defaults, applied by add_param_group.
  Json overrides = Json::object();
  // Set by LR schedulers (PyTorch's group['initial_lr']), -1 when unset.
  double initial_lr = -1;

  ParamGroup(std::vector<Tensor> params);  // NOLINT: the optimizer's defaults
  ParamGroup(std::vector<Tensor> params, const OptimizerOptions& options);
  ParamGroup(std::vector<Tensor> params, Json overrides);
  ParamGroup(const ParamGroup& other);
  ParamGroup& operator=(const ParamGroup& other);
  ParamGroup(ParamGroup&&) = default;
  ParamGroup& operator=(ParamGroup&&) = default;

  // The group's learning rate, which schedulers read and write.
  double lr() const;
  void set_lr(double lr);

  // The options as the optimizer's own type, e.g. group.options_as<SGDOptions>().momentum(0.5).
  template <typename Options>
  Options& options_as() const {
    auto* typed = dynamic_cast<Options*>(options.get());
    KD_CHECK(typed != nullptr, TypeError, "param group options are not of the requested type");
    return *typed;
  }
};

// State the optimizer keeps for one parameter. Which buffers exist depends on the optimizer
// and its options, with PyTorch's names: "momentum_buffer" (SGD, RMSprop), "exp_avg",
// "exp_avg_sq", "max_exp_avg_sq" (Adam, AdamW, SparseAdam), "sum" (Adagrad), "square_avg",
// "grad_avg" (RMSprop). Every buffer has the parameter's shape and is float32.
struct ParamState {
  int64_t step = 0;
  std::map<std::string, Tensor> buffers;
};

// PyTorch's optimizer.state_dict(): {'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}.
// Buffers are independent copies (changing them does not change the optimizer).
struct OptimizerStateDict {
  std::map<int64_t, ParamState> state;
  Json param_groups = Json::array();  // each: the group's options plus "params": [indices]
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient.
  virtual void step() = 0;

  // Zeroes every parameter's grad in place (set_to_none=false, PyTorch 1.13's default) or
  // drops it (set_to_none=true), as kd::zero_param_grad. A zeroed sparse_grad has no rows, and
  // the parameter still counts as having a gradient at the next step, as in PyTorch.
  void zero_grad(bool set_to_none = false);

  // Appends a group. Errors as PyTorch: undefined or non-leaf tensors, a tensor already in
  // another group, options of another optimizer's type, invalid option values.
  void add_param_group(ParamGroup group);

  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  const OptimizerOptions& defaults() const { return *defaults_; }
  const char* name() const { return defaults_->optimizer_name(); }

  // The state of one parameter, nullptr when it has none yet.
  const ParamState* state(const Tensor& param) const;

  OptimizerStateDict state_dict() const;
  // Validates everything (group count and sizes, indices, buffer names, shapes and dtypes,
  // option values) before changing anything; then replaces the state and every group's
  // options (the groups keep their own tensors), as PyTorch does.
  void load_state_dict(const OptimizerStateDict& state_dict);

 protected:
  // Validates the defaults and keeps the groups; the derived constructor must then call
  // add_pending_groups() (so that add_param_group reaches its init_state override).
  Optimizer(std::vector<ParamGroup> groups, const OptimizerOptions& defaults);
  void add_pending_groups();
  // The single group of an optimizer built from a list of tensors ("optimizer got an empty
  // parameter list" when there are none).
  static std::vector<ParamGroup> single_group(std::vector<Tensor> params);

  // Called by add_param_group for each new parameter (Adagrad initializes its state eagerly).
  virtual void init_state(const Tensor& param, const OptimizerOptions& options) {}
  // Names a saved state entry may have, for load_state_dict's validation.
  virtual std::vector<std::string> state_buffer_names() const = 0;

  ParamState& state_for(const Tensor& param) { return state_[param.impl()]; }

  std::vector<ParamGroup> groups_;
  std::unique_ptr<OptimizerOptions> defaults_;
  std::unordered_map<const TensorImpl*, ParamState> state_;

 private:
  std::vector<ParamGroup> pending_groups_;
};

namespace detail {
// Helpers shared by the optimizer implementations.
std::string format_number(double value);  // as Python prints a float in messages: 0.1, -1.0
bool has_gradient(const Tensor& param);    // dense grad or sparse_grad present

// A float32 parameter's values as a contiguous pointer (parameters are contiguous leaves).
float* param_data(const Tensor& param, const char* optimizer);
}  // namespace detail

}  // namespace optim
}  // namespace kd
