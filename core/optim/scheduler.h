// Learning-rate schedulers (torch.optim.lr_scheduler, PyTorch 1.13).
//
// As in PyTorch: constructing a scheduler records each group's initial_lr (when last_epoch is
// -1) and performs the first step (last_epoch becomes 0), so the optimizer's lrs already hold
// the epoch-0 values. Each step() then advances last_epoch by one and writes every group's lr.
// The schedulers that PyTorch writes in "chainable" (recursive) form — StepLR, MultiStepLR,
// ExponentialLR, CosineAnnealingLR, LinearLR — compute the new lr from the group's current lr
// with the same formula, so the float sequence matches PyTorch's exactly (not its closed form).
//
// A scheduler keeps a reference to its optimizer, which must outlive it.
//
// state_dict() is PyTorch's: the scheduler's own fields under torch's keys ("step_size",
// "gamma", "T_max", ...), then "base_lrs", "last_epoch", "verbose", "_step_count",
// "_get_lr_called_within_step" and "_last_lr", as JSON. The learning rates themselves live in
// the optimizer's param groups, so resuming a run loads both: a fresh optimizer and scheduler,
// optimizer.load_state_dict(...) and scheduler.load_state_dict(...), and the following steps
// give the same lrs as an unbroken run, bit for bit.
#pragma once

#include <functional>
#include <limits>
#include <vector>

#include "optim/optimizer.h"

namespace kd {
namespace optim {

// Each scheduler lists its state once, in state_fields(SchedulerStateFields&); the same list
// writes state_dict(), checks a loaded one and then assigns it (three passes, so that a bad
// value anywhere changes nothing). A key missing from a loaded state keeps its value, as
// torch's `__dict__.update`; unknown keys, wrong types and out-of-range values raise
// ValueError naming the scheduler and the key.
class SchedulerStateFields {
 public:
  enum class Mode { Write, Check, Assign };
  SchedulerStateFields(Mode mode, const char* scheduler, size_t groups, const Json* in = nullptr);

  void integer(const char* key, int64_t& value, int64_t min = std::numeric_limits<int64_t>::min());
  void number(const char* key, double& value, double lo = -std::numeric_limits<double>::infinity(),
              double hi = std::numeric_limits<double>::infinity());
  void boolean(const char* key, bool& value);
  // One number per param group.
  void per_group(const char* key, std::vector<double>& values);
  // A value with its own JSON form: encode(value) writes it; decode(json) reads one, raising
  // ValueError (via fail()) when it is malformed.
  template <typename T, typename Encode, typename Decode>
  void custom(const char* key, T& value, Encode encode, Decode decode) {
    if (mode_ == Mode::Write) {
      out_.set(key, encode(value));
      return;
    }
    const Json* j = take(key);
    if (!j) return;
    T parsed = decode(*j);
    if (mode_ == Mode::Assign) value = std::move(parsed);
  }
  [[noreturn]] void fail(const char* key, const std::string& expected, const Json& got) const;
  size_t groups() const { return groups_; }
  bool writing() const { return mode_ == Mode::Write; }

  // Rejects keys no field asked for (Check and Assign).
  void finish() const;
  Json take_output() { return std::move(out_); }

 private:
  const Json* take(const char* key);
  Mode mode_;
  const char* scheduler_;
  size_t groups_;
  const Json* in_;
  std::vector<std::string> seen_;
  Json out_ = Json::object();
};

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  void step();
  // The lrs the last step() wrote, one per group.
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }

  // PyTorch's name for the class ("StepLR"), used in messages.
  virtual const char* name() const = 0;
  Json state_dict() const;
  // Checks everything, then sets every key given (the optimizer is not touched).
  void load_state_dict(const Json& state);
  // load_state_dict's checks alone: raises what it would raise, changes nothing.
  void check_state_dict(const Json& state);

 protected:
  // last_epoch == -1 starts a schedule; any other value resumes one and requires every group
  // to have its initial_lr set (ValueError otherwise, PyTorch's KeyError).
  LRScheduler(Optimizer& optimizer, int64_t last_epoch);
  // Derived constructors call this last (PyTorch's _initial_step).
  void initial_step();
  // The lrs for last_epoch_ (already advanced).
  virtual std::vector<double> get_lr() = 0;
  // Checks that may reject a step before anything changes (OneCycleLR's step limit).
  virtual void check_step(int64_t next_epoch) const {}
  std::vector<double> group_lrs() const;
  // The scheduler's own fields (the base class's follow them in state_dict()).
  virtual void state_fields(SchedulerStateFields& fields) = 0;
  // base_lrs, last_epoch, _step_count, _last_lr and torch's two flags.
  void base_state_fields(SchedulerStateFields& fields);

  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_;
  int64_t step_count_ = 0;
  std::vector<double> last_lr_;
};

// lr = base_lr * lr_lambda(epoch), one function for all groups or one per group.
class LambdaLR : public LRScheduler {
 public:
  const char* name() const override { return "LambdaLR"; }
  using Lambda = std::function<double(int64_t epoch)>;
  LambdaLR(Optimizer& optimizer, Lambda lr_lambda, int64_t last_epoch = -1);
  LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas, int64_t last_epoch = -1);

 protected:
  void state_fields(SchedulerStateFields& fields) override;
  std::vector<double> get_lr() override;
  std::vector<Lambda> lr_lambdas_;
};

