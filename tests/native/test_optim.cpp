// kd::optim against PyTorch 1.13: optimizer trajectories, LR schedules and gradient clipping
// from tests/fixtures/optim/optim_golden.json (regenerate with
// `/usr/bin/python3 tests/fixtures/optim/generate_optim.py`), plus state_dict round trips,
// frozen parameters and every error path.
//
// Tolerances: optimizer trajectories and clipped gradients |got - want| <= 1e-5 * |want| + 1e-6
// (float32 updates; PyTorch's vectorized kernels may fuse or reorder a multiply-add, and the
// dense gradient of each step comes from Kindling's own autograd). LR schedules are computed
// in double with PyTorch's formulas: relative 1e-12.
#include <catch2/catch.hpp>

#include "golden.h"
#include "optim_fixture.h"

#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "autograd/grad_mode.h"
#include "ops/ops.h"
#include "optim/optim.h"
#include "tensor/sparse.h"
#include "util/json.h"

using kd::Json;
using kd::Tensor;
using namespace kd::optim;

namespace {

const Json& fixture() { return golden::load_fixture("optim/optim_golden.json", "tests/fixtures/optim/generate_optim.py"); }

std::vector<float> floats(const Json& j) {
  std::vector<float> out;
  if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      std::vector<float> inner = floats(j[i]);
      out.insert(out.end(), inner.begin(), inner.end());
    }
  } else {
    out.push_back(static_cast<float>(j.as_double()));
  }
  return out;
}

kd::Shape shape_of(const Json& j) {
  kd::Shape s;
  const Json* cur = &j;
  while (cur->is_array()) {
    s.push_back(static_cast<int64_t>(cur->size()));
    if (cur->size() == 0) break;
    cur = &(*cur)[0];
  }
  return s;
}

Tensor from_json(const Json& j, bool requires_grad = false) {
  Tensor t = kd::tensor(floats(j), shape_of(j));
  if (requires_grad) t.requires_grad_();
  return t;
}

bool close(float got, float want, double rtol = 1e-5, double atol = 1e-6) {
  return std::fabs(static_cast<double>(got) - want) <= rtol * std::fabs(static_cast<double>(want)) + atol;
}

// Reports the first mismatching element with its context.
void check_close(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
  INFO(what);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (!close(got[i], want[i])) {
      FAIL_CHECK(what << ": element " << i << " is " << got[i] << ", PyTorch has " << want[i]);
      return;
    }
  }
}

template <typename Options>
Options options_from(Options base, const Json& j) {
  base.from_json(j, /*require_all=*/false);
  return base;
}

// Builds the optimizer a fixture row names, with its defaults and optional groups.
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, const Json& options,
                                          std::vector<ParamGroup> groups) {
  if (name == "SGD") return std::make_unique<SGD>(std::move(groups), options_from(SGDOptions(options["lr"].as_double()), options));
  if (name == "Adam") return std::make_unique<Adam>(std::move(groups), options_from(AdamOptions(), options));
  if (name == "AdamW") return std::make_unique<AdamW>(std::move(groups), options_from(AdamWOptions(), options));
  if (name == "Adagrad") return std::make_unique<Adagrad>(std::move(groups), options_from(AdagradOptions(), options));
  if (name == "RMSprop") return std::make_unique<RMSprop>(std::move(groups), options_from(RMSpropOptions(), options));
  if (name == "SparseAdam") {
    return std::make_unique<SparseAdam>(std::move(groups), options_from(SparseAdamOptions(), options));
  }
  FAIL("unknown optimizer " << name);
  return nullptr;
}

struct DenseProblem {
  Tensor p0, p1, frozen, x0, y0, x1, y1;
  DenseProblem() {
    const Json& pr = fixture()["problem"];
    p0 = from_json(pr["p0"], true);
    p1 = from_json(pr["p1"], true);
    frozen = from_json(pr["frozen"], true);
    x0 = from_json(pr["x0"]);
    y0 = from_json(pr["y0"]);
    x1 = from_json(pr["x1"]);
    y1 = from_json(pr["y1"]);
  }
  std::vector<Tensor> params() const { return {p0, p1, frozen}; }
  // loss = sum((p0 * x0 - y0)^2) + sum((p1 * x1 - y1)^2); `frozen` gets no gradient.
  void backward() const {
    Tensor loss = (p0 * x0 - y0).pow(2).sum() + (p1 * x1 - y1).pow(2).sum();
    loss.backward();
  }
};

