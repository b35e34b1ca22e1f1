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
#pragma once

#include <functional>
#include <vector>

#include "optim/optimizer.h"

namespace kd {
namespace optim {

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

  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_;
  int64_t step_count_ = 0;
  std::vector<double> last_lr_;
};

// lr = base_lr * lr_lambda(epoch), one function for all groups or one per group.
class LambdaLR : public LRScheduler {
 public:
  using Lambda = std::function<double(int64_t epoch)>;
  LambdaLR(Optimizer& optimizer, Lambda lr_lambda, int64_t last_epoch = -1);
  LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  std::vector<Lambda> lr_lambdas_;
};

// lr *= gamma every step_size epochs.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  int64_t step_size_;
  double gamma_;
};

// lr *= gamma^(times the epoch appears in milestones) at each milestone.
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  std::vector<int64_t> milestones_;
  double gamma_;
};

// lr *= gamma every epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  double gamma_;
};

// Cosine annealing from base_lr to eta_min over T_max epochs (and back, periodically), in
// PyTorch's recursive form.
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  int64_t T_max_;
  double eta_min_;
};

// lr factor moving linearly from start_factor to end_factor over total_iters epochs.
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int64_t total_iters = 5,
           int64_t last_epoch = -1);

 protected:
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
  OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options);
  int64_t total_steps() const { return total_steps_; }

 protected:
  std::vector<double> get_lr() override;
  void check_step(int64_t next_epoch) const override;

  struct Phase {
    double end_step;
    int start_lr, end_lr, start_momentum, end_momentum;  // indices into a group's values below
  };
  // Per group: initial_lr, max_lr, min_lr, max_momentum, base_momentum.
  std::vector<std::vector<double>> values_;
  std::vector<Phase> phases_;
  OneCycleLROptions options_;
  int64_t total_steps_;
};

}  // namespace optim
}  // namespace kd
