// Raw Embind block for kd::optim: optimizers, LR schedulers, gradient clipping.
//
// Options cross as JSON text with PyTorch's key names ("lr", "weight_decay", "betas"): the JS
// layer (bindings/js/optim.mjs) converts its camelCase options objects, and the C++ options
// structs read them with their own from_json (which rejects unknown keys, wrong types and
// out-of-range values, and changes nothing on error). Every body runs inside guarded.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "boundary.h"
#include "convert.h"
#include "optim/optim.h"
#include "util/json.h"

using emscripten::val;
using kd::Json;
using kd::Tensor;
using kd::wasm::guarded;
using kd::wasm::tensors_from_js;
namespace optim = kd::optim;

using OptimizerPtr = std::shared_ptr<optim::Optimizer>;

namespace {

val doubles_to_js(const std::vector<double>& values) {
  val out = val::array();
  for (size_t i = 0; i < values.size(); ++i) out.set(i, values[i]);
  return out;
}

// The options struct of an optimizer kind, with PyTorch's defaults, updated from `json`.
std::unique_ptr<optim::OptimizerOptions> options_for(const std::string& kind, const Json& json) {
  std::unique_ptr<optim::OptimizerOptions> o;
  if (kind == "SGD") o = std::make_unique<optim::SGDOptions>(0.0);
  else if (kind == "Adam") o = std::make_unique<optim::AdamOptions>();
  else if (kind == "AdamW") o = std::make_unique<optim::AdamWOptions>();
  else if (kind == "Adagrad") o = std::make_unique<optim::AdagradOptions>();
  else if (kind == "RMSprop") o = std::make_unique<optim::RMSpropOptions>();
  else if (kind == "SparseAdam") o = std::make_unique<optim::SparseAdamOptions>();
  else throw kd::ValueError("unknown optimizer " + kind);
  o->from_json(json, false);
  return o;
}

template <typename Opt, typename Options>
OptimizerPtr build(std::vector<optim::ParamGroup> groups, const optim::OptimizerOptions& defaults) {
  return std::make_shared<Opt>(std::move(groups), static_cast<const Options&>(defaults));
}

// groups: [{params: [raw tensors], options: "json overrides"}]; defaults: JSON text.
OptimizerPtr make_optimizer(const std::string& kind, const val& groups, const std::string& defaults_json) {
  std::vector<std::vector<Tensor>> params;
  std::vector<std::string> overrides;
  const unsigned n = groups["length"].as<unsigned>();
  for (unsigned i = 0; i < n; ++i) {
    params.push_back(tensors_from_js(groups[i]["params"]));
    overrides.push_back(groups[i]["options"].as<std::string>());
  }
  return guarded([&]() -> OptimizerPtr {
    std::unique_ptr<optim::OptimizerOptions> defaults = options_for(kind, kd::parse_json(defaults_json));
    std::vector<optim::ParamGroup> pg;
    for (size_t i = 0; i < params.size(); ++i) pg.emplace_back(params[i], kd::parse_json(overrides[i]));
    if (kind == "SGD") return build<optim::SGD, optim::SGDOptions>(std::move(pg), *defaults);
    if (kind == "Adam") return build<optim::Adam, optim::AdamOptions>(std::move(pg), *defaults);
    if (kind == "AdamW") return build<optim::AdamW, optim::AdamWOptions>(std::move(pg), *defaults);
    if (kind == "Adagrad") return build<optim::Adagrad, optim::AdagradOptions>(std::move(pg), *defaults);
    if (kind == "RMSprop") return build<optim::RMSprop, optim::RMSpropOptions>(std::move(pg), *defaults);
    return build<optim::SparseAdam, optim::SparseAdamOptions>(std::move(pg), *defaults);
  });
}

// The training step's calls take the optimizer by its id (its address, valid while the JS
// optimizer holds its handle): one Embind call with numbers in, no class handle.
optim::Optimizer& optimizer_at(uintptr_t id) { return *reinterpret_cast<optim::Optimizer*>(id); }
double optimizer_id(const OptimizerPtr& o) { return static_cast<double>(reinterpret_cast<uintptr_t>(o.get())); }
void step(uintptr_t optimizer) {
  guarded([&] { optimizer_at(optimizer).step(); });
}
void zero_grad(uintptr_t optimizer, bool set_to_none) {
  guarded([&] { optimizer_at(optimizer).zero_grad(set_to_none); });
}
void add_param_group(const OptimizerPtr& o, const val& params, const std::string& overrides) {
  std::vector<Tensor> ps = tensors_from_js(params);
  guarded([&] { o->add_param_group(optim::ParamGroup(ps, kd::parse_json(overrides))); });
}
int group_count(const OptimizerPtr& o) {
  return guarded([&] { return static_cast<int>(o->param_groups().size()); });
}
// The group's options as JSON text (PyTorch's keys), initial_lr included when set.
std::string group_options(const OptimizerPtr& o, int index) {
  return guarded([&] {
    KD_CHECK(index >= 0 && static_cast<size_t>(index) < o->param_groups().size(), IndexError,
             "param group ", index, " out of range");
    const optim::ParamGroup& g = o->param_groups()[index];
    Json j = g.options->to_json();
    if (g.initial_lr >= 0) j.set("initial_lr", g.initial_lr);
    return j.dump();
  });
}
// Sets some of a group's options (JSON text); validated on a copy first, so an error changes nothing.
void set_group_options(const OptimizerPtr& o, int index, const std::string& json) {
  guarded([&] {
    KD_CHECK(index >= 0 && static_cast<size_t>(index) < o->param_groups().size(), IndexError,
             "param group ", index, " out of range");
    optim::ParamGroup& g = o->param_groups()[index];
    Json j = kd::parse_json(json);
    double initial_lr = g.initial_lr;
    if (const Json* v = j.find("initial_lr")) {
      initial_lr = v->as_double();
      Json rest = Json::object();
      for (const auto& kv : j.as_object())
        if (kv.first != "initial_lr") rest.set(kv.first, kv.second);
      j = rest;
    }
    std::unique_ptr<optim::OptimizerOptions> copy = g.options->clone();
    copy->from_json(j, false);
    copy->validate();
    g.options = std::move(copy);
    g.initial_lr = initial_lr;
  });
}

// {state: [{index, step, names, tensors}], paramGroups: "json"}; the tensors are copies.
val state_dict(const OptimizerPtr& o) {
  return guarded([&] {
    optim::OptimizerStateDict sd = o->state_dict();
    val state = val::array();
    unsigned i = 0;
    for (const auto& [index, ps] : sd.state) {
      val entry = val::object();
      entry.set("index", static_cast<double>(index));
      entry.set("step", static_cast<double>(ps.step));
      val names = val::array();
      val tensors = val::array();
      unsigned k = 0;
      for (const auto& [name, t] : ps.buffers) {
        names.set(k, name);
        tensors.set(k, t);
        ++k;
      }
      entry.set("names", names);
      entry.set("tensors", tensors);
      state.set(i++, entry);
    }
    val out = val::object();
    out.set("state", state);
    out.set("paramGroups", sd.param_groups.dump());
    return out;
  });
}

// The inverse of state_dict(): the same shape of object (JS checked its types).
void load_state_dict(const OptimizerPtr& o, const val& sd) {
  optim::OptimizerStateDict in;
  const val state = sd["state"];
  const unsigned n = state["length"].as<unsigned>();
  std::string groups_json = sd["paramGroups"].as<std::string>();
  for (unsigned i = 0; i < n; ++i) {
    const val entry = state[i];
    optim::ParamState ps;
    ps.step = static_cast<int64_t>(entry["step"].as<double>());
    std::vector<std::string> names = emscripten::vecFromJSArray<std::string>(entry["names"]);
    std::vector<Tensor> tensors = tensors_from_js(entry["tensors"]);
    for (size_t k = 0; k < names.size() && k < tensors.size(); ++k) ps.buffers[names[k]] = tensors[k];
    in.state[static_cast<int64_t>(entry["index"].as<double>())] = ps;
  }
  guarded([&] {
    in.param_groups = kd::parse_json(groups_json);
    o->load_state_dict(in);
  });
}

// ---- schedulers ----

// A scheduler and the optimizer it writes to (kept alive with it). LambdaLR's lambdas are JS
// functions, which may not run inside a C++ frame: JS calls them and hands the factors in
// (lambda_factors, read by the C++ LambdaLR's per-group lambdas), so the schedule, its state
// and its checks stay in C++.
struct Scheduler {
  OptimizerPtr optimizer;
  std::unique_ptr<optim::LRScheduler> scheduler;
  std::shared_ptr<std::vector<double>> lambda_factors;
};
using SchedulerPtr = std::shared_ptr<Scheduler>;

double num(const Json& j, const char* key, double fallback) {
  const Json* v = j.find(key);
  return v ? v->as_double() : fallback;
}
int64_t integer(const Json& j, const char* key, int64_t fallback) {
  const Json* v = j.find(key);
  return v ? v->as_int() : fallback;
}

// kind: LambdaLR (options: lastEpoch, factors for the first epoch), StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR, OneCycleLR; options:
// JSON text with the camelCase option names (checked by the JS layer).
SchedulerPtr make_scheduler(const std::string& kind, const OptimizerPtr& o, const std::string& json) {
  return guarded([&]() -> SchedulerPtr {
    Json j = kd::parse_json(json);
    auto s = std::make_shared<Scheduler>();
    s->optimizer = o;
    int64_t last = integer(j, "lastEpoch", -1);
    if (kind == "LambdaLR") {
      s->lambda_factors = std::make_shared<std::vector<double>>();
      for (const Json& f : j.at("factors").as_array()) s->lambda_factors->push_back(f.as_double());
      std::vector<optim::LambdaLR::Lambda> lambdas;
      for (size_t i = 0; i < s->lambda_factors->size(); ++i) {
        lambdas.push_back([factors = s->lambda_factors, i](int64_t) { return (*factors)[i]; });
      }
      s->scheduler = std::make_unique<optim::LambdaLR>(*o, lambdas, last);
    } else if (kind == "StepLR") {
      s->scheduler = std::make_unique<optim::StepLR>(*o, integer(j, "stepSize", 1), num(j, "gamma", 0.1), last);
    } else if (kind == "MultiStepLR") {
      std::vector<int64_t> milestones;
      if (const Json* m = j.find("milestones"))
        for (const Json& v : m->as_array()) milestones.push_back(v.as_int());
      s->scheduler = std::make_unique<optim::MultiStepLR>(*o, milestones, num(j, "gamma", 0.1), last);
    } else if (kind == "ExponentialLR") {
      s->scheduler = std::make_unique<optim::ExponentialLR>(*o, num(j, "gamma", 0.1), last);
    } else if (kind == "CosineAnnealingLR") {
      s->scheduler = std::make_unique<optim::CosineAnnealingLR>(*o, integer(j, "TMax", 1), num(j, "etaMin", 0), last);
    } else if (kind == "LinearLR") {
      s->scheduler = std::make_unique<optim::LinearLR>(*o, num(j, "startFactor", 1.0 / 3), num(j, "endFactor", 1.0),
                                                       integer(j, "totalIters", 5), last);
    } else if (kind == "OneCycleLR") {
      std::vector<double> max_lr;
      const Json& m = j.at("maxLr");
      if (m.is_array()) {
        for (const Json& v : m.as_array()) max_lr.push_back(v.as_double());
      } else {
        max_lr.push_back(m.as_double());
      }
      optim::OneCycleLROptions opts(max_lr);
      opts.total_steps(integer(j, "totalSteps", -1))
          .epochs(integer(j, "epochs", -1))
          .steps_per_epoch(integer(j, "stepsPerEpoch", -1))
          .pct_start(num(j, "pctStart", 0.3))
          .cycle_momentum(j.find("cycleMomentum") ? j.at("cycleMomentum").as_bool() : true)
          .base_momentum(num(j, "baseMomentum", 0.85))
          .max_momentum(num(j, "maxMomentum", 0.95))
          .div_factor(num(j, "divFactor", 25))
          .final_div_factor(num(j, "finalDivFactor", 1e4))
          .three_phase(j.find("threePhase") ? j.at("threePhase").as_bool() : false)
          .last_epoch(last);
      if (const Json* a = j.find("annealStrategy")) {
        KD_CHECK(a->as_string() == "cos" || a->as_string() == "linear", ValueError,
                 "anneal_strategy must by one of 'cos' or 'linear', instead got ", a->as_string());
        opts.anneal_strategy(a->as_string() == "cos" ? optim::AnnealStrategy::Cos : optim::AnnealStrategy::Linear);
      }
      s->scheduler = std::make_unique<optim::OneCycleLR>(*o, opts);
    } else {
      throw kd::ValueError("unknown scheduler " + kind);
    }
    return s;
  });
}

void scheduler_step(const SchedulerPtr& s) {
  guarded([&] { s->scheduler->step(); });
}
// LambdaLR: the factors JS computed for the next epoch, one per group.
void scheduler_step_with_factors(const SchedulerPtr& s, const val& factors) {
  std::vector<double> values = emscripten::vecFromJSArray<double>(factors);
  guarded([&] {
    KD_CHECK(s->lambda_factors && values.size() == s->lambda_factors->size(), ValueError,
             "LambdaLR: expected ", s->lambda_factors ? s->lambda_factors->size() : 0, " factors, got ", values.size());
    const std::vector<double> previous = *s->lambda_factors;
    *s->lambda_factors = values;
    try {
      s->scheduler->step();
    } catch (...) {
      *s->lambda_factors = previous;
      throw;
    }
  });
}
std::string scheduler_state_dict(const SchedulerPtr& s) {
  return guarded([&] { return s->scheduler->state_dict().dump(); });
}
void scheduler_load_state_dict(const SchedulerPtr& s, const std::string& json) {
  guarded([&] { s->scheduler->load_state_dict(kd::parse_json(json)); });
}

// ---- optimizer + scheduler state as safetensors (core/optim/checkpoint.h) ----

val save_state(const OptimizerPtr& o, const val& scheduler) {
  const SchedulerPtr s = scheduler.isNull() ? nullptr : scheduler.as<SchedulerPtr>();
  return guarded([&] {
    return kd::wasm::bytes_to_js(optim::save_optimizer_state(*o, s ? s->scheduler.get() : nullptr));
  });
}
void load_state(const OptimizerPtr& o, const val& bytes, const val& scheduler) {
  const SchedulerPtr s = scheduler.isNull() ? nullptr : scheduler.as<SchedulerPtr>();
  std::vector<uint8_t> data = emscripten::convertJSArrayToNumberVector<uint8_t>(bytes);
  guarded([&] { optim::load_optimizer_state(data, *o, s ? s->scheduler.get() : nullptr); });
}
val get_last_lr(const SchedulerPtr& s) {
  return guarded([&] { return doubles_to_js(s->scheduler->get_last_lr()); });
}
val base_lrs(const SchedulerPtr& s) {
  return guarded([&] { return doubles_to_js(s->scheduler->base_lrs()); });
}
double last_epoch(const SchedulerPtr& s) {
  return guarded([&] { return static_cast<double>(s->scheduler->last_epoch()); });
}

// ---- gradient clipping ----

Tensor clip_grad_norm(const val& params, double max_norm, double norm_type, bool error_if_nonfinite) {
  std::vector<Tensor> ps = tensors_from_js(params);
  return guarded([&] { return optim::clip_grad_norm_(ps, max_norm, norm_type, error_if_nonfinite); });
}
void clip_grad_value(const val& params, double clip_value) {
  std::vector<Tensor> ps = tensors_from_js(params);
  guarded([&] { optim::clip_grad_value_(ps, clip_value); });
}

}  // namespace

