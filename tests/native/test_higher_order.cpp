// Higher-order gradients (create_graph) and hooks, against PyTorch 1.13
// (tests/fixtures/autograd/higher_order.json, written by generate_higher_order.py).
#include <catch2/catch.hpp>

#include "golden.h"

using namespace kd;

namespace {

const Json& higher_order_case(const std::string& name) {
  const Json& doc = golden::load_fixture("autograd/higher_order.json", "tests/fixtures/autograd/generate_higher_order.py");
  for (const Json& c : doc.at("cases").as_array())
    if (c.at("name").as_string() == name) return c;
  throw std::runtime_error("no higher-order fixture named " + name);
}

Tensor input(const Json& c, const std::string& key, bool requires_grad = false) {
  Tensor t = golden::make_tensor(c.at("inputs").at(key));
  if (requires_grad) t.requires_grad_(true);
  return t;
}

void expect_close(const Json& c, const std::string& key, const Tensor& ours) {
  std::string diff = golden::compare(key, ours, c.at("expected").at(key), 1e-4, 1e-5);
  INFO(c.at("name").as_string() << ": " << diff);
  CHECK(diff.empty());
}

}  // namespace

TEST_CASE("higher order: second derivatives of tanh, sigmoid, softmax, log_softmax and matmul chains match torch",
          "[autograd][higher-order]") {
  using Fn = std::function<Tensor(const std::vector<Tensor>&)>;
  const std::vector<std::pair<std::string, Fn>> programs = {
      {"tanh", [](const std::vector<Tensor>& x) { return x[0].tanh(); }},
      {"sigmoid", [](const std::vector<Tensor>& x) { return x[0].sigmoid(); }},
      {"softmax", [](const std::vector<Tensor>& x) { return x[0].softmax(1); }},
      {"log_softmax", [](const std::vector<Tensor>& x) { return x[0].log_softmax(1); }},
      {"matmul_chain", [](const std::vector<Tensor>& x) { return x[0].matmul(x[1]).sigmoid().matmul(x[1].t()).log_softmax(1); }},
      {"tanh_matmul_softmax", [](const std::vector<Tensor>& x) { return x[0].matmul(x[1]).tanh().softmax(0); }},
  };
  for (const auto& [name, fn] : programs) {
    const Json& c = higher_order_case(name);
    std::vector<Tensor> xs;
    for (size_t i = 0; c.at("inputs").contains("x" + std::to_string(i)); ++i) xs.push_back(input(c, "x" + std::to_string(i), true));
    Tensor y = fn(xs);
    std::vector<Tensor> gs = autograd::grad({y.mul(input(c, "c")).sum()}, xs, {}, std::nullopt, /*create_graph=*/true);
    Tensor s = zeros({});
    for (size_t i = 0; i < gs.size(); ++i) {
      CHECK(gs[i].requires_grad());
      expect_close(c, "g" + std::to_string(i), gs[i]);
      s = s + gs[i].mul(input(c, "d" + std::to_string(i))).sum();
    }
    std::vector<Tensor> ggs = autograd::grad({s}, xs);
    for (size_t i = 0; i < ggs.size(); ++i) {
      CHECK_FALSE(ggs[i].requires_grad());
      expect_close(c, "gg" + std::to_string(i), ggs[i]);
    }
    for (const Tensor& x : xs) CHECK_FALSE(x.grad().defined());  // autograd::grad leaves .grad alone
  }
}

TEST_CASE("higher order: a gradient penalty on an MLP matches torch", "[autograd][higher-order]") {
  const Json& c = higher_order_case("gradient_penalty_mlp");
  Tensor x = input(c, "x", true), w1 = input(c, "w1", true), b1 = input(c, "b1", true), w2 = input(c, "w2", true),
         b2 = input(c, "b2", true);
  Tensor out = x.matmul(w1.t()).add(b1).tanh().matmul(w2.t()).add(b2);
  Tensor gx = autograd::grad({out.sum()}, {x}, {}, std::nullopt, true)[0];
  expect_close(c, "gx", gx);
  Tensor penalty = gx.norm(2, Shape{1}).sub(1.0).pow(2.0).mean();
  expect_close(c, "penalty", penalty);
  penalty.backward();
  expect_close(c, "w1.grad", w1.grad());
  expect_close(c, "b1.grad", b1.grad());
  expect_close(c, "w2.grad", w2.grad());
  expect_close(c, "x.grad", x.grad());
  CHECK_FALSE(b2.grad().defined());  // ∂out/∂x does not depend on the last bias: no gradient, as torch
}

