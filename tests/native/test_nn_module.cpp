// nn::Module and nn::Parameter (core/nn/module.h): registration, walks, state_dict and strict
// loading (messages compared with PyTorch 1.13's), apply, train/eval, zero_grad, freezing,
// sharing.
#include <catch2/catch.hpp>

#include "nn_test_util.h"

using namespace kd;
using namespace kd::nn;
using nntest::message_of;

namespace {

// A module with a bit of everything, registered in a deliberately mixed order.
struct Block : Module {
  Tensor plain;  // a plain tensor field: not a parameter
  Block() : Module("Block") {
    register_parameter("a", ones({2}));
    register_buffer("stat", zeros({2}));
    register_module("inner", std::make_shared<Linear>(2, 2));
    register_parameter("empty", Tensor());
    register_buffer("scratch", zeros({1}), /*persistent=*/false);
    register_parameter("d", ones({1}));
    plain = ones({3}).requires_grad_();
  }
  Tensor forward(const Tensor& x) override { return child("inner")->forward(x * param("a")) + param("d"); }
};

template <typename T>
std::vector<std::string> names_of(const T& named) {
  std::vector<std::string> out;
  for (const auto& [k, v] : named) out.push_back(k);
  return out;
}

NamedTensors cloned(const NamedTensors& sd) {
  NamedTensors out;
  for (const auto& [k, v] : sd) out.emplace_back(k, v.clone());
  return out;
}

void erase(NamedTensors& sd, const std::string& key) {
  for (auto it = sd.begin(); it != sd.end(); ++it)
    if (it->first == key) {
      sd.erase(it);
      return;
    }
}

void set(NamedTensors& sd, const std::string& key, const Tensor& value) {
  for (auto& [k, v] : sd)
    if (k == key) {
      v = value;
      return;
    }
  sd.emplace_back(key, value);
}

std::shared_ptr<Sequential> seq_model() {
  return std::make_shared<Sequential>(
      std::initializer_list<ModulePtr>{std::make_shared<Linear>(2, 3), std::make_shared<BatchNorm1d>(3)});
}

}  // namespace

TEST_CASE("Parameter is a leaf that requires grad and shares data", "[nn][module]") {
  Tensor data = tensor({1, 2, 3});
  Tensor p = Parameter(data);
  CHECK(p.is_leaf());
  CHECK(p.requires_grad());
  CHECK(p.impl()->is_parameter);
  CHECK(p.impl()->storage == data.impl()->storage);
  CHECK(p.to_string().rfind("Parameter containing:", 0) == 0);
  CHECK_FALSE(Parameter(data, false).requires_grad());
}

