// Scheduler state and optimizer checkpoints: LR schedulers' state_dict against PyTorch 1.13's
// (tests/fixtures/optim/optim_golden.json, "state_dict" taken at "resume_at" by
// tests/fixtures/optim/generate_optim.py, which also checks that torch itself resumes exactly),
// resuming mid-schedule, and a training run checkpointed to safetensors (model + optimizer +
// scheduler) and resumed in fresh objects: the parameters equal an unbroken run's bit for bit.
#include <catch2/catch.hpp>

#include "golden.h"
#include "optim_fixture.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kindling.h"

using kd::Json;
using kd::Tensor;
using namespace kd::optim;

namespace {

const Json& fixture() { return golden::load_fixture("optim/optim_golden.json", "tests/fixtures/optim/generate_optim.py"); }

bool close(double got, double want) { return std::fabs(got - want) <= 1e-12 * std::fabs(want) + 1e-15; }

// Same keys, same structure; numbers equal to 1e-12 relative (torch's lrs are its own doubles).
void require_same_state(const Json& got, const Json& want, const std::string& where) {
  INFO(where << ": got " << got.dump() << ", want " << want.dump());
  if (want.is_number()) {
    REQUIRE(got.is_number());
    REQUIRE(close(got.as_double(), want.as_double()));
  } else if (want.is_array()) {
    REQUIRE(got.is_array());
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) require_same_state(got[i], want[i], where + "[" + std::to_string(i) + "]");
  } else if (want.is_object()) {
    REQUIRE(got.is_object());
    REQUIRE(got.size() == want.size());
    for (const auto& kv : want.as_object()) {
      REQUIRE(got.contains(kv.first));
      require_same_state(got[kv.first], kv.second, where + "." + kv.first);
    }
  } else {
    REQUIRE(got.dump() == want.dump());
  }
}

std::vector<double> lrs_of(const Optimizer& opt) {
  std::vector<double> out;
  for (const ParamGroup& g : opt.param_groups()) out.push_back(g.lr());
  return out;
}

}  // namespace

TEST_CASE("scheduler state_dict: PyTorch's keys and values, and resuming continues the sequence",
          "[optim][scheduler][checkpoint][golden]") {
  for (const Json& row : fixture()["schedulers"].as_array()) {
    const std::string name = row["name"].as_string();
    DYNAMIC_SECTION(name) {
      const int64_t resume_at = row["resume_at"].as_int();
      const int64_t steps = row["steps"].as_int();
      Tensor a = kd::zeros({2}).requires_grad_(), b = kd::zeros({2}).requires_grad_();
      auto opt = optim_fixture::two_group_optimizer(row["optimizer"].as_string(), a, b);
      auto sched = optim_fixture::scheduler(name, *opt, row["spec"]);
      for (int64_t s = 0; s < resume_at; ++s) {
        opt->step();
        sched->step();
      }
      require_same_state(sched->state_dict(), row["state_dict"], name);

      // Fresh objects, then our own state dicts: the rest of the run is the unbroken run's, bit
      // for bit. A third pair loads torch's scheduler state instead of ours and stays on torch's
      // sequence.
      const OptimizerStateDict opt_state = opt->state_dict();
      const Json sched_state = sched->state_dict();
      Tensor a2 = kd::zeros({2}).requires_grad_(), b2 = kd::zeros({2}).requires_grad_();
      auto opt2 = optim_fixture::two_group_optimizer(row["optimizer"].as_string(), a2, b2);
      auto sched2 = optim_fixture::scheduler(name, *opt2, row["spec"]);
      Tensor a3 = kd::zeros({2}).requires_grad_(), b3 = kd::zeros({2}).requires_grad_();
      auto opt3 = optim_fixture::two_group_optimizer(row["optimizer"].as_string(), a3, b3);
      auto sched3 = optim_fixture::scheduler(name, *opt3, row["spec"]);
      opt2->load_state_dict(opt_state);
      sched2->load_state_dict(sched_state);
      opt3->load_state_dict(opt_state);
      sched3->load_state_dict(row["state_dict"]);
      CHECK(sched2->last_epoch() == resume_at);
      for (int64_t s = resume_at; s < steps; ++s) {
        for (auto* pair : {&opt, &opt2, &opt3}) (*pair)->step();
        sched->step();
        sched2->step();
        sched3->step();
        INFO(name << " epoch " << s + 1);
        REQUIRE(sched2->get_last_lr() == sched->get_last_lr());
        REQUIRE(lrs_of(*opt2) == lrs_of(*opt));
        for (size_t g = 0; g < 2; ++g) {
          CHECK(opt2->param_groups()[g].options->get_cycle_momentum() ==
                opt->param_groups()[g].options->get_cycle_momentum());
          CHECK(close(sched3->get_last_lr()[g], row["lrs"][s + 1][g].as_double()));
        }
      }
    }
  }
}