TEST_CASE("higher order: a Hessian-vector product matches torch", "[autograd][higher-order]") {
  const Json& c = higher_order_case("hessian_vector_product");
  Tensor x = input(c, "x"), w = input(c, "w", true), v = input(c, "v");
  Tensor f = x.matmul(w).tanh().pow(2.0).sum() + w.mul(w).sigmoid().sum();
  Tensor g = autograd::grad({f}, {w}, {}, std::nullopt, true)[0];
  expect_close(c, "g", g);
  Tensor hv = autograd::grad({g}, {w}, {v})[0];
  expect_close(c, "hv", hv);
}

TEST_CASE("higher order: backward(create_graph) leaves a .grad that can be differentiated again", "[autograd][higher-order]") {
  const Json& c = higher_order_case("backward_create_graph");
  Tensor x = input(c, "x", true);
  x.pow(3.0).mul(0.5).sum().backward(Tensor(), std::nullopt, /*create_graph=*/true);
  Tensor first = x.grad();
  REQUIRE(first.grad_fn());
  expect_close(c, "first", first);
  x.set_grad(Tensor());
  first.mul(first).sum().backward();
  expect_close(c, "second", x.grad());
}

TEST_CASE("autograd::grad: unused inputs, inputs without grad, retain_graph", "[autograd][higher-order]") {
  Tensor a = tensor({1.0f, 2.0f}).requires_grad_(), b = tensor({3.0f}).requires_grad_();
  Tensor y = a.mul(a).sum();
  CHECK_THROWS_WITH(autograd::grad({y}, {a, b}, {}, true),
                    Catch::Contains("appears to not have been used in the graph. Set allow_unused=True"));
  auto grads = autograd::grad({y}, {a, b}, {}, true, false, /*allow_unused=*/true);
  CHECK(grads[0].to_vector<float>() == std::vector<float>{2.0f, 4.0f});
  CHECK_FALSE(grads[1].defined());
  CHECK_THROWS_WITH(autograd::grad({y}, {tensor({1.0f})}), Catch::Contains("does not require grad"));
  // Without retain_graph the saved tensors are freed: a second pass raises, as torch.
  autograd::grad({y}, {a});
  CHECK_THROWS_WITH(autograd::grad({y}, {a}), Catch::Contains("backward through the graph a second time"));
  // A non-leaf input: the gradient that reaches it, nothing beyond.
  Tensor h = a.mul(3.0);
  Tensor z = h.tanh().sum();
  Tensor gh = autograd::grad({z}, {h})[0];
  std::vector<float> hv = h.to_vector<float>();
  for (size_t i = 0; i < hv.size(); ++i) CHECK(gh.to_vector<float>()[i] == Approx(1.0 - std::tanh(hv[i]) * std::tanh(hv[i])));
  CHECK_FALSE(a.grad().defined());
  // Two outputs seeded together.
  Tensor u = a.mul(2.0), w = a.mul(a);
  auto both = autograd::grad({u, w}, {a}, {ones({2}), tensor({1.0f, -1.0f})});
  CHECK(both[0].to_vector<float>() == std::vector<float>{2.0f + 2.0f, 2.0f - 4.0f});
}

TEST_CASE("hooks: tensor hooks replace gradients, on leaves and non-leaves, and remove() works (torch values)",
          "[autograd][hooks]") {
  const Json& c = higher_order_case("tensor_hooks");
  Tensor x = input(c, "x", true);
  Tensor y = x.mul(2.0);
  Tensor seen;
  y.register_hook([&](const Tensor& g) {
    seen = g.clone();
    return g.mul(3.0);
  });
  x.register_hook([](const Tensor& g) { return g.add(1.0); });
  RemovableHandle removed = x.register_hook([](const Tensor& g) { return g.mul(100.0); });
  removed.remove();
  removed.remove();  // a second remove() does nothing
  int observed = 0;
  x.register_hook([&](const Tensor&) {  // returns nothing: the gradient stays
    ++observed;
    return Tensor();
  });
  y.mul(y).sum().backward();
  expect_close(c, "y.grad_seen", seen);
  expect_close(c, "x.grad", x.grad());
  CHECK(observed == 1);
  // Errors: a hook on a tensor without grad; a hook changing the shape.
  CHECK_THROWS_WITH(tensor({1.0f}).register_hook([](const Tensor& g) { return g; }),
                    Catch::Contains("cannot register a hook on a tensor that doesn't require gradient"));
  Tensor z = x.mul(1.0);
  z.register_hook([](const Tensor&) { return zeros({7}); });
  CHECK_THROWS_WITH(z.sum().backward(), Catch::Contains("hook has changed the size of value"));
}

