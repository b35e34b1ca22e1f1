// Losses against PyTorch 1.13 (tests/fixtures/nn/nn_losses.json): every reduction and option,
// values and the gradients of every float input for a fixed upstream gradient.
#include <catch2/catch.hpp>

#include "gradcheck.h"
#include "nn_test_util.h"

using namespace kd;
using namespace kd::nn;
using nntest::message_of;
namespace F = kd::nn::functional;

namespace {

Tensor run_loss(const std::string& fn, const std::vector<Tensor>& in, const Json& kw) {
  const F::Reduction r = F::reduction_from_string(kw.at("reduction").as_string());
  auto tensor_arg = [&](const char* key) { return kw.contains(key) ? nntest::make(kw.at(key)) : Tensor(); };
  if (fn == "mse_loss") return F::mse_loss(in[0], in[1], r);
  if (fn == "l1_loss") return F::l1_loss(in[0], in[1], r);
  if (fn == "smooth_l1_loss") return F::smooth_l1_loss(in[0], in[1], r, nntest::num(kw, "beta", 1.0));
  if (fn == "cross_entropy")
    return F::cross_entropy(in[0], in[1], tensor_arg("weight"), nntest::integer(kw, "ignore_index", -100), r,
                            nntest::num(kw, "label_smoothing", 0));
  if (fn == "nll_loss")
    return F::nll_loss(in[0], in[1], tensor_arg("weight"), nntest::integer(kw, "ignore_index", -100), r);
  if (fn == "binary_cross_entropy") return F::binary_cross_entropy(in[0], in[1], tensor_arg("weight"), r);
  if (fn == "binary_cross_entropy_with_logits")
    return F::binary_cross_entropy_with_logits(in[0], in[1], tensor_arg("weight"), r, tensor_arg("pos_weight"));
  if (fn == "cosine_embedding_loss") return F::cosine_embedding_loss(in[0], in[1], in[2], nntest::num(kw, "margin", 0), r);
  if (fn == "margin_ranking_loss") return F::margin_ranking_loss(in[0], in[1], in[2], nntest::num(kw, "margin", 0), r);
  if (fn == "negative_sampling_loss") return F::negative_sampling_loss(in[0], in[1], in[2], r);
  throw std::runtime_error("unknown loss " + fn);
}


}  // namespace

TEST_CASE("losses match PyTorch: values and gradients", "[nn][losses][golden]") {
  int ran = 0;
  for (const Json& c : nntest::load("nn_losses.json").at("losses").as_array()) {
    const std::string name = c.at("name").as_string();
    DYNAMIC_SECTION(name) {
      std::vector<Tensor> in;
      const auto& grads = c.at("grads").as_array();
      for (size_t i = 0; i < c.at("inputs").size(); ++i) {
        Tensor t = nntest::make(c.at("inputs")[i]);
        if (!grads[i].is_null()) t.requires_grad_(true);
        in.push_back(t);
      }
      Tensor out = run_loss(c.at("fn").as_string(), in, c.at("kwargs"));
      CHECK(nntest::compare(out, nntest::make(c.at("output")), name + " output") == "");
      bool any = false;
      for (const Json& g : grads) any = any || !g.is_null();
      if (any) {
        out.backward(nntest::make(c.at("upstream")));
        for (size_t i = 0; i < grads.size(); ++i)
          if (!grads[i].is_null())
            CHECK(nntest::compare(in[i].grad(), nntest::make(grads[i]), name + " grad " + std::to_string(i)) == "");
      }
    }
    ++ran;
  }
  CHECK(ran == 90);
}