TEST_CASE("scheduler load_state_dict checks every key before changing anything", "[optim][scheduler][checkpoint]") {
  Tensor a = kd::zeros({2}).requires_grad_();
  SGD sgd({a}, SGDOptions(0.1).momentum(0.9));
  StepLR step(sgd, 3, 0.5);
  step.step();
  const Json before = step.state_dict();
  auto with = [&](const char* key, Json value) {
    Json s = before;
    s.set(key, std::move(value));
    return s;
  };
  struct Row {
    Json state;
    const char* message;
  };
  const std::vector<Row> rows = {
      {with("step_size", 0), "StepLR.load_state_dict: \"step_size\" must be an integer >= 1, got 0"},
      {with("gamma", "x"), "StepLR.load_state_dict: \"gamma\" must be a number, got \"x\""},
      {with("base_lrs", Json::Array{0.1, 0.2}),
       "StepLR.load_state_dict: \"base_lrs\" must be a list of 1 numbers (one per param group), got [0.1,0.2]"},
      {with("last_epoch", -2), "StepLR.load_state_dict: \"last_epoch\" must be an integer >= -1, got -2"},
      {with("T_max", 4), "StepLR.load_state_dict: unexpected key \"T_max\""},
      {Json::array(), "StepLR.load_state_dict: expected a JSON object, got array"},
  };
  for (const Row& row : rows) {
    CHECK_THROWS_WITH(step.load_state_dict(row.state), row.message);
    CHECK(step.state_dict().dump() == before.dump());
  }
  // A subset of keys updates only those (torch's __dict__.update).
  step.load_state_dict(Json(Json::Object{{"gamma", 0.25}}));
  CHECK(step.state_dict()["gamma"].as_double() == 0.25);
  CHECK(step.last_epoch() == 1);

  Adagrad adagrad({a});
  SGD sgd2({kd::zeros({2}).requires_grad_()}, SGDOptions(0.1).momentum(0.9));
  OneCycleLR one_cycle(sgd2, OneCycleLROptions(1.0).total_steps(10));
  OneCycleLR no_momentum(sgd, OneCycleLROptions(1.0).total_steps(10).cycle_momentum(false));
  Json phases = one_cycle.state_dict();
  phases.set("_schedule_phases", Json::Array{Json(Json::Object{{"end_step", 3.0}, {"start_lr", "peak"}})});
  CHECK_THROWS_WITH(one_cycle.load_state_dict(phases),
                    Catch::Contains("OneCycleLR.load_state_dict: \"_schedule_phases\" must be a list of phases"));
  Json strategy = one_cycle.state_dict();
  strategy.set("anneal_strategy", "cosine");
  CHECK_THROWS_WITH(one_cycle.load_state_dict(strategy),
                    "OneCycleLR.load_state_dict: \"anneal_strategy\" must be \"cos\" or \"linear\", got \"cosine\"");
  Json milestones = Json(Json::Object{{"milestones", Json(Json::Object{{"x", 1}})}});
  MultiStepLR multi(sgd, {2, 4});
  CHECK_THROWS_WITH(multi.load_state_dict(milestones), Catch::Contains("\"milestones\" must be an object"));
  multi.load_state_dict(Json(Json::Object{{"milestones", Json(Json::Object{{"3", 2}, {"7", 1}})}}));
  CHECK(multi.state_dict()["milestones"].dump() == R"({"3":2,"7":1})");
}