TEST_CASE("registration: empty slots, buffers, names", "[nn][module]") {
  Block b;
  CHECK(b.has_param("empty"));
  CHECK_FALSE(b.param("empty").defined());
  CHECK(names_of(b.named_parameters()) == std::vector<std::string>{"a", "d", "inner.weight", "inner.bias"});
  CHECK(names_of(b.named_parameters(false)) == std::vector<std::string>{"a", "d"});
  CHECK(names_of(b.named_buffers()) == std::vector<std::string>{"stat", "scratch"});
  // state_dict: per module, parameters then persistent buffers, then children, in order.
  CHECK(names_of(b.state_dict()) == std::vector<std::string>{"a", "d", "stat", "inner.weight", "inner.bias"});
  // A plain tensor field is not a parameter, even if it requires grad.
  for (const Tensor& p : b.parameters()) CHECK_FALSE(p.same(b.plain));
  CHECK(b.parameters().size() == 4);
  // Names are validated.
  CHECK_THROWS_AS(b.register_parameter("", ones({1})), ValueError);
  CHECK_THROWS_AS(b.register_parameter("x.y", ones({1})), ValueError);
  CHECK_THROWS_AS(b.register_buffer("x.y", ones({1})), ValueError);
  CHECK_THROWS_AS(b.register_module("", std::make_shared<ReLU>()), ValueError);
  CHECK_THROWS_AS(b.register_module("a.b", std::make_shared<ReLU>()), ValueError);
  CHECK_THROWS_AS(b.register_parameter("stat", ones({1})), ValueError);  // already a buffer
  CHECK_THROWS_AS(b.param("nope"), IndexError);
  CHECK_THROWS_AS(b.child("nope"), IndexError);
  // A plain leaf tensor is wrapped as Parameter(t) (a detached leaf sharing its storage), as
  // assigning nn.Parameter(t) in PyTorch; a computed (non-leaf) tensor is refused, as PyTorch
  // refuses to assign one to a parameter, and nothing is registered.
  Tensor plain = ones({2});
  Tensor& wrapped = b.register_parameter("wrapped", plain);
  CHECK(wrapped.is_leaf());
  CHECK(wrapped.impl()->is_parameter);
  CHECK(wrapped.impl()->storage == plain.impl()->storage);
  Tensor product = ones({2}).requires_grad_() * 2;
  CHECK_THROWS_WITH(b.register_parameter("computed", product), Catch::Contains("Cannot assign non-leaf Tensor"));
  CHECK_FALSE(b.has_param("computed"));
  // Registered params are leaves that require grad.
  for (const Tensor& p : b.parameters()) {
    CHECK(p.is_leaf());
    CHECK(p.requires_grad());
  }
}

TEST_CASE("walks: children, modules, named_modules", "[nn][module]") {
  auto inner = std::make_shared<Sequential>(std::initializer_list<ModulePtr>{std::make_shared<Linear>(2, 2),
                                                                             std::make_shared<ReLU>()});
  auto outer = std::make_shared<Sequential>(std::initializer_list<ModulePtr>{inner, std::make_shared<Tanh>()});
  CHECK(outer->children().size() == 2);
  CHECK(names_of(outer->named_modules()) == std::vector<std::string>{"", "0", "0.0", "0.1", "1"});
  CHECK(outer->modules().size() == 5);
  CHECK(names_of(outer->named_modules("net")) == std::vector<std::string>{"net", "net.0", "net.0.0", "net.0.1", "net.1"});
  CHECK(names_of(outer->named_parameters()) == std::vector<std::string>{"0.0.weight", "0.0.bias"});
}

TEST_CASE("state_dict key order matches PyTorch", "[nn][module][state]") {
  const Json& fx = nntest::load("nn_modules.json").at("load_errors");
  std::vector<std::string> expected;
  for (const Json& k : fx.at("keys").as_array()) expected.push_back(k.as_string());
  CHECK(names_of(seq_model()->state_dict()) == expected);
}