// lr *= gamma every step_size epochs.
class StepLR : public LRScheduler {
 public:
  const char* name() const override { return "StepLR"; }
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1, int64_t last_epoch = -1);

 protected:
  void state_fields(SchedulerStateFields& fields) override;
  std::vector<double> get_lr() override;
  int64_t step_size_;
  double gamma_;
};

// lr *= gamma^(times the epoch appears in milestones) at each milestone.
class MultiStepLR : public LRScheduler {
 public:
  const char* name() const override { return "MultiStepLR"; }
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1, int64_t last_epoch = -1);

 protected:
  void state_fields(SchedulerStateFields& fields) override;
  std::vector<double> get_lr() override;
  std::vector<int64_t> milestones_;
  double gamma_;
};

// lr *= gamma every epoch.
class ExponentialLR : public LRScheduler {
 public:
  const char* name() const override { return "ExponentialLR"; }
  ExponentialLR(Optimizer& optimizer, double gamma, int64_t last_epoch = -1);

 protected:
  void state_fields(SchedulerStateFields& fields) override;
  std::vector<double> get_lr() override;
  double gamma_;
};

// Cosine annealing from base_lr to eta_min over T_max epochs (and back, periodically), in
// PyTorch's recursive form.
class CosineAnnealingLR : public LRScheduler {
 public:
  const char* name() const override { return "CosineAnnealingLR"; }
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0, int64_t last_epoch = -1);

 protected:
  void state_fields(SchedulerStateFields& fields) override;
  std::vector<double> get_lr() override;
  int64_t T_max_;
  double eta_min_;
};

// lr factor moving linearly from start_factor to end_factor over total_iters epochs.
class LinearLR : public LRScheduler {
 public:
  const char* name() const override { return "LinearLR"; }
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int64_t total_iters = 5,
           int64_t last_epoch = -1);

 protected:
  void state_fields(SchedulerStateFields& fields) override;
  std::vector<double> get_lr() override;
  double start_factor_, end_factor_;
  int64_t total_iters_;
};

enum class AnnealStrategy { Cos, Linear };

struct OneCycleLROptions {
  // max_lr: one value for every group, or one per group. total_steps, or epochs and
  // steps_per_epoch (total_steps = epochs * steps_per_epoch), must be given.
  explicit OneCycleLROptions(std::vector<double> max_lr) : max_lr_(std::move(max_lr)) {}
  explicit OneCycleLROptions(double max_lr) : max_lr_{max_lr} {}
  KD_OPTION(OneCycleLROptions, std::vector<double>, max_lr);
  KD_OPTION(OneCycleLROptions, int64_t, total_steps) = -1;          // default: none
  KD_OPTION(OneCycleLROptions, int64_t, epochs) = -1;               // default: none
  KD_OPTION(OneCycleLROptions, int64_t, steps_per_epoch) = -1;      // default: none
  KD_OPTION(OneCycleLROptions, double, pct_start) = 0.3;            // default 0.3
  KD_OPTION(OneCycleLROptions, AnnealStrategy, anneal_strategy) = AnnealStrategy::Cos;  // default cos
  KD_OPTION(OneCycleLROptions, bool, cycle_momentum) = true;        // default true
  KD_OPTION(OneCycleLROptions, double, base_momentum) = 0.85;       // default 0.85
  KD_OPTION(OneCycleLROptions, double, max_momentum) = 0.95;        // default 0.95
  KD_OPTION(OneCycleLROptions, double, div_factor) = 25;            // initial_lr = max_lr / div_factor
  KD_OPTION(OneCycleLROptions, double, final_div_factor) = 1e4;     // min_lr = initial_lr / final_div_factor
  KD_OPTION(OneCycleLROptions, bool, three_phase) = false;          // default false
  KD_OPTION(OneCycleLROptions, int64_t, last_epoch) = -1;           // default -1
};

// The 1cycle policy: lr rises from initial_lr to max_lr over pct_start of the steps, then
// anneals to min_lr (three_phase: back to initial_lr first, then to min_lr). With
// cycle_momentum the momentum (SGD, RMSprop) or beta1 (Adam, AdamW, SparseAdam) moves the
// opposite way between max_momentum and base_momentum. Stepping past total_steps raises
// ValueError (before changing anything).
class OneCycleLR : public LRScheduler {
 public:
  const char* name() const override { return "OneCycleLR"; }
  OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options);
  int64_t total_steps() const { return total_steps_; }

 protected:
  void state_fields(SchedulerStateFields& fields) override;
  std::vector<double> get_lr() override;
  void check_step(int64_t next_epoch) const override;

  struct Phase {
    double end_step;
    int start_lr, end_lr, start_momentum, end_momentum;  // indices into a group's values below
  };
  // Per group: initial_lr, max_lr, min_lr, max_momentum, base_momentum.
  std::vector<std::vector<double>> values_;
  std::vector<Phase> phases_;
  AnnealStrategy anneal_strategy_;
  bool cycle_momentum_;
  int64_t total_steps_;
};

}  // namespace optim
}  // namespace kd
