// MultiheadAttention (core/nn/attention.h) against PyTorch 1.13 (tests/fixtures/rnn/attention.json,
// written by tests/fixtures/rnn/generate_rnn.py), plus semantic tests.
//
// Tolerance: rtol = atol = 1e-5 for outputs, attention weights and every gradient.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "golden.h"
#include "kindling.h"
#include "nn/attention.h"

using namespace kd;
using namespace kd::nn;

namespace {

constexpr double kTol = 1e-5;

const Json& attention_fixtures() { return golden::load_fixture("rnn/attention.json", "tests/fixtures/rnn/generate_rnn.py"); }

std::shared_ptr<MultiheadAttention> build(const Json& j) {
  return std::make_shared<MultiheadAttention>(MultiheadAttentionOptions(j.at("embed_dim").as_int(), j.at("num_heads").as_int())
                                                  .bias(j.at("bias").as_bool())
                                                  .add_zero_attn(j.at("add_zero_attn").as_bool())
                                                  .kdim(j.at("kdim").as_int())
                                                  .vdim(j.at("vdim").as_int())
                                                  .batch_first(j.at("batch_first").as_bool()));
}

std::vector<std::string> run_case(const Json& c) {
  std::vector<std::string> errors;
  auto note = [&](const std::string& e) {
    if (!e.empty()) errors.push_back(e);
  };
  const Json& j = c.at("options");
  auto m = build(j);
  NamedTensors state;
  for (const auto& [k, v] : c.at("state_dict").as_object()) state.emplace_back(k, golden::make_tensor(v));
  m->load_state_dict(state);
  m->eval();
  std::map<std::string, Tensor> in;
  for (const auto& [k, v] : c.at("inputs").as_object()) {
    Tensor t = golden::make_tensor(v);
    if (t.dtype() == DType::Float32) t.requires_grad_(true);
    in[k] = t;
  }
  auto get = [&](const std::string& k) { return in.count(k) ? in[k] : Tensor(); };
  const bool self = j.at("self_attention").as_bool();
  Tensor q = in.at("query");
  auto [out, weights] = m->forward(q, self ? q : in.at("key"), self ? q : in.at("value"), get("key_padding_mask"),
                                   j.at("need_weights").as_bool(), get("attn_mask"),
                                   j.at("average_attn_weights").as_bool());
  std::map<std::string, Tensor> outs{{"attn_output", out}, {"attn_weights", weights}};
  if (!j.at("need_weights").as_bool() && weights.defined()) errors.push_back("attn_weights defined with need_weights=false");
  Tensor loss = scalar_tensor(0);
  for (const auto& [k, v] : c.at("outputs").as_object()) {
    note(golden::compare(k, outs[k], v, kTol, kTol));
    if (outs[k].defined()) loss = loss + (outs[k] * golden::make_tensor(c.at("upstream").at(k))).sum();
  }
  loss.backward();
  NamedTensors params = m->named_parameters();
  for (const auto& [k, v] : c.at("grads").as_object()) {
    Tensor g;
    if (in.count(k)) {
      g = in[k].grad();
    } else {
      for (const auto& [name, p] : params)
        if (name == k) g = p.grad();
    }
    note(golden::compare("grad " + k, g, v, kTol, kTol));
  }
  return errors;
}

Tensor max_abs_diff(const Tensor& a, const Tensor& b) { return a.sub(b).abs().max(); }

}  // namespace

TEST_CASE("attention: golden forward and gradients against PyTorch", "[attention][golden]") {
  const Json& cases = attention_fixtures().at("cases");
  REQUIRE(cases.size() >= 12);
  for (const Json& c : cases.as_array()) {
    INFO("case " << c.at("name").as_string());
    std::string all;
    for (const auto& e : run_case(c)) all += e + "\n";
    CHECK(all == "");
  }
}