// ---------------------------------------------------------------------------------------------
// Checkpoints: train N steps straight, or N/2, save, load into fresh objects, N/2 more.

namespace {

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>)>;
using MakeScheduler = std::function<std::unique_ptr<LRScheduler>(Optimizer&)>;

struct Setup {
  std::string name;
  bool sparse;  // an Embedding(sparse=True) model instead of the MLP
  MakeOptimizer optimizer;
  MakeScheduler scheduler;  // may be empty
};

std::shared_ptr<kd::nn::Module> make_model(bool sparse, uint64_t seed) {
  kd::manual_seed(seed);
  if (sparse) return std::make_shared<kd::nn::Embedding>(kd::nn::EmbeddingOptions(7, 3).sparse(true));
  auto model = std::make_shared<kd::nn::Sequential>();
  model->push_back(std::make_shared<kd::nn::Linear>(kd::nn::LinearOptions(3, 5)));
  model->push_back(std::make_shared<kd::nn::Tanh>());
  model->push_back(std::make_shared<kd::nn::Linear>(kd::nn::LinearOptions(5, 2)));
  return model;
}

struct Run {
  std::shared_ptr<kd::nn::Module> model;
  std::unique_ptr<Optimizer> optimizer;
  std::unique_ptr<LRScheduler> scheduler;

  Run(const Setup& setup, uint64_t seed) : model(make_model(setup.sparse, seed)) {
    optimizer = setup.optimizer(model->parameters());
    if (setup.scheduler) scheduler = setup.scheduler(*optimizer);
  }

  // Each step's batch depends only on the step number, so both runs see the same data.
  void train(bool sparse, int from, int to) {
    for (int step = from; step < to; ++step) {
      optimizer->zero_grad();
      Tensor loss;
      if (sparse) {
        Tensor ids = kd::tensor_i64({step % 7, (step * 3 + 1) % 7, (step * 5 + 2) % 7, step % 7});
        loss = model->forward(ids).pow(2.0).sum().mul(0.5);
      } else {
        Tensor x = kd::arange(static_cast<double>(4 * 3)).view({4, 3}).mul(0.1 + 0.01 * step).tanh();
        Tensor y = kd::arange(static_cast<double>(4 * 2)).view({4, 2}).mul(0.3).sub(1.0).tanh();
        loss = kd::nn::functional::mse_loss(model->forward(x), y);
      }
      loss.backward();
      optimizer->step();
      if (scheduler) scheduler->step();
    }
  }
};

void require_bit_identical(const kd::nn::Module& got, const kd::nn::Module& want) {
  auto g = got.named_parameters();
  auto w = want.named_parameters();
  REQUIRE(g.size() == w.size());
  for (size_t i = 0; i < g.size(); ++i) {
    INFO(g[i].first);
    Tensor a = g[i].second.contiguous(), b = w[i].second.contiguous();
    REQUIRE(a.numel() == b.numel());
    CHECK(std::memcmp(a.data<float>(), b.data<float>(), sizeof(float) * a.numel()) == 0);
  }
}

}  // namespace