std::shared_ptr<kd::SparseGrad> sparse_grad(const Json& step) {
  std::vector<int64_t> idx;
  for (size_t i = 0; i < step["indices"].size(); ++i) idx.push_back(step["indices"][i].as_int());
  auto g = std::make_shared<kd::SparseGrad>();
  g->indices = kd::tensor_i64(idx);
  g->values = from_json(step["values"]);
  g->dense_shape = {5, 3};
  g->coalesced = false;
  return g;
}

const Json& find_case(const char* table, const std::string& name) {
  const Json& rows = fixture()[table];
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i]["name"].as_string() == name) return rows[i];
  }
  FAIL("no fixture case " << name);
  return rows;
}

std::vector<float> values(const Tensor& t) { return t.to_vector<float>(); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Trajectories

TEST_CASE("optim: every optimizer follows PyTorch's trajectory", "[optim][golden]") {
  const Json& rows = fixture()["optimizers"];
  REQUIRE(rows.size() >= 20);
  for (size_t r = 0; r < rows.size(); ++r) {
    const Json& row = rows[r];
    const std::string name = row["name"].as_string();
    DYNAMIC_SECTION(name) {
      const bool sparse = name.rfind("sparse_", 0) == 0;
      if (!sparse) {
        DenseProblem pb;
        std::vector<Tensor> all = pb.params();
        std::vector<ParamGroup> groups;
        if (row["groups"].is_null()) {
          groups.emplace_back(all);
        } else {
          for (size_t g = 0; g < row["groups"].size(); ++g) {
            const Json& spec = row["groups"][g];
            std::vector<Tensor> ps;
            for (size_t k = 0; k < spec["params"].size(); ++k) ps.push_back(all[spec["params"][k].as_int()]);
            groups.emplace_back(ps, spec["overrides"]);
          }
        }
        auto opt = make_optimizer(row["optimizer"].as_string(), row["options"], std::move(groups));
        const std::vector<float> frozen_before = values(pb.frozen);
        for (size_t s = 0; s < row["trajectory"].size(); ++s) {
          opt->zero_grad();
          pb.backward();
          opt->step();
          const Json& want = row["trajectory"][s];
          check_close(values(pb.p0), floats(want[0]), name + " step " + std::to_string(s + 1) + " p0");
          check_close(values(pb.p1), floats(want[1]), name + " step " + std::to_string(s + 1) + " p1");
          // Frozen: bit-identical, and the optimizer kept no state for it (Adagrad creates its
          // state up front, as PyTorch does, but never advances it).
          CHECK(values(pb.frozen) == frozen_before);
          const ParamState* st = opt->state(pb.frozen);
          if (row["optimizer"].as_string() == "Adagrad") {
            REQUIRE(st != nullptr);
            CHECK(st->step == 0);
          } else {
            CHECK(st == nullptr);
          }
        }
      } else {
        Tensor w = from_json(fixture()["problem"]["embedding"], true);
        auto opt = make_optimizer(row["optimizer"].as_string(), row["options"], {ParamGroup({w})});
        const Json& steps = fixture()["problem"]["sparse_steps"];
        for (size_t s = 0; s < steps.size(); ++s) {
          w.impl()->sparse_grad = sparse_grad(steps[s]);
          const uint32_t version = w.version();
          opt->step();
          CHECK(w.version() > version);
          check_close(values(w), floats(row["trajectory"][s][0]), name + " step " + std::to_string(s + 1));
        }
      }
    }
  }
}

TEST_CASE("optim: SparseAdam leaves unused rows and their moments untouched", "[optim]") {
  Tensor w = kd::ones({4, 2}).requires_grad_();
  SparseAdam opt({w}, SparseAdamOptions(0.1));
  auto g = std::make_shared<kd::SparseGrad>();
  g->indices = kd::tensor_i64({2, 2});
  g->values = kd::tensor({1, 2, 3, 4}, {2, 2});
  g->dense_shape = {4, 2};
  w.impl()->sparse_grad = g;
  opt.step();
  std::vector<float> v = values(w);
  CHECK(v[0] == 1.0f);
  CHECK(v[1] == 1.0f);
  CHECK(v[2] == 1.0f);
  CHECK(v[4] < 1.0f);  // row 2, summed grad (4, 6)
  CHECK(v[5] < 1.0f);
  CHECK(v[6] == 1.0f);
  std::vector<float> m = values(opt.state(w)->buffers.at("exp_avg"));
  CHECK(m == std::vector<float>{0, 0, 0, 0, 0.4f, 0.6f, 0, 0});
}

// ---------------------------------------------------------------------------------------------
// state_dict

TEST_CASE("optim: state_dict round trip continues bit-identically", "[optim]") {
  auto run = [](const char* which) {
    DenseProblem a;
    auto make = [&](std::vector<Tensor> ps) -> std::unique_ptr<Optimizer> {
      std::vector<ParamGroup> groups;
      groups.emplace_back(std::vector<Tensor>{ps[0]});
      groups.emplace_back(std::vector<Tensor>{ps[1], ps[2]}, Json(Json::Object{{"lr", 0.01}}));
      if (std::string(which) == "Adam") return std::make_unique<Adam>(groups, AdamOptions(0.05).amsgrad(true));
      if (std::string(which) == "SGD") return std::make_unique<SGD>(groups, SGDOptions(0.05).momentum(0.9).nesterov(true));
      if (std::string(which) == "Adagrad") return std::make_unique<Adagrad>(groups, AdagradOptions(0.1).lr_decay(0.01));
      return std::make_unique<RMSprop>(groups, RMSpropOptions(0.01).momentum(0.5).centered(true));
    };
    auto opt_a = make(a.params());
    for (int s = 0; s < 3; ++s) {
      opt_a->zero_grad();
      a.backward();
      opt_a->step();
    }
    OptimizerStateDict sd = opt_a->state_dict();
    // PyTorch's layout: state keyed by parameter index, groups list their indices.
    CHECK(sd.param_groups.size() == 2);
    CHECK(sd.param_groups[1]["params"] == Json(Json::Array{1, 2}));
    CHECK(sd.param_groups[1]["lr"].as_double() == 0.01);
    REQUIRE(sd.state.count(0) == 1);
    CHECK(sd.state.at(0).step == 3);

    // A second model at the same point, with a fresh optimizer that loads the state.
    DenseProblem b;
    {
      kd::NoGradGuard ng;
      b.p0.copy_(a.p0);
      b.p1.copy_(a.p1);
    }
    auto opt_b = make(b.params());
    opt_b->param_groups()[1].set_lr(0.5);  // overwritten by the load
    opt_b->load_state_dict(sd);
    CHECK(opt_b->param_groups()[1].lr() == 0.01);
    for (int s = 0; s < 3; ++s) {
      opt_a->zero_grad();
      a.backward();
      opt_a->step();
      opt_b->zero_grad();
      b.backward();
      opt_b->step();
    }
    CHECK(values(a.p0) == values(b.p0));
    CHECK(values(a.p1) == values(b.p1));
    // The saved copy is independent of the optimizer.
    CHECK(sd.state.at(0).step == 3);
  };
  SECTION("Adam") { run("Adam"); }
  SECTION("SGD") { run("SGD"); }
  SECTION("Adagrad") { run("Adagrad"); }
  SECTION("RMSprop") { run("RMSprop"); }
}

TEST_CASE("optim: load_state_dict validates before changing anything", "[optim]") {
  DenseProblem pb;
  Adam opt(pb.params(), AdamOptions(0.1));
  opt.zero_grad();
  pb.backward();
  opt.step();
  const OptimizerStateDict good = opt.state_dict();
  const std::vector<float> m_before = values(opt.state(pb.p0)->buffers.at("exp_avg"));

  auto expect_error = [&](OptimizerStateDict sd, const std::string& message) {
    try {
      opt.load_state_dict(sd);
      FAIL("no error for " << message);
    } catch (const kd::ValueError& e) {
      CHECK_THAT(e.what(), Catch::Contains(message));
    }
    CHECK(values(opt.state(pb.p0)->buffers.at("exp_avg")) == m_before);
    CHECK(opt.param_groups()[0].lr() == 0.1);
  };
  {
    OptimizerStateDict sd = good;
    sd.param_groups.push_back(sd.param_groups[0]);
    expect_error(sd, "loaded state dict has a different number of parameter groups");
  }
  {
    OptimizerStateDict sd = good;
    sd.param_groups.as_array()[0].set("params", Json(Json::Array{0, 1}));
    expect_error(sd, "doesn't match the size of optimizer's group");
  }
  {
    OptimizerStateDict sd = good;
    sd.param_groups.as_array()[0].set("lr", -1.0);
    expect_error(sd, "Invalid learning rate: -1.0");
  }
  {
    OptimizerStateDict sd = good;
    sd.param_groups.as_array()[0].set("lr", 0.5);
    sd.state[0].buffers["exp_avg"] = kd::zeros({3});
    expect_error(sd, "state \"exp_avg\" of parameter 0 has shape [3] but the parameter has shape [2, 3]");
  }
  {
    OptimizerStateDict sd = good;
    sd.state[1].buffers["momentum_buffer"] = kd::zeros({3});
    expect_error(sd, "Adam has no state named \"momentum_buffer\"");
  }
  {
    OptimizerStateDict sd = good;
    sd.state[7] = sd.state[0];
    expect_error(sd, "parameter index 7 which is in no parameter group");
  }
  {
    OptimizerStateDict sd = good;
    sd.param_groups.as_array()[0].set("momentum", 0.9);
    expect_error(sd, "Adam has no option named \"momentum\"");
  }
}

// ---------------------------------------------------------------------------------------------
// Errors, zero_grad, groups

TEST_CASE("optim: sparse gradients are rejected where PyTorch rejects them", "[optim]") {
  auto with_sparse = [] {
    Tensor w = kd::ones({3, 2}).requires_grad_();
    auto g = std::make_shared<kd::SparseGrad>();
    g->indices = kd::tensor_i64({1});
    g->values = kd::ones({1, 2});
    g->dense_shape = {3, 2};
    w.impl()->sparse_grad = g;
    return w;
  };
  auto expect = [&](Optimizer& opt, Tensor& w, const std::string& message) {
    const std::vector<float> before = values(w);
    try {
      opt.step();
      FAIL("no error: " << message);
    } catch (const kd::StateError& e) {
      CHECK(std::string(e.what()) == message);
    }
    CHECK(values(w) == before);
  };
  Tensor w = with_sparse();
  {
    Adam opt({w});
    expect(opt, w, "Adam does not support sparse gradients, please consider SparseAdam instead");
  }
  {
    AdamW opt({w});
    expect(opt, w, "AdamW does not support sparse gradients");
  }
  {
    RMSprop opt({w});
    expect(opt, w, "RMSprop does not support sparse gradients");
  }
  {
    Adagrad opt({w}, AdagradOptions().weight_decay(0.1));
    expect(opt, w, "weight_decay option is not compatible with sparse gradients");
  }
  {
    SGD opt({w}, SGDOptions(0.1).weight_decay(0.1));
    CHECK_THROWS_WITH(opt.step(), Catch::Contains("add(sparse, dense) is not supported"));
  }
  {
    Tensor d = kd::ones({2}).requires_grad_();
    d.set_grad(kd::ones({2}));
    SparseAdam opt({d});
    CHECK_THROWS_WITH(opt.step(), "SparseAdam does not support dense gradients, please consider Adam instead");
  }
}

TEST_CASE("optim: option validation uses PyTorch's messages", "[optim]") {
  Tensor p = kd::ones({2}).requires_grad_();
  CHECK_THROWS_WITH(SGD({p}, SGDOptions(-1)), "Invalid learning rate: -1.0");
  CHECK_THROWS_WITH(SGD({p}, SGDOptions(0.1).momentum(-0.5)), "Invalid momentum value: -0.5");
  CHECK_THROWS_WITH(SGD({p}, SGDOptions(0.1).nesterov(true)), "Nesterov momentum requires a momentum and zero dampening");
  CHECK_THROWS_WITH(Adam({p}, AdamOptions().betas({1.0, 0.999})), "Invalid beta parameter at index 0: 1.0");
  CHECK_THROWS_WITH(AdamW({p}, AdamWOptions().eps(-1e-8)), "Invalid epsilon value: -1e-08");
  CHECK_THROWS_WITH(Adagrad({p}, AdagradOptions().lr_decay(-1)), "Invalid lr_decay value: -1.0");
  CHECK_THROWS_WITH(RMSprop({p}, RMSpropOptions().alpha(-0.1)), "Invalid alpha value: -0.1");
  CHECK_THROWS_WITH(SparseAdam({p}, SparseAdamOptions(0.0)), "Invalid learning rate: 0.0");
  CHECK_THROWS_WITH(SGD(std::vector<Tensor>{}, SGDOptions(0.1)), "optimizer got an empty parameter list");
  CHECK_THROWS_AS(SGD({p}, SGDOptions(-1)), kd::ValueError);
}

TEST_CASE("optim: parameter groups", "[optim]") {
  Tensor a = kd::ones({2}).requires_grad_();
  Tensor b = kd::ones({2}).requires_grad_();
  SGD opt({ParamGroup({a}), ParamGroup({b}, SGDOptions(0.5).momentum(0.9))}, SGDOptions(0.1));
  CHECK(opt.param_groups()[0].lr() == 0.1);
  CHECK(opt.param_groups()[1].options_as<SGDOptions>().momentum() == 0.9);
  CHECK_THROWS_WITH(opt.add_param_group(ParamGroup({a})), "some parameters appear in more than one parameter group");
  CHECK_THROWS_WITH(opt.add_param_group(ParamGroup({kd::ones({1}).requires_grad_()}, AdamOptions())),
                    Catch::Contains("param group options are AdamOptions but the optimizer is SGD"));
  CHECK_THROWS_WITH(opt.add_param_group(ParamGroup({kd::ones({1})}, Json(Json::Object{{"lr", "fast"}}))),
                    "SGD option \"lr\" must be a number, got string");
  Tensor c = kd::ones({2}).requires_grad_();
  Tensor non_leaf = c * 2.0;
  CHECK_THROWS_WITH(opt.add_param_group(ParamGroup({non_leaf})), "can't optimize a non-leaf Tensor");
  REQUIRE(opt.param_groups().size() == 2);
  opt.add_param_group(ParamGroup({c}, Json(Json::Object{{"lr", 0.25}})));
  CHECK(opt.param_groups()[2].lr() == 0.25);
  CHECK(opt.param_groups()[2].options_as<SGDOptions>().momentum() == 0);  // the optimizer's default
  // Per-group lr is used by step.
  a.set_grad(kd::ones({2}));
  b.set_grad(kd::ones({2}));
  c.set_grad(kd::ones({2}));
  opt.param_groups()[0].set_lr(0.2);
  opt.step();
  CHECK(values(a) == std::vector<float>{0.8f, 0.8f});
  CHECK(values(b) == std::vector<float>{0.5f, 0.5f});
  CHECK(values(c) == std::vector<float>{0.75f, 0.75f});
}

TEST_CASE("optim: zero_grad", "[optim]") {
  Tensor a = kd::ones({2}).requires_grad_();
  Tensor w = kd::ones({3, 2}).requires_grad_();
  SGD opt({a, w}, SGDOptions(0.1).momentum(0.9));
  a.set_grad(kd::full({2}, 3.0));
  Tensor grad = a.grad();
  auto g = std::make_shared<kd::SparseGrad>();
  g->indices = kd::tensor_i64({1});
  g->values = kd::ones({1, 2});
  g->dense_shape = {3, 2};
  w.impl()->sparse_grad = g;

  opt.zero_grad();  // PyTorch 1.13's default: set_to_none=False
  REQUIRE(a.grad().defined());
  CHECK(a.grad().same(grad));  // zeroed in place
  CHECK(values(grad) == std::vector<float>{0, 0});
  REQUIRE(w.impl()->sparse_grad != nullptr);
  CHECK(w.impl()->sparse_grad->indices.numel() == 0);
  CHECK(w.impl()->sparse_grad->values.shape() == kd::Shape{0, 2});

  // An all-zero gradient still counts: the step runs (momentum state appears), as in PyTorch.
  opt.step();
  CHECK(opt.state(a) != nullptr);
  CHECK(opt.state(w) != nullptr);
  CHECK(values(w) == std::vector<float>(6, 1.0f));

  // The next backward accumulates into the emptied sparse gradient (as sparse embedding does).
  kd::SparseGrad fresh{kd::tensor_i64({2, 2}), kd::ones({2, 2}), {3, 2}, false};
  *w.impl()->sparse_grad = w.impl()->sparse_grad->add(fresh);
  CHECK(w.impl()->sparse_grad->to_dense().to_vector<float>() == std::vector<float>{0, 0, 0, 0, 2, 2});
  opt.step();
  CHECK(values(w)[4] < 1.0f);
  CHECK(values(w)[0] == 1.0f);

  opt.zero_grad(/*set_to_none=*/true);
  CHECK_FALSE(a.grad().defined());
  CHECK(w.impl()->sparse_grad == nullptr);
}

TEST_CASE("optim: step bumps the parameter's version and records no history", "[optim]") {
  DenseProblem pb;
  Adam opt(pb.params());
  pb.backward();
  const uint32_t v0 = pb.p0.version(), vf = pb.frozen.version();
  opt.step();
  CHECK(pb.p0.version() > v0);
  CHECK(pb.frozen.version() == vf);
  CHECK(pb.p0.is_leaf());
  CHECK(pb.p0.grad_fn() == nullptr);
}

// ---------------------------------------------------------------------------------------------
// Schedulers

namespace {

bool close_lr(double got, double want) { return std::fabs(got - want) <= 1e-12 * std::fabs(want) + 1e-15; }

}  // namespace

TEST_CASE("optim: LR schedulers match PyTorch's sequences", "[optim][golden][scheduler]") {
  const Json& rows = fixture()["schedulers"];
  REQUIRE(rows.size() == 9);
  for (size_t r = 0; r < rows.size(); ++r) {
    const Json& row = rows[r];
    std::string name = row["name"].as_string();
    DYNAMIC_SECTION(name) {
      Tensor a = kd::zeros({2}).requires_grad_();
      Tensor b = kd::zeros({2}).requires_grad_();
      auto opt = optim_fixture::two_group_optimizer(row["optimizer"].as_string(), a, b);
      auto sched = optim_fixture::scheduler(name, *opt, row["spec"]);
      for (size_t s = 0; s < row["lrs"].size(); ++s) {
        if (s > 0) {
          opt->step();
          sched->step();
        }
        const Json& want = row["lrs"][s];
        const Json& want_m = row["momentum"][s];
        REQUIRE(sched->get_last_lr().size() == 2);
        for (size_t g = 0; g < 2; ++g) {
          INFO(name << " epoch " << s << " group " << g);
          CHECK(close_lr(sched->get_last_lr()[g], want[g].as_double()));
          CHECK(close_lr(opt->param_groups()[g].lr(), want[g].as_double()));
          CHECK(close_lr(opt->param_groups()[g].options->get_cycle_momentum(), want_m[g].as_double()));
        }
      }
      CHECK(sched->last_epoch() == 30);
    }
  }
}

TEST_CASE("optim: scheduler errors", "[optim][scheduler]") {
  Tensor a = kd::zeros({2}).requires_grad_();
  SGD sgd({a}, SGDOptions(0.1).momentum(0.9));
  OneCycleLR sched(sgd, OneCycleLROptions(1.0).total_steps(3));
  sched.step();
  sched.step();
  sched.step();
  const double lr = sgd.param_groups()[0].lr();
  CHECK_THROWS_WITH(sched.step(), "Tried to step 5 times. The specified number of total steps is 3");
  CHECK(sgd.param_groups()[0].lr() == lr);
  CHECK(sched.last_epoch() == 3);

  Adagrad adagrad({a});
  CHECK_THROWS_WITH(OneCycleLR(adagrad, OneCycleLROptions(1.0).total_steps(10)),
                    "optimizer must support momentum with `cycle_momentum` option enabled");
  CHECK_THROWS_WITH(OneCycleLR(sgd, OneCycleLROptions(1.0)),
                    "You must define either total_steps OR (epochs AND steps_per_epoch)");
  CHECK_THROWS_WITH(LinearLR(sgd, 1.5), "Starting multiplicative factor expected to be between 0 and 1.");
  CHECK_THROWS_WITH(StepLR(sgd, 0), "StepLR: step_size must be positive, got 0");
  Tensor b = kd::zeros({2}).requires_grad_();
  SGD fresh({b}, SGDOptions(0.1));
  CHECK_THROWS_WITH(ExponentialLR(fresh, 0.5, /*last_epoch=*/4),
                    "param 'initial_lr' is not specified in param_groups[0] when resuming an optimizer");
  CHECK_THROWS_WITH(LambdaLR(fresh, std::vector<LambdaLR::Lambda>{}), "Expected 1 lr_lambdas, but got 0");
}

// ---------------------------------------------------------------------------------------------
// Gradient clipping

TEST_CASE("optim: clip_grad_norm_ matches PyTorch", "[optim][golden][clip]") {
  const Json& rows = fixture()["clip_grad_norm"];
  REQUIRE(rows.size() == 5);
  for (size_t r = 0; r < rows.size(); ++r) {
    const Json& row = rows[r];
    const double norm_type = row["norm_type"].is_string() ? INFINITY : row["norm_type"].as_double();
    DYNAMIC_SECTION("norm_type " << norm_type << " max_norm " << row["max_norm"].as_double()) {
      Tensor a = kd::zeros({2, 3}).requires_grad_();
      Tensor b = kd::zeros({3}).requires_grad_();
      Tensor c = kd::zeros({2}).requires_grad_();
      a.set_grad(from_json(row["grads"][0]));
      b.set_grad(from_json(row["grads"][1]));
      Tensor total = clip_grad_norm_({a, b, c}, row["max_norm"].as_double(), norm_type);
      CHECK(total.dim() == 0);
      CHECK(close(total.item<float>(), static_cast<float>(row["total_norm"].as_double())));
      check_close(values(a.grad()), floats(row["clipped"][0]), "a.grad");
      check_close(values(b.grad()), floats(row["clipped"][1]), "b.grad");
      CHECK_FALSE(c.grad().defined());
    }
  }
}

TEST_CASE("optim: clip_grad_norm_ with a sparse gradient, errors, clip_grad_value_", "[optim][clip]") {
  const Json& row = fixture()["clip_grad_norm_sparse"];
  Tensor w = kd::zeros({5, 3}).requires_grad_();
  w.impl()->sparse_grad = sparse_grad(row);
  Tensor total = clip_grad_norm_({w}, row["max_norm"].as_double());
  CHECK(close(total.item<float>(), static_cast<float>(row["total_norm"].as_double())));
  check_close(values(w.impl()->sparse_grad->to_dense()), floats(row["clipped_dense"]), "sparse grad");

  Tensor a = kd::zeros({2}).requires_grad_();
  a.set_grad(kd::tensor({INFINITY, 1.0f}));
  CHECK_THROWS_WITH(clip_grad_norm_({a}, 1.0, 2.0, /*error_if_nonfinite=*/true),
                    Catch::StartsWith("The total norm of order 2.0 for gradients from `parameters` is non-finite"));
  CHECK(std::isinf(values(a.grad())[0]));  // unchanged
  CHECK(clip_grad_norm_({kd::zeros({2}).requires_grad_()}, 1.0).item<float>() == 0.0f);

  Tensor v = kd::zeros({3}).requires_grad_();
  v.set_grad(kd::tensor({-2.0f, 0.5f, 3.0f}));
  clip_grad_value_({v}, 1.0);
  CHECK(values(v.grad()) == std::vector<float>{-1.0f, 0.5f, 1.0f});
  Tensor e = kd::zeros({3, 1}).requires_grad_();
  auto g = std::make_shared<kd::SparseGrad>();
  g->indices = kd::tensor_i64({1, 1, 2});
  g->values = kd::tensor({0.75f, 0.75f, -0.25f}, {3, 1});
  g->dense_shape = {3, 1};
  e.impl()->sparse_grad = g;
  clip_grad_value_({e}, 1.0);  // repeated rows are summed before clamping
  CHECK(values(e.impl()->sparse_grad->to_dense()) == std::vector<float>{0.0f, 1.0f, -0.25f});
}