TEST_CASE("loss modules hold their options", "[nn][losses]") {
  Tensor logits = randn({3, 4}).requires_grad_();
  Tensor target = tensor_i64({1, 0, 3});
  Tensor w = tensor({1, 2, 3, 4});
  CrossEntropyLoss ce(CrossEntropyLossOptions().weight(w).label_smoothing(0.1).ignore_index(0));
  CHECK(ce(logits, target).item<float>() == F::cross_entropy(logits, target, w, 0, F::Reduction::Mean, 0.1).item<float>());
  CHECK(ce.state_dict().size() == 1);  // the class weight is a buffer
  CHECK(ce.parameters().empty());
  NLLLoss nll(NLLLossOptions().reduction(F::Reduction::Sum));
  CHECK(nll(logits, target).item<float>() == F::nll_loss(logits, target, Tensor(), -100, F::Reduction::Sum).item<float>());
  MSELoss mse(F::Reduction::None);
  CHECK(mse(ones({2}), zeros({2})).to_vector<float>() == std::vector<float>{1, 1});
  CHECK_THROWS_AS(mse.forward(ones({2})), ValueError);  // needs a target
  SmoothL1Loss sl1(F::Reduction::Sum, 0.5);
  CHECK(sl1(tensor({0.25f}), tensor({0.0f})).item<float>() == Approx(0.0625));
  BCEWithLogitsLoss bce(Tensor(), F::Reduction::Mean, tensor({2.0f}));
  CHECK(bce.state_dict().size() == 1);  // pos_weight
  NegativeSamplingLoss ns;
  CHECK(ns.forward(zeros({2, 3}), zeros({2, 3}), zeros({2, 4, 3})).item<float>() == Approx(5 * std::log(2.0)));
  CHECK(MarginRankingLoss(0.5)(tensor({1.0f}), tensor({1.0f}), tensor({1.0f})).item<float>() == Approx(0.5));
  CHECK(CosineEmbeddingLoss()(tensor({1, 0}, {1, 2}), tensor({0, 1}, {1, 2}), tensor({1.0f})).item<float>() == Approx(1));
}

TEST_CASE("losses validate their inputs", "[nn][losses][errors]") {
  Tensor logits = randn({3, 4});
  CHECK(message_of([&] { F::cross_entropy(logits, tensor_i64({1, 5, 0})); }) == "Target 5 is out of bounds.");
  CHECK_THROWS_AS(F::cross_entropy(logits, tensor_i64({1, 5, 0})), IndexError);
  CHECK_THROWS_AS(F::cross_entropy(logits, tensor_i64({1, -1, 0})), IndexError);
  CHECK_THROWS_AS(F::cross_entropy(logits, tensor_i64({1, 2})), ValueError);           // batch sizes
  CHECK_THROWS_AS(F::cross_entropy(logits, tensor_i64({1, 2, 0}), ones({3})), ShapeError);  // weight size
  CHECK_THROWS_AS(F::cross_entropy(logits, tensor_i64({1, 2, 0}), Tensor(), -100, F::Reduction::Mean, 1.5), ValueError);
  CHECK_THROWS_AS(F::nll_loss(logits, tensor({1, 2, 0})), TypeError);
  CHECK_THROWS_AS(F::nll_loss(randn({2, 4, 3}), tensor_i64({1, 2}, {2, 1})), ValueError);
  CHECK_THROWS_AS(F::binary_cross_entropy(tensor({1.5f}), tensor({1.0f})), ValueError);
  CHECK(message_of([&] { F::binary_cross_entropy(tensor({0.5f, 0.5f}), tensor({1.0f})); }) ==
        "Using a target size (torch.Size([1])) that is different to the input size (torch.Size([2])) is deprecated. "
        "Please ensure they have the same size.");
  CHECK_THROWS_AS(F::reduction_from_string("avg"), ValueError);
  CHECK_THROWS_AS(F::smooth_l1_loss(ones({1}), ones({1}), F::Reduction::Mean, -1), ValueError);
  CHECK_THROWS_AS(F::negative_sampling_loss(ones({2, 3}), ones({2, 3}), ones({2, 4, 2})), ShapeError);
  // Every target ignored: mean is 0/0, as PyTorch.
  CHECK(std::isnan(F::cross_entropy(logits, tensor_i64({-100, -100, -100})).item<float>()));
}

TEST_CASE("softplus_neg is stable and has the exact gradient at 0", "[nn][losses]") {
  Tensor x = tensor({-100, 0, 100}).requires_grad_();
  Tensor y = F::softplus_neg(x);
  std::vector<float> v = y.to_vector<float>();
  CHECK(v[0] == Approx(100));
  CHECK(v[1] == Approx(std::log(2.0)));
  CHECK(v[2] == Approx(0).margin(1e-30));
  y.sum().backward();
  std::vector<float> g = x.grad().to_vector<float>();
  CHECK(g[0] == Approx(-1));
  CHECK(g[1] == Approx(-0.5));
  CHECK(g[2] == Approx(0).margin(1e-30));
}

