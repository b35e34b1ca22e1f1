// nn layers against PyTorch 1.13 (tests/fixtures/nn/nn_modules.json): forward, the gradient of
// every input and parameter for a fixed upstream gradient, the state after the forward
// (running stats) and the repr. Plus behaviour PyTorch fixtures cannot pin down (dropout's
// random mask, containers, errors).
#include <catch2/catch.hpp>

#include "gradcheck.h"
#include "nn_test_util.h"

using namespace kd;
using namespace kd::nn;
using nntest::joined;

namespace {
bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
}  // namespace

TEST_CASE("nn layers match PyTorch: forward, backward, state, repr", "[nn][layers][golden]") {
  const Json& doc = nntest::load("nn_modules.json");
  int ran = 0;
  for (const Json& c : doc.at("modules").as_array()) {
    const std::string name = c.at("name").as_string();
    if (starts_with(name, "embedding")) continue;  // test_embedding.cpp
    DYNAMIC_SECTION(name) {
      // BatchNorm/LayerNorm divide by a float32 standard deviation computed by a different
      // summation order than PyTorch's: allow 1e-5 absolute on O(1) outputs and gradients.
      const bool norm = starts_with(name, "batchnorm") || starts_with(name, "layernorm");
      std::vector<std::string> errors = nntest::run_module_case(c, norm ? 1e-4 : 1e-5, norm ? 1e-5 : 1e-6);
      INFO(joined(errors));
      CHECK(errors.empty());
    }
    ++ran;
  }
  CHECK(ran >= 30);
}

TEST_CASE("module reprs match PyTorch", "[nn][layers][repr]") {
  const Json& r = nntest::load("nn_modules.json").at("reprs");
  auto expect = [&](const char* key, const Module& m) {
    INFO(key);
    CHECK(m.to_string() == r.at(key).as_string());
  };
  expect("linear", Linear(3, 2));
  expect("linear_nobias", Linear(3, 2, false));
  expect("bilinear", Bilinear(BilinearOptions(3, 4, 5)));
  expect("identity", Identity());
  expect("relu", ReLU());
  expect("leaky_relu", LeakyReLU());
  expect("leaky_relu_0.2", LeakyReLU(0.2));
  expect("tanh", Tanh());
  expect("sigmoid", Sigmoid());
  expect("gelu", GELU());
  expect("gelu_tanh", GELU("tanh"));
  expect("silu", SiLU());
  expect("softmax", Softmax(1));
  expect("softmax_none", Softmax());
  expect("log_softmax", LogSoftmax(-1));
  expect("dropout", Dropout());
  expect("dropout_0.1", Dropout(0.1));
  expect("batchnorm", BatchNorm1d(3));
  expect("batchnorm_options",
         BatchNorm1d(BatchNormOptions(4).eps(1e-3).momentum(std::nullopt).affine(false).track_running_stats(false)));
  expect("layernorm", LayerNorm(Shape{4}));
  expect("layernorm_2", LayerNorm(LayerNormOptions({2, 3}).eps(1e-6).elementwise_affine(false)));
  expect("flatten", Flatten());
  expect("embedding", Embedding(10, 3));
  expect("embedding_all", Embedding(EmbeddingOptions(10, 3)
                                        .padding_idx(-2)
                                        .max_norm(1.0)
                                        .norm_type(1.0)
                                        .scale_grad_by_freq(true)
                                        .sparse(true)));
  expect("embedding_bag", EmbeddingBag(EmbeddingBagOptions(10, 3)));
  expect("embedding_bag_all", EmbeddingBag(EmbeddingBagOptions(10, 3)
                                               .max_norm(2.0)
                                               .norm_type(3.0)
                                               .scale_grad_by_freq(true)
                                               .mode("max")
                                               .padding_idx(1)));
  expect("sequential", Sequential({std::make_shared<Linear>(3, 4), std::make_shared<ReLU>(),
                                   std::make_shared<Dropout>(0.25), std::make_shared<Linear>(4, 2)}));
  expect("nested", Sequential({std::make_shared<Sequential>(std::initializer_list<ModulePtr>{
                                   std::make_shared<Linear>(2, 2), std::make_shared<Tanh>()}),
                               std::make_shared<LayerNorm>(Shape{2})}));
  expect("module_list", ModuleList({std::make_shared<Linear>(2, 3), std::make_shared<ReLU>()}));
  expect("module_dict", ModuleDict({{"enc", std::make_shared<Linear>(2, 3)}, {"act", std::make_shared<GELU>()}}));
  expect("mse", MSELoss());
  expect("cross_entropy", CrossEntropyLoss());
  expect("empty_sequential", Sequential());
}