TEST_CASE("load_state_dict: strict errors as PyTorch, model unchanged", "[nn][module][state]") {
  const Json& fx = nntest::load("nn_modules.json").at("load_errors");
  auto model = seq_model();
  const NamedTensors good = cloned(model->state_dict());

  auto check_error = [&](const char* name, const NamedTensors& sd) {
    auto target = seq_model();
    // Give the target distinct values so "unchanged" is meaningful.
    std::vector<std::vector<float>> before;
    for (auto& [k, v] : target->state_dict()) before.push_back(v.to_vector<float>());
    INFO(name);
    std::string msg = message_of([&] { target->load_state_dict(sd); });
    CHECK(msg == fx.at(name).at("error").as_string());
    CHECK_THROWS_AS(target->load_state_dict(sd), StateError);
    size_t i = 0;
    for (auto& [k, v] : target->state_dict()) CHECK(v.to_vector<float>() == before[i++]);  // bit-identical
  };

  NamedTensors missing = cloned(good);
  erase(missing, "0.bias");
  erase(missing, "1.running_var");
  check_error("missing", missing);

  NamedTensors unexpected = cloned(good);
  set(unexpected, "extra", zeros({1}));
  set(unexpected, "1.foo", zeros({1}));
  check_error("unexpected", unexpected);

  NamedTensors mismatch = cloned(good);
  set(mismatch, "0.weight", zeros({3, 3}));
  check_error("mismatch", mismatch);

  NamedTensors everything = cloned(missing);
  set(everything, "extra", zeros({1}));
  set(everything, "0.weight", zeros({4}));
  check_error("everything", everything);

  // Non-strict: the lists, and the present keys are loaded.
  NamedTensors partial = cloned(missing);
  set(partial, "extra", zeros({1}));
  set(partial, "0.weight", full({3, 2}, 0.5));
  auto target = seq_model();
  LoadStateDictResult r = target->load_state_dict(partial, false);
  const Json& ns = fx.at("non_strict");
  std::vector<std::string> exp_missing, exp_unexpected;
  for (const Json& k : ns.at("missing").as_array()) exp_missing.push_back(k.as_string());
  for (const Json& k : ns.at("unexpected").as_array()) exp_unexpected.push_back(k.as_string());
  CHECK(r.missing_keys == exp_missing);
  CHECK(r.unexpected_keys == exp_unexpected);
  CHECK(target->state_dict()[0].second.to_vector<float>() == std::vector<float>(6, 0.5f));
  // Size mismatches raise even when not strict.
  CHECK_THROWS_AS(target->load_state_dict(mismatch, false), StateError);

  // A full load copies values (not handles) into the existing parameters.
  auto copy = seq_model();
  Tensor w_before = copy->named_parameters()[0].second;
  copy->load_state_dict(good);
  CHECK(copy->named_parameters()[0].second.same(w_before));
  CHECK(w_before.to_vector<float>() == good[0].second.to_vector<float>());
  CHECK(copy->state_dict().back().second.dtype() == DType::Int64);  // num_batches_tracked
}

TEST_CASE("apply visits children first; train/eval propagate", "[nn][module]") {
  auto model = std::make_shared<Sequential>(std::initializer_list<ModulePtr>{
      std::make_shared<Sequential>(std::initializer_list<ModulePtr>{std::make_shared<Linear>(1, 1)}),
      std::make_shared<Dropout>()});
  std::vector<std::string> order;
  model->apply([&](Module& m) { order.push_back(m.type_name()); });
  CHECK(order == std::vector<std::string>{"Linear", "Sequential", "Dropout", "Sequential"});
  CHECK(model->is_training());
  model->eval();
  for (auto& m : model->modules()) CHECK_FALSE(m->is_training());
  model->train();
  for (auto& m : model->modules()) CHECK(m->is_training());
  // apply can re-initialise: zero every Linear weight.
  model->apply([](Module& m) {
    if (m.type_name() == "Linear") init::zeros_(m.param("weight"));
  });
  CHECK(model->parameters()[0].item<float>() == 0);
}

TEST_CASE("zero_grad and requires_grad_(false)", "[nn][module]") {
  Linear lin(3, 2);
  lin(ones({4, 3})).sum().backward();
  REQUIRE(lin.weight().grad().defined());
  lin.zero_grad();
  CHECK(lin.weight().grad().defined());
  CHECK(lin.weight().grad().sum().item<float>() == 0);
  lin.zero_grad(true);
  CHECK_FALSE(lin.weight().grad().defined());

  // Freezing a whole module: its parameters get no gradient, the rest still do.
  auto frozen = std::make_shared<Linear>(3, 3);
  auto head = std::make_shared<Linear>(3, 1);
  Sequential net({frozen, head});
  frozen->requires_grad_(false);
  Tensor x = ones({2, 3}).requires_grad_();
  net(x).sum().backward();
  CHECK_FALSE(frozen->weight().grad().defined());
  CHECK_FALSE(frozen->bias().grad().defined());
  CHECK(head->weight().grad().defined());
  CHECK(x.grad().defined());  // gradient still flows through the frozen layer
  net.requires_grad_(false);
  for (const Tensor& p : net.parameters()) CHECK_FALSE(p.requires_grad());
}