// cross_entropy on [N, C] logits with class indices is one fused node (log-softmax rows, the
// picked entries and the reduction together); log_softmax + nll_loss is the reference path.
TEST_CASE("cross_entropy's fused node matches log_softmax + nll_loss", "[nn][losses][fused]") {
  manual_seed(11);
  Tensor target = tensor_i64({2, 0, 4, 1, 2, 3, 0}, {7});
  for (bool weighted : {false, true}) {
    for (int64_t ignore : {-100, 2}) {
      for (F::Reduction r : {F::Reduction::Mean, F::Reduction::Sum, F::Reduction::None}) {
        INFO("weighted " << weighted << ", ignore_index " << ignore << ", reduction " << static_cast<int>(r));
        Tensor w = weighted ? rand({5}) + 0.5 : Tensor();
        Tensor x = randn({7, 5}).mul(3.0);
        Tensor fast_x = x.clone().requires_grad_(true), slow_x = x.clone().requires_grad_(true);
        Tensor fast = F::cross_entropy(fast_x, target, w, ignore, r);
        Tensor slow = F::nll_loss(slow_x.log_softmax(1), target, w, ignore, r);
        REQUIRE(fast.grad_fn()->name() == "NllLossBackward0");
        REQUIRE(fast.shape() == slow.shape());
        std::vector<float> a = fast.to_vector<float>(), b = slow.to_vector<float>();
        for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == Approx(b[i]).epsilon(1e-5).margin(1e-6));
        Tensor g = r == F::Reduction::None ? randn({7}) : scalar_tensor(1.7);
        (fast * g).sum().backward();
        (slow * g).sum().backward();
        std::vector<float> ga = fast_x.grad().to_vector<float>(), gb = slow_x.grad().to_vector<float>();
        for (size_t i = 0; i < ga.size(); ++i) CHECK(ga[i] == Approx(gb[i]).epsilon(1e-5).margin(1e-6));
      }
    }
  }
}

TEST_CASE("cross_entropy's fused node: a target class far below the others keeps its exact loss", "[nn][losses][fused]") {
  // softmax underflows to 0 (or a denormal) for the target: the loss is its log-softmax.
  Tensor x = tensor({0, 200, -90, 110, 3, 5}, {2, 3}).requires_grad_();
  Tensor t = tensor_i64({0, 2});
  Tensor fast = F::cross_entropy(x, t, Tensor(), -100, F::Reduction::None);
  Tensor slow = F::nll_loss(x.log_softmax(1), t, Tensor(), -100, F::Reduction::None);
  CHECK(fast.to_vector<float>()[0] == Approx(200.0));
  CHECK(fast.to_vector<float>()[1] == Approx(slow.to_vector<float>()[1]));
  CHECK(fast.to_vector<float>()[1] == Approx(105.0));
}

TEST_CASE("cross_entropy's fused node: finite differences, second derivatives, and the fast backward equal to the recorded one", "[nn][losses][fused]") {
  using V = std::vector<Tensor>;
  std::mt19937 rng(12);
  Tensor target = tensor_i64({1, 3, 0, 3}, {4});
  Tensor w = tensor({0.5f, 1.0f, 2.0f, 1.5f});
  Tensor x = kd::test::make_input({4, 4}, kd::test::Layout::Transposed, kd::test::Domain::Any, rng);
  auto first = kd::test::gradcheck([&](const V& in) { return F::cross_entropy(in[0], target, w); }, {x});
  INFO(first.message);
  CHECK(first.ok);
  // With create_graph the node's backward records history: its second derivatives.
  auto second = kd::test::gradgradcheck([&](const V& in) { return F::cross_entropy(in[0], target, w, 3, F::Reduction::Sum); }, {x});
  INFO(second.message);
  CHECK(second.ok);
  // And the fast path (grad mode off) computes the same first derivative.
  Tensor leaf = x.detach().clone().requires_grad_(true);
  Tensor loss = F::cross_entropy(leaf, target, w, 3, F::Reduction::Sum);
  Tensor recorded;
  {
    EnableGradGuard grad_mode;
    recorded = loss.grad_fn()->apply({scalar_tensor(1.0)})[0];
  }
  CHECK(recorded.requires_grad());
  Tensor fast;
  {
    NoGradGuard no_grad;
    fast = loss.grad_fn()->apply({scalar_tensor(1.0)})[0];
  }
  std::vector<float> a = fast.to_vector<float>(), b = recorded.to_vector<float>();
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == Approx(b[i]).epsilon(1e-5).margin(1e-6));
}