TEST_CASE("Linear default init is U(±1/sqrt(in)) for weight and bias", "[nn][layers]") {
  manual_seed(7);
  Linear big(400, 300);
  const double bound = 1 / std::sqrt(400.0);
  for (Tensor t : {big.weight(), big.bias()}) {
    std::vector<float> v = t.to_vector<float>();
    double lo = 1e9, hi = -1e9, sum = 0, sq = 0;
    for (float x : v) {
      lo = std::min<double>(lo, x);
      hi = std::max<double>(hi, x);
      sum += x;
      sq += double(x) * x;
    }
    const double n = static_cast<double>(v.size());
    CHECK(lo >= -bound);
    CHECK(hi <= bound);
    // U(-b, b): mean 0, std b/√3. Tolerances: 5 standard errors.
    const double std = bound / std::sqrt(3.0);
    CHECK(std::fabs(sum / n) < 5 * std / std::sqrt(n));
    CHECK(std::sqrt(sq / n) == Approx(std).epsilon(5 * 0.9 / std::sqrt(n)));
  }
  CHECK(big.weight().requires_grad());
  CHECK(big.weight().impl()->is_parameter);
  Linear nobias(3, 2, false);
  CHECK_FALSE(nobias.bias().defined());
  CHECK(nobias.parameters().size() == 1);
  CHECK(nobias.state_dict().size() == 1);
}

TEST_CASE("Linear validates shapes", "[nn][layers][errors]") {
  Linear lin(3, 2);
  CHECK_THROWS_AS(lin(zeros({4, 5})), ShapeError);
  CHECK_THROWS_AS(functional::linear(zeros({4, 3}), zeros({2, 3}), zeros({3})), ShapeError);
  Bilinear bl(BilinearOptions(3, 4, 2));
  CHECK_THROWS_AS(bl(zeros({5, 4}), zeros({5, 4})), ShapeError);
  CHECK_THROWS_AS(bl(zeros({5, 3}), zeros({4, 4})), ShapeError);
  CHECK_THROWS_AS(bl.forward(zeros({5, 3})), StateError);  // needs two inputs
}

TEST_CASE("Dropout: training masks and rescales, eval is the identity", "[nn][layers][dropout]") {
  manual_seed(123);
  Dropout drop(0.3);
  Tensor x = ones({200, 100}).requires_grad_();
  Tensor y = drop(x);
  std::vector<float> v = y.to_vector<float>();
  int64_t zeros_count = 0;
  for (float e : v) {
    if (e == 0) ++zeros_count;
    else CHECK(e == Approx(1 / 0.7f));
  }
  // Binomial(20000, 0.3): std = sqrt(n p (1-p)) ≈ 64.8; allow 5 sigma.
  CHECK(std::fabs(static_cast<double>(zeros_count) - 6000) < 5 * 64.8);
  // The gradient is the same mask and scale.
  y.backward(ones_like(y));
  std::vector<float> g = x.grad().to_vector<float>();
  for (size_t i = 0; i < v.size(); ++i) CHECK(g[i] == v[i]);
  // Seeded: the same seed gives the same mask.
  manual_seed(123);
  CHECK(drop(ones({200, 100})).to_vector<float>() == v);

  drop.eval();
  Tensor z = randn({4, 5});
  CHECK(drop(z).to_vector<float>() == z.to_vector<float>());
  CHECK(Dropout(1.0)(ones({3})).to_vector<float>() == std::vector<float>{0, 0, 0});
  CHECK(Dropout(0.0)(z).to_vector<float>() == z.to_vector<float>());
  CHECK_THROWS_AS(Dropout(1.5), ValueError);
  CHECK_THROWS_AS(functional::dropout(z, -0.1), ValueError);
}