TEST_CASE("checkpoint: model + optimizer + scheduler resume bit-identically", "[optim][checkpoint]") {
  auto sgd_momentum = [](std::vector<Tensor> p) {
    return std::make_unique<SGD>(std::move(p), SGDOptions(0.05).momentum(0.9).nesterov(true));
  };
  const std::vector<Setup> setups = {
      {"Adam + StepLR", false, [](std::vector<Tensor> p) { return std::make_unique<Adam>(std::move(p), AdamOptions(0.02).amsgrad(true)); },
       [](Optimizer& o) { return std::make_unique<StepLR>(o, 3, 0.5); }},
      {"AdamW + CosineAnnealingLR", false, [](std::vector<Tensor> p) { return std::make_unique<AdamW>(std::move(p), AdamWOptions(0.02)); },
       [](Optimizer& o) { return std::make_unique<CosineAnnealingLR>(o, 5, 0.001); }},
      {"SGD momentum + MultiStepLR", false, sgd_momentum,
       [](Optimizer& o) { return std::make_unique<MultiStepLR>(o, std::vector<int64_t>{2, 6, 6}, 0.5); }},
      {"SGD momentum + ExponentialLR", false, sgd_momentum, [](Optimizer& o) { return std::make_unique<ExponentialLR>(o, 0.9); }},
      {"SGD momentum + LinearLR", false, sgd_momentum, [](Optimizer& o) { return std::make_unique<LinearLR>(o, 0.2, 1.0, 6); }},
      {"SGD momentum + LambdaLR", false, sgd_momentum,
       [](Optimizer& o) { return std::make_unique<LambdaLR>(o, [](int64_t e) { return 1.0 / (1.0 + e); }); }},
      {"SGD momentum + OneCycleLR", false, sgd_momentum,
       [](Optimizer& o) { return std::make_unique<OneCycleLR>(o, OneCycleLROptions(0.1).total_steps(10)); }},
      {"RMSprop + OneCycleLR (three phases, linear)", false,
       [](std::vector<Tensor> p) { return std::make_unique<RMSprop>(std::move(p), RMSpropOptions(0.01).momentum(0.5).centered(true)); },
       [](Optimizer& o) {
         return std::make_unique<OneCycleLR>(
             o, OneCycleLROptions(0.02).total_steps(10).three_phase(true).anneal_strategy(AnnealStrategy::Linear));
       }},
      {"Adagrad + ExponentialLR", false, [](std::vector<Tensor> p) { return std::make_unique<Adagrad>(std::move(p), AdagradOptions(0.1).lr_decay(0.01)); },
       [](Optimizer& o) { return std::make_unique<ExponentialLR>(o, 0.95); }},
      {"SparseAdam + CosineAnnealingLR", true, [](std::vector<Tensor> p) { return std::make_unique<SparseAdam>(std::move(p), SparseAdamOptions(0.05)); },
       [](Optimizer& o) { return std::make_unique<CosineAnnealingLR>(o, 4); }},
      {"SGD momentum on sparse gradients, no scheduler", true, sgd_momentum, nullptr},
      {"Adagrad on sparse gradients + StepLR", true, [](std::vector<Tensor> p) { return std::make_unique<Adagrad>(std::move(p), AdagradOptions(0.1)); },
       [](Optimizer& o) { return std::make_unique<StepLR>(o, 2, 0.7); }},
  };
  constexpr int kSteps = 10;
  for (const Setup& setup : setups) {
    DYNAMIC_SECTION(setup.name) {
      Run straight(setup, 1);
      straight.train(setup.sparse, 0, kSteps);

      Run first(setup, 1);
      first.train(setup.sparse, 0, kSteps / 2);
      const std::vector<uint8_t> model_bytes = kd::save_safetensors(first.model->state_dict());
      const std::vector<uint8_t> optimizer_bytes = save_optimizer_state(*first.optimizer, first.scheduler.get());

      Run resumed(setup, 99);  // other initial weights: everything must come from the files
      resumed.model->load_state_dict(kd::load_safetensors(model_bytes).tensors);
      load_optimizer_state(optimizer_bytes, *resumed.optimizer, resumed.scheduler.get());
      resumed.train(setup.sparse, kSteps / 2, kSteps);

      require_bit_identical(*resumed.model, *straight.model);
      CHECK(lrs_of(*resumed.optimizer) == lrs_of(*straight.optimizer));
      // The checkpoint is not a no-op: without the optimizer file the run differs.
      Run no_state(setup, 1);
      no_state.train(setup.sparse, 0, kSteps / 2);
      Run restarted(setup, 99);
      restarted.model->load_state_dict(kd::load_safetensors(model_bytes).tensors);
      restarted.train(setup.sparse, kSteps / 2, kSteps);
      Tensor diff = restarted.model->parameters()[0].sub(straight.model->parameters()[0]).abs().max();
      CHECK(diff.item<float>() > 0);
    }
  }
}

