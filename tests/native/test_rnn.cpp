// RNN, LSTM, GRU and the cells (core/nn/rnn.h) against PyTorch 1.13 (tests/fixtures/rnn/rnn.json,
// written by tests/fixtures/rnn/generate_rnn.py), plus semantic tests.
//
// Tolerance: rtol = atol = 1e-5 for outputs and every gradient.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "golden.h"
#include "kindling.h"
#include "nn/rnn.h"

using namespace kd;
using namespace kd::nn;

namespace {

constexpr double kTol = 1e-5;

const Json& rnn_fixtures() { return golden::load_fixture("rnn/rnn.json", "tests/fixtures/rnn/generate_rnn.py"); }

template <typename Opt>
Opt& common(Opt& o, const Json& j) {
  o.num_layers(j.at("num_layers").as_int())
      .bias(j.at("bias").as_bool())
      .batch_first(j.at("batch_first").as_bool())
      .bidirectional(j.at("bidirectional").as_bool());
  return o;
}

RNNNonlinearity nonlinearity(const Json& j) {
  return j.at("nonlinearity").as_string() == "relu" ? RNNNonlinearity::ReLU : RNNNonlinearity::Tanh;
}

// Outputs by name, computed by our module for the case's inputs.
using Outputs = std::map<std::string, Tensor>;

struct Built {
  ModulePtr module;
  std::function<Outputs(const std::map<std::string, Tensor>&)> call;
};

Tensor opt(const std::map<std::string, Tensor>& in, const std::string& k) {
  auto it = in.find(k);
  return it == in.end() ? Tensor() : it->second;
}

Built build(const Json& c) {
  const std::string kind = c.at("module").as_string();
  const Json& j = c.at("options");
  const int64_t I = j.at("input_size").as_int(), H = j.at("hidden_size").as_int();
  Built b;
  if (kind == "RNN") {
    RNNOptions o(I, H);
    common(o, j).nonlinearity(nonlinearity(j));
    auto m = std::make_shared<RNN>(o);
    b.module = m;
    b.call = [m](const auto& in) {
      auto [out, h] = m->forward(in.at("input"), opt(in, "h0"));
      return Outputs{{"output", out}, {"h_n", h}};
    };
  } else if (kind == "GRU") {
    GRUOptions o(I, H);
    auto m = std::make_shared<GRU>(common(o, j));
    b.module = m;
    b.call = [m](const auto& in) {
      auto [out, h] = m->forward(in.at("input"), opt(in, "h0"));
      return Outputs{{"output", out}, {"h_n", h}};
    };
  } else if (kind == "LSTM") {
    LSTMOptions o(I, H);
    common(o, j).proj_size(j.at("proj_size").as_int());
    auto m = std::make_shared<LSTM>(o);
    b.module = m;
    b.call = [m](const auto& in) {
      auto [out, state] = m->forward(in.at("input"), {opt(in, "h0"), opt(in, "c0")});
      return Outputs{{"output", out}, {"h_n", state.first}, {"c_n", state.second}};
    };
  } else if (kind == "RNNCell") {
    auto m = std::make_shared<RNNCell>(RNNCellOptions(I, H).bias(j.at("bias").as_bool()).nonlinearity(nonlinearity(j)));
    b.module = m;
    b.call = [m](const auto& in) { return Outputs{{"h_1", m->forward(in.at("input"), opt(in, "h0"))}}; };
  } else if (kind == "GRUCell") {
    auto m = std::make_shared<GRUCell>(GRUCellOptions(I, H).bias(j.at("bias").as_bool()));
    b.module = m;
    b.call = [m](const auto& in) { return Outputs{{"h_1", m->forward(in.at("input"), opt(in, "h0"))}}; };
  } else if (kind == "LSTMCell") {
    auto m = std::make_shared<LSTMCell>(LSTMCellOptions(I, H).bias(j.at("bias").as_bool()));
    b.module = m;
    b.call = [m](const auto& in) {
      auto [h, c] = m->forward(in.at("input"), {opt(in, "h0"), opt(in, "c0")});
      return Outputs{{"h_1", h}, {"c_1", c}};
    };
  } else {
    throw std::runtime_error("fixture: unknown module " + kind);
  }
  return b;
}

NamedTensors state_of(const Json& c) {
  NamedTensors state;
  for (const auto& [k, v] : c.at("state_dict").as_object()) state.emplace_back(k, golden::make_tensor(v));
  return state;
}

// Runs one fixture case; returns the list of mismatches (empty when all match).
std::vector<std::string> run_case(const Json& c) {
  std::vector<std::string> errors;
  auto note = [&](const std::string& e) {
    if (!e.empty()) errors.push_back(e);
  };
  Built b = build(c);
  b.module->load_state_dict(state_of(c));
  b.module->eval();
  std::map<std::string, Tensor> inputs;
  for (const auto& [k, v] : c.at("inputs").as_object())
    if (!v.is_null()) inputs[k] = golden::make_tensor(v).requires_grad_(true);
  Outputs outs = b.call(inputs);
  Tensor loss = scalar_tensor(0);
  for (const auto& [k, v] : c.at("outputs").as_object()) {
    note(golden::compare(k, outs[k], v, kTol, kTol));
    loss = loss + (outs[k] * golden::make_tensor(c.at("upstream").at(k))).sum();
  }
  loss.backward();
  for (const auto& [k, v] : c.at("grads").as_object()) {
    Tensor g = inputs.count(k) ? inputs[k].grad() : b.module->param(k).grad();
    note(golden::compare("grad " + k, g, v, kTol, kTol));
  }
  return errors;
}

}  // namespace