TEST_CASE("BatchNorm1d: running stats in training, used in eval", "[nn][layers][batchnorm]") {
  BatchNorm1d bn(BatchNormOptions(2).momentum(0.5));
  Tensor x = tensor({1, 10, 3, 20, 5, 60}, {3, 2});
  Tensor y = bn(x);
  // Batch mean [3, 30], biased var [8/3, 1400/3], unbiased [4, 700].
  CHECK(bn.buffer("running_mean").to_vector<float>() == std::vector<float>{1.5f, 15.0f});
  std::vector<float> rv = bn.buffer("running_var").to_vector<float>();
  CHECK(rv[0] == Approx(0.5 + 0.5 * 4));
  CHECK(rv[1] == Approx(0.5 + 0.5 * 700));
  CHECK(bn.buffer("num_batches_tracked").item<int64_t>() == 1);
  CHECK(y.to_vector<float>()[0] == Approx(-2 / std::sqrt(8.0 / 3 + 1e-5)));
  // Eval: normalised with the running stats, which stay put.
  bn.eval();
  Tensor e = bn(x);
  CHECK(e.to_vector<float>()[0] == Approx((1 - 1.5) / std::sqrt(2.5 + 1e-5)));
  CHECK(bn.buffer("num_batches_tracked").item<int64_t>() == 1);
  CHECK(bn.buffer("running_mean").to_vector<float>() == std::vector<float>{1.5f, 15.0f});
  // One value per channel cannot be normalised in training; nothing changes on the error.
  bn.train();
  CHECK_THROWS_AS(bn(ones({1, 2})), ValueError);
  CHECK(bn.buffer("num_batches_tracked").item<int64_t>() == 1);
  CHECK_THROWS_AS(bn(ones({2, 2, 2, 2})), ValueError);
  // Cumulative average when momentum is None.
  BatchNorm1d cum(BatchNormOptions(1).momentum(std::nullopt));
  cum(tensor({0, 2}, {2, 1}));
  cum(tensor({4, 6}, {2, 1}));
  CHECK(cum.buffer("running_mean").item<float>() == Approx((1 + 5) / 2.0));
  // state_dict: weight, bias, then the three buffers.
  std::vector<std::string> keys;
  for (auto& [k, v] : bn.state_dict()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"});
  BatchNorm1d untracked(BatchNormOptions(2).track_running_stats(false).affine(false));
  CHECK(untracked.state_dict().empty());
  CHECK(untracked.parameters().empty());
}

TEST_CASE("LayerNorm validates the normalised shape", "[nn][layers][layernorm]") {
  LayerNorm ln(Shape{4});
  CHECK_THROWS_AS(ln(zeros({2, 3})), ShapeError);
  Tensor y = ln(tensor({1, 2, 3, 4}, {1, 4}));
  CHECK(y.sum().item<float>() == Approx(0).margin(1e-6));
}

TEST_CASE("Sequential chains, indexes and appends", "[nn][containers]") {
  auto l1 = std::make_shared<Linear>(3, 4);
  auto act = std::make_shared<ReLU>();
  auto l2 = std::make_shared<Linear>(4, 2);
  Sequential seq({l1, act});
  seq.push_back(l2);
  REQUIRE(seq.size() == 3);
  CHECK(seq[0] == l1);
  CHECK(seq[-1] == l2);
  CHECK_THROWS_AS(seq[3], IndexError);
  CHECK_THROWS_AS(seq[-4], IndexError);
  Tensor x = randn({5, 3});
  Tensor expected = (*l2)((*act)((*l1)(x)));
  CHECK(seq(x).to_vector<float>() == expected.to_vector<float>());
  std::vector<std::string> names;
  for (auto& [k, v] : seq.named_parameters()) names.push_back(k);
  CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  Sequential named({{"enc", l1}, {"act", act}});
  CHECK(named.named_children()[0].first == "enc");
  CHECK(Sequential()(x).same(x));  // empty: the identity
}

TEST_CASE("ModuleList and ModuleDict register their entries", "[nn][containers]") {
  ModuleList list;
  list.push_back(std::make_shared<Linear>(2, 2)).extend({std::make_shared<Tanh>(), std::make_shared<Linear>(2, 1)});
  CHECK(list.size() == 3);
  CHECK(list.parameters().size() == 4);
  CHECK(list[1]->type_name() == "Tanh");
  CHECK_THROWS_AS(list[5], IndexError);
  CHECK_THROWS_AS(list(zeros({1, 2})), StateError);  // no forward
  int count = 0;
  for (const auto& m : list) count += m != nullptr;
  CHECK(count == 3);

  ModuleDict dict({{"a", std::make_shared<Linear>(2, 3)}, {"b", std::make_shared<ReLU>()}});
  CHECK(dict.keys() == std::vector<std::string>{"a", "b"});
  CHECK(dict.contains("a"));
  CHECK_FALSE(dict.contains("c"));
  CHECK_THROWS_AS(dict["c"], IndexError);
  dict.insert("a", std::make_shared<Linear>(2, 5));  // replaced in place
  CHECK(dict.keys() == std::vector<std::string>{"a", "b"});
  CHECK(std::static_pointer_cast<Linear>(dict["a"])->options.out_features() == 5);
  CHECK(dict.state_dict().size() == 2);
  CHECK(dict.state_dict()[0].second.shape() == Shape{5, 2});
  CHECK_THROWS_AS(dict.insert("x.y", std::make_shared<ReLU>()), ValueError);
}

TEST_CASE("activations: functional forms and errors", "[nn][layers]") {
  Tensor x = tensor({-2, -0.5, 0, 0.5, 2}, {5}).requires_grad_();
  Tensor y = functional::leaky_relu(x, 0.1);
  CHECK(y.to_vector<float>() == std::vector<float>{-0.2f, -0.05f, 0, 0.5f, 2});
  y.sum().backward();
  CHECK(x.grad().to_vector<float>() == std::vector<float>{0.1f, 0.1f, 0.1f, 1, 1});  // slope at 0, as PyTorch
  CHECK_THROWS_AS(GELU("fast"), ValueError);
  // Implicit softmax dim: 0 for 1-D and 3-D, 1 for 2-D.
  Tensor m = randn({2, 3});
  CHECK(functional::softmax(m).to_vector<float>() == m.softmax(1).to_vector<float>());
}

// linear on a 2-D input with a bias is one fused node (addmm); matmul(weight.t()) + bias is the
// reference path.
TEST_CASE("linear's fused addmm node matches matmul + bias, values and gradients", "[nn][linear][fused]") {
  namespace F = kd::nn::functional;
  manual_seed(13);
  for (Shape dims : {Shape{5, 3, 4}, Shape{1, 1, 1}, Shape{70, 33, 17}, Shape{0, 3, 2}}) {
    const int64_t rows = dims[0], in = dims[1], out = dims[2];
    for (int needs : {0b111, 0b110, 0b001}) {  // which of x, W, b require grad
      INFO("rows " << rows << " in " << in << " out " << out << " needs " << needs);
      Tensor x0 = randn({rows, in}), w0 = randn({out, in}), b0 = randn({out});
      auto leaves = [&] {
        return std::vector<Tensor>{x0.clone().requires_grad_((needs & 4) != 0), w0.clone().requires_grad_((needs & 2) != 0),
                                   b0.clone().requires_grad_((needs & 1) != 0)};
      };
      std::vector<Tensor> fast_in = leaves(), slow_in = leaves();
      Tensor fast = F::linear(fast_in[0], fast_in[1], fast_in[2]);
      Tensor slow = slow_in[0].matmul(slow_in[1].t()) + slow_in[2];
      REQUIRE(fast.grad_fn()->name() == "AddmmBackward0");
      std::vector<float> a = fast.to_vector<float>(), b = slow.to_vector<float>();
      REQUIRE(a.size() == b.size());
      for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == Approx(b[i]).epsilon(1e-5).margin(1e-5));
      Tensor g = randn({rows, out});
      (fast * g).sum().backward();
      (slow * g).sum().backward();
      for (size_t k = 0; k < 3; ++k) {
        REQUIRE(fast_in[k].grad().defined() == slow_in[k].grad().defined());
        if (!fast_in[k].grad().defined()) continue;
        CHECK(fast_in[k].grad().is_contiguous());
        std::vector<float> ga = fast_in[k].grad().to_vector<float>(), gb = slow_in[k].grad().to_vector<float>();
        for (size_t i = 0; i < ga.size(); ++i) CHECK(ga[i] == Approx(gb[i]).epsilon(1e-5).margin(1e-5));
      }
    }
  }
}

TEST_CASE("linear's fused addmm node: finite differences and second derivatives", "[nn][linear][fused]") {
  namespace F = kd::nn::functional;
  using V = std::vector<Tensor>;
  std::mt19937 rng(14);
  using kd::test::Domain;
  using kd::test::Layout;
  V in{kd::test::make_input({4, 3}, Layout::Transposed, Domain::Any, rng), kd::test::make_input({2, 3}, Layout::Contiguous, Domain::Any, rng),
       kd::test::make_input({2}, Layout::Contiguous, Domain::Any, rng)};
  auto first = kd::test::gradcheck([](const V& t) { return F::linear(t[0], t[1], t[2]); }, in);
  INFO(first.message);
  CHECK(first.ok);
  // With create_graph the node's backward records history: its second derivatives.
  auto second = kd::test::gradgradcheck([](const V& t) { return F::linear(t[0], t[1], t[2]); }, in);
  INFO(second.message);
  CHECK(second.ok);
}
