#include "optim/scheduler.h"

#include <algorithm>
#include <cmath>

namespace kd {
namespace optim {

namespace {
constexpr double kPi = 3.14159265358979323846;  // math.pi
}

// ---------------------------------------------------------------------------------------------
// LRScheduler

LRScheduler::LRScheduler(Optimizer& optimizer, int64_t last_epoch) : optimizer_(optimizer), last_epoch_(last_epoch) {
  auto& groups = optimizer.param_groups();
  if (last_epoch == -1) {
    for (ParamGroup& g : groups) {
      if (g.initial_lr < 0) g.initial_lr = g.lr();  // group.setdefault('initial_lr', group['lr'])
    }
  } else {
    for (size_t i = 0; i < groups.size(); ++i) {
      KD_CHECK(groups[i].initial_lr >= 0, ValueError, "param 'initial_lr' is not specified in param_groups[", i,
               "] when resuming an optimizer");
    }
  }
  for (const ParamGroup& g : groups) base_lrs_.push_back(g.initial_lr);
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

std::vector<double> LRScheduler::group_lrs() const {
  std::vector<double> lrs;
  for (const ParamGroup& g : optimizer_.param_groups()) lrs.push_back(g.lr());
  return lrs;
}

void LRScheduler::step() {
  check_step(last_epoch_ + 1);
  step_count_++;
  last_epoch_++;
  std::vector<double> lrs = get_lr();
  auto& groups = optimizer_.param_groups();
  for (size_t i = 0; i < groups.size() && i < lrs.size(); ++i) groups[i].set_lr(lrs[i]);
  last_lr_ = group_lrs();
}

// ---------------------------------------------------------------------------------------------
// LambdaLR

LambdaLR::LambdaLR(Optimizer& optimizer, Lambda lr_lambda, int64_t last_epoch)
    : LambdaLR(optimizer, std::vector<Lambda>(optimizer.param_groups().size(), lr_lambda), last_epoch) {}

LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), lr_lambdas_(std::move(lr_lambdas)) {
  KD_CHECK(lr_lambdas_.size() == optimizer.param_groups().size(), ValueError, "Expected ",
           optimizer.param_groups().size(), " lr_lambdas, but got ", lr_lambdas_.size());
  for (const Lambda& f : lr_lambdas_) KD_CHECK(static_cast<bool>(f), ValueError, "LambdaLR: lr_lambda is empty");
  initial_step();
}

std::vector<double> LambdaLR::get_lr() {
  std::vector<double> lrs;
  for (size_t i = 0; i < base_lrs_.size(); ++i) lrs.push_back(base_lrs_[i] * lr_lambdas_[i](last_epoch_));
  return lrs;
}

// ---------------------------------------------------------------------------------------------
// StepLR, MultiStepLR, ExponentialLR

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), step_size_(step_size), gamma_(gamma) {
  KD_CHECK(step_size > 0, ValueError, "StepLR: step_size must be positive, got ", step_size);
  initial_step();
}

std::vector<double> StepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), milestones_(std::move(milestones)), gamma_(gamma) {
  initial_step();
}

std::vector<double> MultiStepLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  // Counter(milestones)[epoch]: a milestone listed twice decays twice.
  const auto count = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (count == 0) return lrs;
  for (double& lr : lrs) lr *= std::pow(gamma_, static_cast<double>(count));
  return lrs;
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), gamma_(gamma) {
  initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

// ---------------------------------------------------------------------------------------------
// CosineAnnealingLR

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), T_max_(T_max), eta_min_(eta_min) {
  KD_CHECK(T_max > 0, ValueError, "CosineAnnealingLR: T_max must be positive, got ", T_max);
  initial_step();
}

std::vector<double> CosineAnnealingLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  const double e = static_cast<double>(last_epoch_);
  const double T = static_cast<double>(T_max_);
  if (last_epoch_ == 0) return lrs;
  if (step_count_ == 1 && last_epoch_ > 0) {
    // Resumed: the closed form once.
    for (size_t i = 0; i < lrs.size(); ++i) {
      lrs[i] = eta_min_ + (base_lrs_[i] - eta_min_) * (1 + std::cos(e * kPi / T)) / 2;
    }
    return lrs;
  }
  if ((last_epoch_ - 1 - T_max_) % (2 * T_max_) == 0) {
    // The bottom of the cosine: the recursive ratio below would divide by zero.
    for (size_t i = 0; i < lrs.size(); ++i) lrs[i] = lrs[i] + (base_lrs_[i] - eta_min_) * (1 - std::cos(kPi / T)) / 2;
    return lrs;
  }
  for (double& lr : lrs) {
    lr = (1 + std::cos(kPi * e / T)) / (1 + std::cos(kPi * (e - 1) / T)) * (lr - eta_min_) + eta_min_;
  }
  return lrs;
}

// ---------------------------------------------------------------------------------------------
// LinearLR

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, int64_t total_iters,
                   int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), start_factor_(start_factor), end_factor_(end_factor), total_iters_(total_iters) {
  KD_CHECK(!(start_factor > 1.0 || start_factor < 0), ValueError,
           "Starting multiplicative factor expected to be between 0 and 1.");
  KD_CHECK(!(end_factor > 1.0 || end_factor < 0), ValueError,
           "Ending multiplicative factor expected to be between 0 and 1.");
  initial_step();
}