TEST_CASE("rnn: golden forward and gradients against PyTorch", "[rnn][golden]") {
  const Json& cases = rnn_fixtures().at("cases");
  REQUIRE(cases.size() >= 30);
  for (const Json& c : cases.as_array()) {
    const std::string name = c.at("name").as_string();
    INFO("case " << name);
    std::vector<std::string> errors = run_case(c);
    std::string all;
    for (const auto& e : errors) all += e + "\n";
    CHECK(all == "");
  }
}

TEST_CASE("rnn: parameter names, shapes and order match torch's state_dict", "[rnn]") {
  for (const Json& c : rnn_fixtures().at("cases").as_array()) {
    INFO("case " << c.at("name").as_string());
    Built b = build(c);
    NamedTensors ours = b.module->named_parameters();
    const auto& theirs = c.at("state_dict").as_object();
    REQUIRE(ours.size() == theirs.size());
    for (size_t i = 0; i < ours.size(); ++i) {
      CHECK(ours[i].first == theirs[i].first);
      CHECK(ours[i].second.shape() == golden::shape_of(theirs[i].second.at("shape")));
    }
  }
  auto lstm = std::make_shared<LSTM>(LSTMOptions(10, 20).num_layers(2).bidirectional(true).proj_size(5));
  CHECK(lstm->flat_weights_names() ==
        std::vector<std::string>{"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0",
                                 "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse",
                                 "bias_hh_l0_reverse", "weight_hr_l0_reverse", "weight_ih_l1", "weight_hh_l1",
                                 "bias_ih_l1", "bias_hh_l1", "weight_hr_l1", "weight_ih_l1_reverse",
                                 "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse",
                                 "weight_hr_l1_reverse"});
  CHECK(lstm->param("weight_ih_l1").shape() == Shape{80, 10});  // layer 1 reads 2 * proj_size
  CHECK(lstm->param("weight_hh_l0").shape() == Shape{80, 5});
  CHECK(lstm->param("weight_hr_l0").shape() == Shape{5, 20});
  CHECK(lstm->all_weights().size() == 4);
  CHECK(lstm->all_weights()[0].size() == 5);
}

TEST_CASE("rnn: default init is U(-1/sqrt(hidden), 1/sqrt(hidden)) for every parameter", "[rnn]") {
  manual_seed(3);
  auto gru = std::make_shared<GRU>(GRUOptions(7, 16).num_layers(2));
  auto cell = std::make_shared<LSTMCell>(7, 16);
  for (const ModulePtr& m : std::vector<ModulePtr>{gru, cell}) {
    for (const Tensor& p : m->parameters()) {
      CHECK(p.abs().max().item<float>() <= 0.25f);
      CHECK(p.abs().max().item<float>() > 0.2f);  // actually spread over the range
      CHECK(std::abs(p.mean().item<float>()) < 0.05f);
    }
  }
}

