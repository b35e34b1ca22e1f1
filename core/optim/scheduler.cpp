#include "optim/scheduler.h"

#include <algorithm>
#include <cmath>

namespace kd {
namespace optim {

namespace {
constexpr double kPi = 3.14159265358979323846;  // math.pi
}

// ---------------------------------------------------------------------------------------------
// SchedulerStateFields

SchedulerStateFields::SchedulerStateFields(Mode mode, const char* scheduler, size_t groups, const Json* in)
    : mode_(mode), scheduler_(scheduler), groups_(groups), in_(in) {
  if (mode != Mode::Write) {
    KD_CHECK(in != nullptr && in->is_object(), ValueError, scheduler, ".load_state_dict: expected a JSON object, got ",
             in ? in->type_name() : "nothing");
  }
}

void SchedulerStateFields::fail(const char* key, const std::string& expected, const Json& got) const {
  throw ValueError(str(scheduler_, ".load_state_dict: \"", key, "\" must be ", expected, ", got ", got.dump()));
}

const Json* SchedulerStateFields::take(const char* key) {
  seen_.emplace_back(key);
  return in_->find(key);
}

void SchedulerStateFields::integer(const char* key, int64_t& value, int64_t min) {
  custom(key, value, [](int64_t v) { return Json(v); },
         [&](const Json& j) {
           if (!j.is_integer() || j.as_int() < min) {
             fail(key, min == std::numeric_limits<int64_t>::min() ? "an integer" : str("an integer >= ", min), j);
           }
           return j.as_int();
         });
}

void SchedulerStateFields::number(const char* key, double& value, double lo, double hi) {
  custom(key, value, [](double v) { return Json(v); },
         [&](const Json& j) {
           if (!j.is_number() || !(j.as_double() >= lo && j.as_double() <= hi)) {
             fail(key, std::isinf(lo) && std::isinf(hi) ? std::string("a number")
                                                        : str("a number in [", detail::format_number(lo), ", ",
                                                              detail::format_number(hi), "]"),
                  j);
           }
           return j.as_double();
         });
}

void SchedulerStateFields::boolean(const char* key, bool& value) {
  custom(key, value, [](bool v) { return Json(v); },
         [&](const Json& j) {
           if (!j.is_bool()) fail(key, "a boolean", j);
           return j.as_bool();
         });
}

void SchedulerStateFields::per_group(const char* key, std::vector<double>& values) {
  custom(key, values,
         [](const std::vector<double>& v) {
           Json out = Json::array();
           for (double x : v) out.push_back(x);
           return out;
         },
         [&](const Json& j) {
           const std::string expected = str("a list of ", groups_, " numbers (one per param group)");
           if (!j.is_array() || j.size() != groups_) fail(key, expected, j);
           std::vector<double> out;
           for (const Json& x : j.as_array()) {
             if (!x.is_number()) fail(key, expected, j);
             out.push_back(x.as_double());
           }
           return out;
         });
}

void SchedulerStateFields::finish() const {
  if (mode_ == Mode::Write) return;
  for (const auto& kv : in_->as_object()) {
    bool known = false;
    for (const std::string& k : seen_) known = known || k == kv.first;
    KD_CHECK(known, ValueError, scheduler_, ".load_state_dict: unexpected key \"", kv.first, "\"");
  }
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

Json LRScheduler::state_dict() const {
  SchedulerStateFields fields(SchedulerStateFields::Mode::Write, name(), base_lrs_.size());
  // The Write pass only reads the fields: the one list serves writing and loading.
  auto& self = const_cast<LRScheduler&>(*this);
  self.state_fields(fields);
  self.base_state_fields(fields);
  return fields.take_output();
}

void LRScheduler::check_state_dict(const Json& state) {
  SchedulerStateFields fields(SchedulerStateFields::Mode::Check, name(), base_lrs_.size(), &state);
  state_fields(fields);
  base_state_fields(fields);
  fields.finish();
}

void LRScheduler::load_state_dict(const Json& state) {
  check_state_dict(state);
  SchedulerStateFields fields(SchedulerStateFields::Mode::Assign, name(), base_lrs_.size(), &state);
  state_fields(fields);
  base_state_fields(fields);
}

void LRScheduler::base_state_fields(SchedulerStateFields& fields) {
  // Kindling has no verbose mode and never calls get_lr outside step(): both are written as
  // torch writes them and accepted (and ignored) when loaded.
  bool verbose = false;
  bool get_lr_called_within_step = false;
  fields.per_group("base_lrs", base_lrs_);
  fields.integer("last_epoch", last_epoch_, -1);
  fields.boolean("verbose", verbose);
  fields.integer("_step_count", step_count_, 0);
  fields.boolean("_get_lr_called_within_step", get_lr_called_within_step);
  fields.per_group("_last_lr", last_lr_);
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
  std::vector<double> lrs;
  auto& groups = optimizer_.param_groups();
  try {
    lrs = get_lr();
    // Any other value is written as torch writes it (a schedule may go below zero, e.g. a
    // linear OneCycleLR); a non-finite lr (a LambdaLR factor can make one) raises before any
    // group changes, where torch would write it.
    for (size_t i = 0; i < groups.size() && i < lrs.size(); ++i) {
      KD_CHECK(std::isfinite(lrs[i]), ValueError, name(), ": the new lr of param group ", i, " is not finite (",
               detail::format_number(lrs[i]), ")");
    }
  } catch (...) {
    step_count_--;
    last_epoch_--;
    throw;
  }
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

void LambdaLR::state_fields(SchedulerStateFields& fields) {
  // torch saves a plain function as None (only callable objects keep their state); the
  // functions stay the ones given to the constructor.
  int unused = 0;
  fields.custom("lr_lambdas", unused,
                [&](int) {
                  Json nones = Json::array();
                  for (size_t i = 0; i < lr_lambdas_.size(); ++i) nones.push_back(nullptr);
                  return nones;
                },
                [&](const Json& j) {
                  bool ok = j.is_array() && j.size() == fields.groups();
                  for (size_t i = 0; ok && i < j.size(); ++i) ok = j[i].is_null();
                  if (!ok) fields.fail("lr_lambdas", str("a list of ", fields.groups(), " nulls"), j);
                  return 0;
                });
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

void StepLR::state_fields(SchedulerStateFields& fields) {
  fields.integer("step_size", step_size_, 1);
  fields.number("gamma", gamma_);
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

void MultiStepLR::state_fields(SchedulerStateFields& fields) {
  // torch keeps a Counter: {milestone: times listed}, in first-listed order.
  fields.custom("milestones", milestones_,
                [](const std::vector<int64_t>& milestones) {
                  Json counter = Json::object();
                  for (int64_t m : milestones) {
                    const std::string key = std::to_string(m);
                    const Json* count = counter.find(key);
                    counter.set(key, count ? count->as_int() + 1 : int64_t{1});
                  }
                  return counter;
                },
                [&](const Json& j) {
                  const char* expected = "an object {\"milestone\": count} of integers";
                  if (!j.is_object()) fields.fail("milestones", expected, j);
                  std::vector<int64_t> milestones;
                  for (const auto& kv : j.as_object()) {
                    Json milestone;
                    try {
                      milestone = parse_json(kv.first);
                    } catch (const ValueError&) {
                      fields.fail("milestones", expected, j);
                    }
                    if (!milestone.is_integer() || !kv.second.is_integer() || kv.second.as_int() < 1 ||
                        kv.second.as_int() > 1000000) {
                      fields.fail("milestones", expected, j);
                    }
                    milestones.insert(milestones.end(), kv.second.as_int(), milestone.as_int());
                  }
                  return milestones;
                });
  fields.number("gamma", gamma_);
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

void ExponentialLR::state_fields(SchedulerStateFields& fields) { fields.number("gamma", gamma_); }

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

void CosineAnnealingLR::state_fields(SchedulerStateFields& fields) {
  fields.integer("T_max", T_max_, 1);
  fields.number("eta_min", eta_min_);
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

void LinearLR::state_fields(SchedulerStateFields& fields) {
  fields.number("start_factor", start_factor_, 0, 1);
  fields.number("end_factor", end_factor_, 0, 1);
  fields.integer("total_iters", total_iters_);
}

// ---------------------------------------------------------------------------------------------
// OneCycleLR

namespace {
enum { kInitialLr = 0, kMaxLr = 1, kMinLr = 2, kMaxMomentum = 3, kBaseMomentum = 4 };
// The names torch gives these values (it keeps them in the optimizer's param groups).
constexpr const char* kOneCycleValueNames[] = {"initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"};

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
      anneal_strategy_(options.anneal_strategy()),
      cycle_momentum_(options.cycle_momentum()),
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
    if (anneal_strategy_ == AnnealStrategy::Cos) {
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
    if (cycle_momentum_) groups[gi].options->set_cycle_momentum(momentum);
  }
  return lrs;
}

void OneCycleLR::state_fields(SchedulerStateFields& fields) {
  fields.integer("total_steps", total_steps_, 1);
  // torch's phases name the values they move between ({"end_step": 8.0, "start_lr":
  // "initial_lr", ...}).
  fields.custom("_schedule_phases", phases_,
                [](const std::vector<Phase>& phases) {
                  Json out = Json::array();
                  for (const Phase& p : phases) {
                    out.push_back(Json(Json::Object{{"end_step", p.end_step},
                                                     {"start_lr", kOneCycleValueNames[p.start_lr]},
                                                     {"end_lr", kOneCycleValueNames[p.end_lr]},
                                                     {"start_momentum", kOneCycleValueNames[p.start_momentum]},
                                                     {"end_momentum", kOneCycleValueNames[p.end_momentum]}}));
                  }
                  return out;
                },
                [&](const Json& j) {
                  const char* expected = "a list of phases {\"end_step\", \"start_lr\", \"end_lr\", \"start_momentum\", "
                                         "\"end_momentum\"}";
                  if (!j.is_array() || j.size() == 0) fields.fail("_schedule_phases", expected, j);
                  auto value_index = [&](const Json& phase, const char* key) {
                    const Json* name = phase.find(key);
                    if (name && name->is_string()) {
                      for (int i = 0; i < 5; ++i) {
                        if (name->as_string() == kOneCycleValueNames[i]) return i;
                      }
                    }
                    fields.fail("_schedule_phases", expected, j);
                  };
                  std::vector<Phase> phases;
                  for (const Json& phase : j.as_array()) {
                    if (!phase.is_object() || phase.size() != 5 || !phase.contains("end_step") ||
                        !phase["end_step"].is_number()) {
                      fields.fail("_schedule_phases", expected, j);
                    }
                    phases.push_back({phase["end_step"].as_double(), value_index(phase, "start_lr"),
                                      value_index(phase, "end_lr"), value_index(phase, "start_momentum"),
                                      value_index(phase, "end_momentum")});
                  }
                  return phases;
                });
  // torch saves its annealing function itself ("anneal_func", a bound method that JSON cannot
  // hold); its name stands in for it.
  fields.custom("anneal_strategy", anneal_strategy_,
                [](AnnealStrategy a) { return Json(a == AnnealStrategy::Cos ? "cos" : "linear"); },
                [&](const Json& j) {
                  if (!j.is_string() || (j.as_string() != "cos" && j.as_string() != "linear")) {
                    fields.fail("anneal_strategy", "\"cos\" or \"linear\"", j);
                  }
                  return j.as_string() == "cos" ? AnnealStrategy::Cos : AnnealStrategy::Linear;
                });
  fields.custom("cycle_momentum", cycle_momentum_, [](bool c) { return Json(c); },
                [&](const Json& j) {
                  if (!j.is_bool()) fields.fail("cycle_momentum", "a boolean", j);
                  KD_CHECK(!j.as_bool() || optimizer_.defaults().has_cycle_momentum(), ValueError,
                           "optimizer must support momentum with `cycle_momentum` option enabled");
                  return j.as_bool();
                });
  // Written as torch writes it (with cycle_momentum only: 'betas' in the optimizer's defaults);
  // the optimizer decides that here, so a loaded value is only type-checked.
  bool use_beta1 = optimizer_.defaults().to_json().contains("betas");
  if (cycle_momentum_ || !fields.writing()) fields.boolean("use_beta1", use_beta1);
  // Per group: the values the phases move between (torch keeps them in the param groups).
  fields.custom("group_values", values_,
                [](const std::vector<std::vector<double>>& values) {
                  Json out = Json::array();
                  for (const std::vector<double>& v : values) {
                    Json group = Json::object();
                    for (int i = 0; i < 5; ++i) group.set(kOneCycleValueNames[i], v[i]);
                    out.push_back(std::move(group));
                  }
                  return out;
                },
                [&](const Json& j) {
                  const std::string expected = str("a list of ", fields.groups(),
                                                   " objects {\"initial_lr\", \"max_lr\", \"min_lr\", "
                                                   "\"max_momentum\", \"base_momentum\"} of numbers");
                  if (!j.is_array() || j.size() != fields.groups()) fields.fail("group_values", expected, j);
                  std::vector<std::vector<double>> values;
                  for (const Json& group : j.as_array()) {
                    if (!group.is_object() || group.size() != 5) fields.fail("group_values", expected, j);
                    std::vector<double> v;
                    for (const char* name : kOneCycleValueNames) {
                      const Json* x = group.find(name);
                      if (!x || !x->is_number()) fields.fail("group_values", expected, j);
                      v.push_back(x->as_double());
                    }
                    values.push_back(std::move(v));
                  }
                  return values;
                });
}

}  // namespace optim
}  // namespace kd