TEST_CASE("hooks: forward pre-hooks, forward hooks and full backward hooks on modules (torch values)", "[nn][hooks]") {
  const Json& c = higher_order_case("module_hooks");
  auto model = std::make_shared<nn::Sequential>();
  auto lin1 = std::make_shared<nn::Linear>(nn::LinearOptions(3, 4));
  auto act = std::make_shared<nn::Tanh>();
  auto lin2 = std::make_shared<nn::Linear>(nn::LinearOptions(4, 2));
  model->push_back(lin1);
  model->push_back(act);
  model->push_back(lin2);
  nn::NamedTensors state;
  for (const char* k : {"0.weight", "0.bias", "2.weight", "2.bias"}) state.emplace_back(k, input(c, std::string("state.") + k));
  model->load_state_dict(state);

  Tensor tanh_out, grad_input, grad_output;
  lin1->register_forward_pre_hook([](nn::Module&, const std::vector<Tensor>& in) { return std::vector<Tensor>{in[0].mul(2.0)}; });
  act->register_forward_hook([&](nn::Module& m, const std::vector<Tensor>&, const std::vector<Tensor>& out) {
    CHECK(m.type_name() == "Tanh");
    tanh_out = out[0].detach().clone();
    return std::vector<Tensor>{out[0].mul(0.5)};
  });
  lin2->register_full_backward_hook([&](nn::Module&, const std::vector<Tensor>& gin, const std::vector<Tensor>& gout) {
    grad_input = gin[0].clone();
    grad_output = gout[0].clone();
    return std::vector<Tensor>{gin[0].mul(10.0)};
  });
  Tensor x = input(c, "x", true);
  Tensor out = (*model)(x);
  out.backward(input(c, "upstream"));
  expect_close(c, "out", out);
  expect_close(c, "tanh.out", tanh_out);
  expect_close(c, "grad_input", grad_input);
  expect_close(c, "grad_output", grad_output);
  expect_close(c, "x.grad", x.grad());
  for (const auto& [name, p] : model->named_parameters()) expect_close(c, name + ".grad", p.grad());
}

TEST_CASE("hooks: a removed module hook no longer runs; a hook with no grad-requiring input still sees grad_output",
          "[nn][hooks]") {
  nn::Linear lin(nn::LinearOptions(2, 2));
  int calls = 0;
  RemovableHandle h = lin.register_forward_hook([&](nn::Module&, const std::vector<Tensor>&, const std::vector<Tensor>&) {
    ++calls;
    return std::vector<Tensor>{};
  });
  lin(ones({1, 2}));
  h.remove();
  lin(ones({1, 2}));
  CHECK(calls == 1);
  CHECK_FALSE(lin.has_hooks());
  std::vector<Tensor> gin, gout;
  lin.register_full_backward_hook([&](nn::Module&, const std::vector<Tensor>& i, const std::vector<Tensor>& o) {
    gin = i;
    gout = o;
    return std::vector<Tensor>{};
  });
  lin(ones({1, 2})).sum().backward();  // the input does not require grad
  REQUIRE(gin.size() == 1);
  CHECK_FALSE(gin[0].defined());
  REQUIRE(gout.size() == 1);
  CHECK(gout[0].to_vector<float>() == std::vector<float>{1.0f, 1.0f});
}

TEST_CASE("forward_list: every module over lists of tensors; hooks see a multi-input module's tensors", "[nn][hooks]") {
  manual_seed(0);
  nn::LSTM lstm(nn::LSTMOptions(3, 4));
  Tensor x = randn({5, 2, 3});
  auto [out, state] = lstm.forward(x);
  std::vector<Tensor> listed = lstm.forward_list({x});
  REQUIRE(listed.size() == 3);
  CHECK(listed[0].to_vector<float>() == out.to_vector<float>());
  CHECK(listed[2].to_vector<float>() == state.second.to_vector<float>());
  CHECK_THROWS_WITH(lstm.forward_list({}), Catch::Contains("LSTM.forward() takes 1 to 3 tensors, got 0"));
  nn::Bilinear bilinear(nn::BilinearOptions(2, 3, 4));
  CHECK_THROWS_WITH(bilinear.forward_list({ones({1, 2})}), Catch::Contains("Bilinear.forward() takes 2 tensors, got 1"));
  size_t inputs_seen = 0, outputs_seen = 0;
  lstm.register_forward_hook([&](nn::Module&, const std::vector<Tensor>& in, const std::vector<Tensor>& o) {
    inputs_seen = in.size();
    outputs_seen = o.size();
    return std::vector<Tensor>{o[0].mul(0.0), o[1], o[2]};  // replaces the output
  });
  auto [hooked, hooked_state] = lstm(x);
  CHECK(inputs_seen == 3);
  CHECK(outputs_seen == 3);
  CHECK(hooked.abs().sum().item<float>() == 0.0f);
  CHECK(hooked_state.first.to_vector<float>() == state.first.to_vector<float>());
}