TEST_CASE("rnn: dropout only between layers and only in training", "[rnn]") {
  manual_seed(11);
  Tensor x = randn({6, 2, 3});
  SECTION("eval mode ignores dropout") {
    auto rnn = std::make_shared<RNN>(RNNOptions(3, 5).num_layers(2).dropout(1.0));
    rnn->eval();
    auto [a, ha] = rnn->forward(x);
    auto plain = std::make_shared<RNN>(RNNOptions(3, 5).num_layers(2));
    plain->load_state_dict(rnn->state_dict());
    auto [b, hb] = plain->forward(x);
    CHECK(a.sub(b).abs().max().item<float>() == 0.0f);
    CHECK(ha.sub(hb).abs().max().item<float>() == 0.0f);
  }
  SECTION("p = 1 in training zeroes the input of layer 2, never layer 2's output") {
    auto lstm = std::make_shared<LSTM>(LSTMOptions(3, 5).num_layers(2).dropout(1.0));
    lstm->train();
    auto [out, state] = lstm->forward(x);
    // Layer 2 saw only zeros: its output is what a 1-layer LSTM with layer 2's weights gives
    // on a zero input, and it is not zeroed itself.
    auto second = std::make_shared<LSTM>(LSTMOptions(5, 5));
    second->load_state_dict({{"weight_ih_l0", lstm->param("weight_ih_l1")},
                             {"weight_hh_l0", lstm->param("weight_hh_l1")},
                             {"bias_ih_l0", lstm->param("bias_ih_l1")},
                             {"bias_hh_l0", lstm->param("bias_hh_l1")}});
    auto [ref, ref_state] = second->forward(zeros({6, 2, 5}));
    CHECK(out.sub(ref).abs().max().item<float>() < 1e-6f);
    CHECK(out.abs().min().item<float>() > 0.0f);
    // h_n of layer 1 is the state before dropout: equal to eval mode's.
    lstm->eval();
    auto [out_eval, state_eval] = lstm->forward(x);
    CHECK(state.first.select(0, 0).sub(state_eval.first.select(0, 0)).abs().max().item<float>() == 0.0f);
    CHECK(out.sub(out_eval).abs().max().item<float>() > 1e-3f);
  }
  SECTION("p = 0.5 in training: random between layers, nothing with one layer") {
    auto gru = std::make_shared<GRU>(GRUOptions(3, 5).num_layers(2).dropout(0.5));
    auto [a, ha] = gru->forward(x);
    auto [b, hb] = gru->forward(x);
    CHECK(a.sub(b).abs().max().item<float>() > 1e-4f);  // different masks
    auto one = std::make_shared<GRU>(GRUOptions(3, 5).dropout(0.5));
    auto [c, hc] = one->forward(x);
    auto [d, hd] = one->forward(x);
    CHECK(c.sub(d).abs().max().item<float>() == 0.0f);
  }
}

TEST_CASE("rnn: a 1000-step sequence runs forward and backward", "[rnn]") {
  manual_seed(5);
  auto lstm = std::make_shared<LSTM>(LSTMOptions(2, 4));
  Tensor x = randn({1000, 1, 2}).requires_grad_(true);
  auto [out, state] = lstm->forward(x);
  CHECK(out.shape() == Shape{1000, 1, 4});
  out.sum().backward();
  REQUIRE(x.grad().defined());
  CHECK(x.grad().shape() == Shape{1000, 1, 2});
  // The first step's input influences the loss, through 1000 steps of recurrence.
  CHECK(x.grad().select(0, 0).abs().sum().item<float>() > 0.0f);
  CHECK(lstm->param("weight_hh_l0").grad().abs().sum().item<float>() > 0.0f);

  auto rnn = std::make_shared<RNN>(RNNOptions(2, 4).bidirectional(true));
  Tensor y = randn({1000, 2}).requires_grad_(true);
  auto [o2, h2] = rnn->forward(y);
  o2.sum().backward();
  CHECK(y.grad().shape() == Shape{1000, 2});
}