EMSCRIPTEN_BINDINGS(kindling_optim) {
  using emscripten::function;

  emscripten::class_<optim::Optimizer>("RawOptimizer")
      .smart_ptr<OptimizerPtr>("RawOptimizerPtr")
      .function("id", &optimizer_id)
      .function("addParamGroup", &add_param_group)
      .function("groupCount", &group_count)
      .function("groupOptions", &group_options)
      .function("setGroupOptions", &set_group_options)
      .function("stateDict", &state_dict)
      .function("loadStateDict", &load_state_dict);

  emscripten::class_<Scheduler>("RawScheduler")
      .smart_ptr<SchedulerPtr>("RawSchedulerPtr")
      .function("step", &scheduler_step)
      .function("stepWithFactors", &scheduler_step_with_factors)
      .function("stateDict", &scheduler_state_dict)
      .function("loadStateDict", &scheduler_load_state_dict)
      .function("getLastLr", &get_last_lr)
      .function("baseLrs", &base_lrs)
      .function("lastEpoch", &last_epoch);

  function("optimMake", &make_optimizer);
  function("optimStep", &step);
  function("optimZeroGrad", &zero_grad);
  function("optimMakeScheduler", &make_scheduler);
  function("optimSaveState", &save_state);
  function("optimLoadState", &load_state);
  function("optimClipGradNorm", &clip_grad_norm);
  function("optimClipGradValue", &clip_grad_value);
}