std::vector<double> LinearLR::get_lr() {
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr *= start_factor_;
    return lrs;
  }
  if (last_epoch_ > total_iters_) return lrs;
  const double delta = end_factor_ - start_factor_;
  for (double& lr : lrs) {
    lr *= 1. + delta / (static_cast<double>(total_iters_) * start_factor_ + static_cast<double>(last_epoch_ - 1) * delta);
  }
  return lrs;
}

// ---------------------------------------------------------------------------------------------
// OneCycleLR

namespace {
enum { kInitialLr = 0, kMaxLr = 1, kMinLr = 2, kMaxMomentum = 3, kBaseMomentum = 4 };

int64_t one_cycle_total_steps(const OneCycleLROptions& o) {
  if (o.total_steps() < 0 && o.epochs() < 0 && o.steps_per_epoch() < 0) {
    throw ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)");
  }
  if (o.total_steps() >= 0) {
    KD_CHECK(o.total_steps() > 0, ValueError, "Expected positive integer total_steps, but got ", o.total_steps());
    return o.total_steps();
  }
  KD_CHECK(o.epochs() > 0, ValueError, "Expected positive integer epochs, but got ", o.epochs());
  KD_CHECK(o.steps_per_epoch() > 0, ValueError, "Expected positive integer steps_per_epoch, but got ",
           o.steps_per_epoch());
  return o.epochs() * o.steps_per_epoch();
}

// Validates before the base constructor records initial_lr (so a bad option changes nothing).
Optimizer& validated(Optimizer& optimizer, const OneCycleLROptions& o) {
  one_cycle_total_steps(o);
  KD_CHECK(o.pct_start() >= 0 && o.pct_start() <= 1, ValueError, "Expected float between 0 and 1 pct_start, but got ",
           detail::format_number(o.pct_start()));
  const size_t groups = optimizer.param_groups().size();
  KD_CHECK(o.max_lr().size() == 1 || o.max_lr().size() == groups, ValueError, "expected ", groups,
           " values for max_lr, got ", o.max_lr().size());
  if (o.cycle_momentum()) {
    KD_CHECK(optimizer.defaults().has_cycle_momentum(), ValueError,
             "optimizer must support momentum with `cycle_momentum` option enabled");
  }
  return optimizer;
}
}  // namespace

OneCycleLR::OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options)
    : LRScheduler(
          [&]() -> Optimizer& {
            validated(optimizer, options);
            // PyTorch overwrites initial_lr before the base class reads it.
            if (options.last_epoch() == -1) {
              auto& groups = optimizer.param_groups();
              for (size_t i = 0; i < groups.size(); ++i) {
                const double max_lr = options.max_lr().size() == 1 ? options.max_lr()[0] : options.max_lr()[i];
                groups[i].initial_lr = max_lr / options.div_factor();
              }
            }
            return optimizer;
          }(),
          options.last_epoch()),
      options_(options),
      total_steps_(one_cycle_total_steps(options)) {
  const double total = static_cast<double>(total_steps_);
  if (options.three_phase()) {
    phases_ = {{options.pct_start() * total - 1, kInitialLr, kMaxLr, kMaxMomentum, kBaseMomentum},
               {2 * options.pct_start() * total - 2, kMaxLr, kInitialLr, kBaseMomentum, kMaxMomentum},
               {total - 1, kInitialLr, kMinLr, kMaxMomentum, kMaxMomentum}};
  } else {
    phases_ = {{options.pct_start() * total - 1, kInitialLr, kMaxLr, kMaxMomentum, kBaseMomentum},
               {total - 1, kMaxLr, kMinLr, kBaseMomentum, kMaxMomentum}};
  }
  auto& groups = optimizer.param_groups();
  for (size_t i = 0; i < groups.size(); ++i) {
    const double max_lr = options.max_lr().size() == 1 ? options.max_lr()[0] : options.max_lr()[i];
    const double initial_lr = max_lr / options.div_factor();
    values_.push_back({initial_lr, max_lr, initial_lr / options.final_div_factor(), options.max_momentum(),
                       options.base_momentum()});
    if (options.cycle_momentum() && options.last_epoch() == -1) groups[i].options->set_cycle_momentum(options.max_momentum());
  }
  initial_step();
}

void OneCycleLR::check_step(int64_t next_epoch) const {
  KD_CHECK(next_epoch <= total_steps_, ValueError, "Tried to step ", next_epoch + 1,
           " times. The specified number of total steps is ", total_steps_);
}

std::vector<double> OneCycleLR::get_lr() {
  auto anneal = [&](double start, double end, double pct) {
    if (options_.anneal_strategy() == AnnealStrategy::Cos) {
      const double cos_out = std::cos(kPi * pct) + 1;
      return end + (start - end) / 2.0 * cos_out;
    }
    return (end - start) * pct + start;
  };
  std::vector<double> lrs;
  auto& groups = optimizer_.param_groups();
  const double step_num = static_cast<double>(last_epoch_);
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const std::vector<double>& v = values_[gi];
    double start_step = 0, lr = 0, momentum = 0;
    for (size_t i = 0; i < phases_.size(); ++i) {
      const Phase& phase = phases_[i];
      if (step_num <= phase.end_step || i == phases_.size() - 1) {
        const double pct = (step_num - start_step) / (phase.end_step - start_step);
        lr = anneal(v[phase.start_lr], v[phase.end_lr], pct);
        momentum = anneal(v[phase.start_momentum], v[phase.end_momentum], pct);
        break;
      }
      start_step = phase.end_step;
    }
    lrs.push_back(lr);
    if (options_.cycle_momentum()) groups[gi].options->set_cycle_momentum(momentum);
  }
  return lrs;
}

}  // namespace optim
}  // namespace kd