TEST_CASE("rnn: shape and option errors", "[rnn][errors]") {
  auto rnn = std::make_shared<RNN>(RNNOptions(3, 5).num_layers(2));
  CHECK_THROWS_WITH(rnn->forward(randn({4, 2, 4})),
                    Catch::Contains("input.size(-1) must be equal to input_size. Expected 3, got 4"));
  CHECK_THROWS_AS(rnn->forward(randn({4, 2, 4})), ShapeError);
  CHECK_THROWS_WITH(rnn->forward(randn({4, 2, 3, 1})),
                    Catch::Contains("RNN: Expected input to be 2-D or 3-D but received 4-D tensor"));
  CHECK_THROWS_WITH(rnn->forward(randn({4, 2, 3}), randn({2, 5})),
                    Catch::Contains("For batched 3-D input, hx should also be 3-D but got 2-D tensor"));
  CHECK_THROWS_WITH(rnn->forward(randn({4, 3}), randn({2, 1, 5})),
                    Catch::Contains("For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"));
  CHECK_THROWS_WITH(rnn->forward(randn({4, 2, 3}), randn({2, 3, 5})),
                    Catch::Contains("Expected hidden size (2, 2, 5), got [2, 3, 5]"));
  auto lstm = std::make_shared<LSTM>(LSTMOptions(3, 5));
  CHECK_THROWS_WITH(lstm->forward(randn({4, 2, 3}), {randn({1, 2, 5}), randn({1, 2, 4})}),
                    Catch::Contains("Expected hidden[1] size (1, 2, 5), got [1, 2, 4]"));
  CHECK_THROWS_WITH(lstm->forward(randn({4, 2, 3}), {randn({1, 2, 5}), randn({2, 5})}),
                    Catch::Contains("For batched 3-D input, hx and cx should also be 3-D but got (3-D, 2-D) tensors"));
  CHECK_THROWS_AS(lstm->forward(randn({4, 2, 3}), {randn({1, 2, 5}), Tensor()}), ValueError);
  CHECK_THROWS_AS(rnn->forward(tensor_i64({1, 2, 3}, {1, 1, 3})), TypeError);

  CHECK_THROWS_WITH(std::make_shared<GRU>(GRUOptions(3, 5).dropout(1.5)),
                    Catch::Contains("dropout should be a number in range [0, 1]"));
  CHECK_THROWS_WITH(std::make_shared<LSTM>(LSTMOptions(3, 5).proj_size(5)),
                    Catch::Contains("proj_size has to be smaller than hidden_size"));
  CHECK_THROWS_AS(std::make_shared<RNN>(RNNOptions(3, 0)), ValueError);

  auto cell = std::make_shared<GRUCell>(3, 5);
  CHECK_THROWS_WITH(cell->forward(randn({2, 4})), Catch::Contains("input has inconsistent input_size: got 4 expected 3"));
  CHECK_THROWS_WITH(cell->forward(randn({1, 2, 3})),
                    Catch::Contains("GRUCell: Expected input to be 1-D or 2-D but received 3-D tensor"));
  CHECK_THROWS_WITH(cell->forward(randn({2, 3}), randn({3, 5})),
                    Catch::Contains("Input batch size 2 doesn't match hidden batch size 3"));
  CHECK_THROWS_WITH(cell->forward(randn({2, 3}), randn({2, 4})),
                    Catch::Contains("hidden has inconsistent hidden_size: got 4, expected 5"));
  auto lcell = std::make_shared<LSTMCell>(3, 5);
  CHECK_THROWS_WITH(lcell->forward(randn({2, 3}), {randn({2, 5}), randn({2, 6})}),
                    Catch::Contains("hidden1 has inconsistent hidden_size: got 6, expected 5"));
}

TEST_CASE("rnn: modules print as PyTorch", "[rnn]") {
  CHECK(std::make_shared<LSTM>(LSTMOptions(10, 20).num_layers(2).dropout(0.5).bidirectional(true))->to_string() ==
        "LSTM(10, 20, num_layers=2, dropout=0.5, bidirectional=True)");
  CHECK(std::make_shared<GRU>(GRUOptions(3, 4).bias(false).batch_first(true))->to_string() ==
        "GRU(3, 4, bias=False, batch_first=True)");
  CHECK(std::make_shared<RNNCell>(RNNCellOptions(3, 4).nonlinearity(RNNNonlinearity::ReLU))->to_string() ==
        "RNNCell(3, 4, nonlinearity=relu)");
  CHECK(std::make_shared<LSTMCell>(LSTMCellOptions(3, 4).bias(false))->to_string() == "LSTMCell(3, 4, bias=False)");
}

TEST_CASE("rnn: cells compose into the layer", "[rnn]") {
  // Unrolling GRUCell by hand with a GRU's weights reproduces the GRU.
  manual_seed(9);
  auto gru = std::make_shared<GRU>(3, 4);
  auto cell = std::make_shared<GRUCell>(3, 4);
  cell->load_state_dict({{"weight_ih", gru->param("weight_ih_l0")},
                         {"weight_hh", gru->param("weight_hh_l0")},
                         {"bias_ih", gru->param("bias_ih_l0")},
                         {"bias_hh", gru->param("bias_hh_l0")}});
  Tensor x = randn({7, 2, 3});
  auto [out, h_n] = gru->forward(x);
  Tensor h;
  for (int64_t t = 0; t < 7; ++t) {
    h = t == 0 ? cell->forward(x.select(0, t)) : cell->forward(x.select(0, t), h);
    CHECK(h.sub(out.select(0, t)).abs().max().item<float>() < 1e-6f);
  }
  CHECK(h.sub(h_n.select(0, 0)).abs().max().item<float>() < 1e-6f);
}