TEST_CASE("checkpoint: a file that does not fit is refused and changes nothing", "[optim][checkpoint]") {
  Tensor w = kd::ones({2, 3}).requires_grad_();
  Adam adam({w}, AdamOptions(0.1));
  StepLR step(adam, 2);
  w.sum().backward();
  adam.step();
  step.step();
  const std::vector<uint8_t> adam_bytes = save_optimizer_state(adam, &step);
  const std::vector<uint8_t> adam_only = save_optimizer_state(adam);

  Tensor v = kd::ones({2, 3}).requires_grad_();
  Adam fresh({v}, AdamOptions(0.5));
  ExponentialLR exponential(fresh, 0.5);
  const std::string before = fresh.state_dict().param_groups.dump() + exponential.state_dict().dump();
  auto unchanged = [&] {
    CHECK(fresh.state(v) == nullptr);
    CHECK(fresh.state_dict().param_groups.dump() + exponential.state_dict().dump() == before);
  };
  CHECK_THROWS_WITH(load_optimizer_state(adam_bytes, fresh, &exponential),
                    "ExponentialLR.load_state_dict: unexpected key \"step_size\"");
  unchanged();
  CHECK_THROWS_WITH(load_optimizer_state(adam_only, fresh, &exponential),
                    "optimizer state: the file holds no ExponentialLR state (it was saved without a scheduler)");
  unchanged();
  SGD sgd({v}, SGDOptions(0.1));
  CHECK_THROWS_WITH(load_optimizer_state(adam_only, sgd), "optimizer state: the file holds the state of Adam, not SGD");
  Tensor wide = kd::ones({3, 3}).requires_grad_();
  Adam other_shape({wide});
  CHECK_THROWS_WITH(load_optimizer_state(adam_only, other_shape),
                    Catch::Contains("has shape [2, 3] but the parameter has shape [3, 3]"));
  CHECK(other_shape.state(wide) == nullptr);
  // A model's state_dict is not an optimizer's.
  const std::vector<uint8_t> model_file = kd::save_safetensors({{"weight", w}});
  CHECK_THROWS_WITH(load_optimizer_state(model_file, fresh), "optimizer state: the file has no \"format\" in its __metadata__");
  const std::vector<uint8_t> misnamed = kd::save_safetensors({{"state.x.exp_avg", w}}, {{"format", "kindling.optimizer.v1"},
                                                                                         {"optimizer", "Adam"},
                                                                                         {"param_groups", "[]"},
                                                                                         {"state", "{}"}});
  CHECK_THROWS_WITH(load_optimizer_state(misnamed, fresh),
                    "optimizer state: tensor \"state.x.exp_avg\" is not named state.<index>.<buffer>");
  unchanged();

  // The file carries every number exactly: saved, read and saved again gives the same bytes.
  OptimizerCheckpoint read = read_optimizer_state(adam_bytes.data(), adam_bytes.size());
  CHECK(read.optimizer == "Adam");
  CHECK(read.state.state.at(0).step == 1);
  CHECK(save_optimizer_state(read.optimizer, read.state, read.lr_scheduler) == adam_bytes);
}