TEST_CASE("sharing: listed once, gradients summed", "[nn][module][sharing]") {
  auto shared = std::make_shared<Linear>(2, 2, false);
  Sequential net({shared, std::make_shared<Tanh>(), shared});
  CHECK(net.parameters().size() == 1);
  CHECK(names_of(net.named_parameters()) == std::vector<std::string>{"0.weight"});
  CHECK(names_of(net.named_modules()) == std::vector<std::string>{"", "0", "1"});
  // state_dict lists a shared tensor under every name, as PyTorch.
  CHECK(names_of(net.state_dict()) == std::vector<std::string>{"0.weight", "2.weight"});
  Tensor x = tensor({0.5f, -1}, {1, 2});
  Tensor W = shared->weight();
  net(x).sum().backward();
  // Reference: the same computation with two separate leaves holding W's values.
  Tensor w1 = W.detach().clone().requires_grad_(), w2 = W.detach().clone().requires_grad_();
  x.matmul(w1.t()).tanh().matmul(w2.t()).sum().backward();
  CHECK(nntest::compare(W.grad(), w1.grad() + w2.grad(), "shared grad") == "");

  // A parameter registered in two modules (tied weights).
  auto enc = std::make_shared<Linear>(3, 3, false);
  auto dec = std::make_shared<Linear>(3, 3, false);
  dec->register_parameter("weight", enc->weight());
  Sequential tied({enc, dec});
  CHECK(tied.parameters().size() == 1);
  CHECK(dec->weight().same(enc->weight()));
  tied(ones({1, 3})).sum().backward();
  Tensor v1 = enc->weight().detach().clone().requires_grad_(), v2 = enc->weight().detach().clone().requires_grad_();
  ones({1, 3}).matmul(v1.t()).matmul(v2.t()).sum().backward();
  CHECK(nntest::compare(enc->weight().grad(), v1.grad() + v2.grad(), "tied grad") == "");
}

TEST_CASE("a module without forward raises", "[nn][module]") {
  Module m("Custom");
  CHECK_THROWS_AS(m(ones({1})), StateError);
  CHECK(m.to_string() == "Custom()");
}

TEST_CASE("slots: what a name is, the names of one kind, and delattr", "[nn][module]") {
  Block b;
  CHECK(b.slot("a") == Module::Slot::Parameter);
  CHECK(b.slot("empty") == Module::Slot::Parameter);  // an empty slot is still a parameter slot
  CHECK(b.slot("scratch") == Module::Slot::Buffer);
  CHECK(b.slot("inner") == Module::Slot::Module);
  CHECK(b.slot("plain") == Module::Slot::None);  // a C++ field, not registered
  CHECK(b.slot_names(Module::Slot::Parameter) == std::vector<std::string>{"a", "empty", "d"});
  CHECK(b.slot_names(Module::Slot::Buffer) == std::vector<std::string>{"stat", "scratch"});
  CHECK(b.slot_names(Module::Slot::Module) == std::vector<std::string>{"inner"});

  CHECK(b.remove("stat"));
  CHECK_FALSE(b.remove("stat"));
  CHECK(b.remove("inner"));
  CHECK(names_of(b.named_parameters()) == std::vector<std::string>{"a", "d"});
  CHECK(names_of(b.state_dict()) == std::vector<std::string>{"a", "d"});
  // A removed name is free for another kind (PyTorch: delattr, then assign).
  b.register_buffer("inner", zeros({1}));
  CHECK(b.slot("inner") == Module::Slot::Buffer);
  CHECK_THROWS_WITH(b.register_parameter("inner", ones({1})),
                    Catch::Contains("attribute 'inner' already exists as a buffer"));
}