TEST_CASE("attention: parameter names and shapes match torch", "[attention]") {
  for (const Json& c : attention_fixtures().at("cases").as_array()) {
    INFO("case " << c.at("name").as_string());
    NamedTensors ours = build(c.at("options"))->named_parameters();
    const auto& theirs = c.at("state_dict").as_object();
    REQUIRE(ours.size() == theirs.size());
    for (size_t i = 0; i < ours.size(); ++i) {
      CHECK(ours[i].first == theirs[i].first);
      CHECK(ours[i].second.shape() == golden::shape_of(theirs[i].second.at("shape")));
    }
  }
  auto m = std::make_shared<MultiheadAttention>(MultiheadAttentionOptions(6, 3).kdim(4).vdim(5));
  CHECK_FALSE(m->qkv_same_embed_dim());
  CHECK(m->param("k_proj_weight").shape() == Shape{6, 4});
  CHECK(m->param("v_proj_weight").shape() == Shape{6, 5});
  CHECK_FALSE(m->param("in_proj_weight").defined());  // an empty slot, as PyTorch's None
}

TEST_CASE("attention: PyTorch's init", "[attention]") {
  manual_seed(1);
  auto m = std::make_shared<MultiheadAttention>(16, 4);
  const float xavier = std::sqrt(6.0f / (16 + 48));
  Tensor w = m->param("in_proj_weight");
  CHECK(w.abs().max().item<float>() <= xavier);
  CHECK(w.abs().max().item<float>() > 0.9f * xavier);
  CHECK(m->param("in_proj_bias").abs().max().item<float>() == 0.0f);
  CHECK(m->out_proj->bias().abs().max().item<float>() == 0.0f);
  // out_proj.weight keeps Linear's U(±1/sqrt(in)).
  CHECK(m->out_proj->weight().abs().max().item<float>() <= 0.25f);
  CHECK(m->out_proj->weight().abs().max().item<float>() > 0.2f);
}

TEST_CASE("attention: masks and weights semantics", "[attention]") {
  manual_seed(2);
  auto m = std::make_shared<MultiheadAttention>(MultiheadAttentionOptions(8, 2).batch_first(true));
  Tensor x = randn({2, 5, 8});
  SECTION("padded keys get zero weight and do not change the output") {
    Tensor kpm = tensor_bool({false, false, false, true, true, false, false, false, false, true}, {2, 5});
    auto [out, w] = m->forward(x, x, x, kpm);
    CHECK(w.shape() == Shape{2, 5, 5});
    CHECK(w.select(0, 0).narrow(1, 3, 2).abs().max().item<float>() == 0.0f);
    CHECK(w.select(0, 1).select(1, 4).abs().max().item<float>() == 0.0f);
    // Rows sum to one.
    CHECK(max_abs_diff(w.sum({2}), ones({2, 5})).item<float>() < 1e-6f);
    // Changing the padded keys/values changes nothing.
    Tensor y = x.clone();
    y.select(0, 0).narrow(0, 3, 2).copy_(randn({2, 8}));
    auto [out2, w2] = m->forward(x, y, y, kpm);
    CHECK(max_abs_diff(out, out2).item<float>() < 1e-6f);
    // A bool mask equals the float mask with -inf where true.
    Tensor bool_mask = tensor_bool({false, true, false, false, false, false, false, true, false, false, false, false,
                                    false, false, true, false, false, false, false, false, true, true, false, false,
                                    false},
                                   {5, 5});
    Tensor float_mask = zeros({5, 5}).masked_fill(bool_mask, -INFINITY);
    auto [ob, wb] = m->forward(x, x, x, Tensor(), true, bool_mask);
    auto [of, wf] = m->forward(x, x, x, Tensor(), true, float_mask);
    CHECK(max_abs_diff(ob, of).item<float>() == 0.0f);
    CHECK(wb.select(0, 0).select(0, 0).select(0, 1).item<float>() == 0.0f);  // query 0 may not see key 1
  }
  SECTION("per-head weights average to the averaged weights; need_weights=false gives none") {
    auto [o1, avg] = m->forward(x, x, x);
    auto [o2, per_head] = m->forward(x, x, x, Tensor(), true, Tensor(), false);
    CHECK(per_head.shape() == Shape{2, 2, 5, 5});
    CHECK(max_abs_diff(per_head.mean({1}), avg).item<float>() < 1e-6f);
    auto [o3, none] = m->forward(x, x, x, Tensor(), false);
    CHECK_FALSE(none.defined());
    CHECK(max_abs_diff(o1, o3).item<float>() == 0.0f);
  }
  SECTION("dropout on the weights only in training") {
    auto d = std::make_shared<MultiheadAttention>(MultiheadAttentionOptions(8, 2).dropout(0.5));
    Tensor s = randn({5, 2, 8});
    auto [a, wa] = d->forward(s, s, s);
    auto [b, wb] = d->forward(s, s, s);
    CHECK(max_abs_diff(a, b).item<float>() > 1e-4f);
    d->eval();
    auto [c, wc] = d->forward(s, s, s);
    auto [e, we] = d->forward(s, s, s);
    CHECK(max_abs_diff(c, e).item<float>() == 0.0f);
    CHECK(max_abs_diff(wc.sum({2}), ones({2, 5})).item<float>() < 1e-6f);
  }
}

