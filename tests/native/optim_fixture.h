// The optimizers and LR schedulers of the scheduler rows of tests/fixtures/optim/optim_golden.json
// (tests/fixtures/optim/generate_optim.py builds the same in torch), shared by test_optim.cpp
// (the lr sequences) and test_checkpoint.cpp (state_dict and resuming).
#pragma once

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "optim/optim.h"
#include "util/json.h"

namespace optim_fixture {

using namespace kd::optim;

// Two groups, [a] with the defaults and [b] with lr 0.05: SGD(lr 0.1, momentum 0.9) or Adam(lr 0.1).
inline std::unique_ptr<Optimizer> two_group_optimizer(const std::string& kind, kd::Tensor& a, kd::Tensor& b) {
  std::vector<ParamGroup> groups;
  groups.emplace_back(std::vector<kd::Tensor>{a});
  groups.emplace_back(std::vector<kd::Tensor>{b}, kd::Json(kd::Json::Object{{"lr", 0.05}}));
  if (kind == "sgd") return std::make_unique<SGD>(groups, SGDOptions(0.1).momentum(0.9));
  return std::make_unique<Adam>(groups, AdamOptions(0.1));
}

// The row's scheduler: `name` is the row's name ("step", "cosine", "onecycle_...").
inline std::unique_ptr<LRScheduler> scheduler(const std::string& name, Optimizer& opt, const kd::Json& spec) {
  if (name == "step") return std::make_unique<StepLR>(opt, spec["step_size"].as_int(), spec["gamma"].as_double());
  if (name == "multistep") {
    std::vector<int64_t> m;
    for (const kd::Json& v : spec["milestones"].as_array()) m.push_back(v.as_int());
    return std::make_unique<MultiStepLR>(opt, m, spec["gamma"].as_double());
  }
  if (name == "exponential") return std::make_unique<ExponentialLR>(opt, spec["gamma"].as_double());
  if (name == "cosine") return std::make_unique<CosineAnnealingLR>(opt, spec["T_max"].as_int(), spec["eta_min"].as_double());
  if (name == "linear") {
    return std::make_unique<LinearLR>(opt, spec["start_factor"].as_double(), spec["end_factor"].as_double(),
                                      spec["total_iters"].as_int());
  }
  if (name == "lambda") {
    return std::make_unique<LambdaLR>(opt, [](int64_t e) { return std::pow(0.95, static_cast<double>(e)) + 0.01 * e; });
  }
  // The OneCycleLR variants.
  std::vector<double> max_lr;
  for (const kd::Json& v : spec["max_lr"].as_array()) max_lr.push_back(v.as_double());
  OneCycleLROptions o(max_lr);
  if (spec.contains("total_steps")) o.total_steps(spec["total_steps"].as_int());
  if (spec.contains("epochs")) o.epochs(spec["epochs"].as_int()).steps_per_epoch(spec["steps_per_epoch"].as_int());
  if (spec.contains("pct_start")) o.pct_start(spec["pct_start"].as_double());
  if (spec.contains("anneal")) o.anneal_strategy(AnnealStrategy::Linear);
  if (spec.contains("three_phase")) o.three_phase(spec["three_phase"].as_bool());
  if (spec.contains("div_factor")) o.div_factor(spec["div_factor"].as_double());
  if (spec.contains("final_div_factor")) o.final_div_factor(spec["final_div_factor"].as_double());
  if (spec.contains("base_momentum")) o.base_momentum(spec["base_momentum"].as_double());
  if (spec.contains("max_momentum")) o.max_momentum(spec["max_momentum"].as_double());
  if (spec.contains("cycle_momentum")) o.cycle_momentum(spec["cycle_momentum"].as_bool());
  return std::make_unique<OneCycleLR>(opt, o);
}

}  // namespace optim_fixture