TEST_CASE("attention: errors", "[attention][errors]") {
  CHECK_THROWS_WITH(std::make_shared<MultiheadAttention>(10, 3), Catch::Contains("embed_dim must be divisible by num_heads"));
  CHECK_THROWS_WITH(std::make_shared<MultiheadAttention>(MultiheadAttentionOptions(8, 2).add_bias_kv(true)),
                    Catch::Contains("add_bias_kv=True is not supported"));
  auto m = std::make_shared<MultiheadAttention>(8, 2);
  Tensor q = randn({4, 3, 8}), k = randn({5, 3, 8});
  CHECK_THROWS_WITH(m->forward(randn({4, 3, 6}), k, k), Catch::Contains("was expecting embedding dimension of 8, but got 6"));
  CHECK_THROWS_WITH(m->forward(q, randn({5, 8}), randn({5, 8})),
                    Catch::Contains("For batched (3-D) `query`, expected `key` and `value` to be 3-D but found 2-D and 2-D tensors respectively"));
  CHECK_THROWS_WITH(m->forward(randn({1, 4, 3, 8}), k, k),
                    Catch::Contains("query should be unbatched 2D or batched 3D tensor but received 4-D query tensor"));
  CHECK_THROWS_WITH(m->forward(q, k, randn({6, 3, 8})),
                    Catch::Contains("key shape torch.Size([5, 3, 8]) does not match value shape torch.Size([6, 3, 8])"));
  CHECK_THROWS_WITH(m->forward(q, k, k, Tensor(), true, zeros({4, 4})),
                    Catch::Contains("The shape of the 2D attn_mask is torch.Size([4, 4]), but should be (4, 5)."));
  CHECK_THROWS_WITH(m->forward(q, k, k, Tensor(), true, zeros({3, 4, 5})),
                    Catch::Contains("The shape of the 3D attn_mask is torch.Size([3, 4, 5]), but should be (6, 4, 5)."));
  CHECK_THROWS_AS(m->forward(q, k, k, Tensor(), true, zeros({4, 5}, DType::Int64)), TypeError);
  CHECK_THROWS_WITH(m->forward(q, k, k, zeros({3, 4}, DType::Bool)),
                    Catch::Contains("expecting key_padding_mask shape of (3, 5), but got torch.Size([3, 4])"));
  CHECK_THROWS_WITH(m->forward(q, k, k, zeros({3, 5, 1}, DType::Bool)),
                    Catch::Contains("expected `key_padding_mask` to be `None` or 2-D but found 3-D tensor instead"));
  auto kv = std::make_shared<MultiheadAttention>(MultiheadAttentionOptions(8, 2).kdim(5).vdim(7));
  CHECK_THROWS_WITH(kv->forward(q, randn({5, 3, 5}), randn({6, 3, 7})),
                    Catch::Contains("key's sequence and batch dims torch.Size([5, 3]) do not match value's torch.Size([6, 3])"));
  CHECK_THROWS_WITH(kv->forward(q, randn({5, 3, 8}), randn({5, 3, 7})),
                    Catch::Contains("key.size(-1) must be equal to kdim. Expected 5, got 8"));
}

TEST_CASE("attention: prints as PyTorch", "[attention]") {
  CHECK(std::make_shared<MultiheadAttention>(4, 2)->to_string() ==
        "MultiheadAttention(\n  (out_proj): Linear(in_features=4, out_features=4, bias=True)\n)");
}
