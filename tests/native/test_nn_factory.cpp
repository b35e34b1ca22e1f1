// nn::make_module (core/nn/factory.h): every built-in module from its options as JSON, with
// PyTorch 1.13's defaults (tests/fixtures/nn/module_options.json, written by
// generate_module_options.py from torch's constructor signatures), options_json() reading
// them back, and the errors of bad options.
#include <catch2/catch.hpp>

#include "golden.h"
#include "nn/nn.h"
#include "nn_test_util.h"

using namespace kd;
using namespace kd::nn;
using nntest::message_of;

namespace {

const Json& cases() {
  return golden::load_fixture("nn/module_options.json", "tests/fixtures/nn/generate_module_options.py").at("cases");
}

// Values equal as JSON (numbers compared as doubles, so 0 and 0.0 agree).
bool same(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return a.as_double() == b.as_double();
  return a.dump() == b.dump();
}

}  // namespace

TEST_CASE("make_module: every module, PyTorch's defaults, options read back", "[nn][factory]") {
  std::vector<std::string> covered;
  for (const Json& c : cases().as_array()) {
    const std::string type = c.at("type").as_string();
    covered.push_back(type);
    SECTION(type) {
      ModulePtr m = make_module(type, c.at("required"));
      CHECK(m->type_name() == type);
      Json got = m->options_json();
      const Json& expected = c.at("options");
      // The same keys as PyTorch (in-place activations left out on purpose) and its defaults.
      for (const auto& [key, value] : expected.as_object()) {
        const Json* ours = got.find(key);
        INFO(type << "." << key);
        REQUIRE(ours != nullptr);
        CHECK(same(*ours, value));
      }
      CHECK(got.as_object().size() == expected.as_object().size());
      // What options_json() gives builds the same module again.
      ModulePtr again = make_module(type, got);
      CHECK(again->options_json().dump() == got.dump());
      CHECK(again->to_string() == m->to_string());
    }
  }
  // The fixture covers every type the factory knows but NegativeSamplingLoss (not in torch).
  covered.push_back("NegativeSamplingLoss");
  std::sort(covered.begin(), covered.end());
  std::vector<std::string> known = module_types();
  std::sort(known.begin(), known.end());
  CHECK(covered == known);
}

TEST_CASE("make_module: options given, tensors by name", "[nn][factory]") {
  auto lin = make_module("Linear", parse_json(R"({"in_features": 4, "out_features": 2, "bias": false})"));
  CHECK(lin->options_json().dump() == R"({"in_features":4,"out_features":2,"bias":false})");
  CHECK(lin->named_parameters().size() == 1);
  auto emb = make_module("Embedding", parse_json(R"({"num_embeddings": 5, "embedding_dim": 2, "padding_idx": -1})"));
  CHECK(emb->options_json().at("padding_idx").as_int() == 4);  // stored wrapped, as PyTorch
  Tensor w = arange(0, 6, 1).to(DType::Float32).view({3, 2});
  auto ce = make_module("CrossEntropyLoss", parse_json(R"({"label_smoothing": 0.1})"), {{"weight", ones({3})}});
  CHECK(ce->named_buffers().size() == 1);
  auto pre = make_module("Embedding", parse_json(R"({"num_embeddings": 3, "embedding_dim": 2})"), {{"_weight", w}});
  CHECK(pre->param("weight").impl() != nullptr);
  CHECK(pre->param("weight").to_vector<float>() == w.to_vector<float>());
  auto frozen = embedding_from_pretrained(w, parse_json(R"({"freeze": true, "max_norm": 1.5})"));
  CHECK_FALSE(frozen->weight().requires_grad());
  CHECK(frozen->options_json().at("max_norm").as_double() == 1.5);
  auto rnn = make_module("RNN", parse_json(R"({"input_size": 2, "hidden_size": 3, "nonlinearity": "relu", "num_layers": 2})"));
  CHECK(rnn->options_json().at("nonlinearity").as_string() == "relu");
  CHECK(rnn->to_string() == "RNN(2, 3, num_layers=2)");  // as torch 1.13 prints it
}

TEST_CASE("make_module: bad options raise and build nothing", "[nn][factory]") {
  CHECK(message_of([] { make_module("Linear", parse_json(R"({"in_features": 3})")); }) ==
        "Linear() missing required option \"out_features\"");
  CHECK_THROWS_AS(make_module("Linear", parse_json(R"({"in_features": 3})")), TypeError);
  CHECK(message_of([] { make_module("Linear", parse_json(R"({"in_features": 3, "out_features": 2, "bais": true})")); }) ==
        "Linear has no option named \"bais\"");
  CHECK(message_of([] { make_module("Linear", parse_json(R"({"in_features": 3.5, "out_features": 2})")); }) ==
        "Linear option \"in_features\" must be an integer, got 3.5");
  CHECK(message_of([] { make_module("GELU", parse_json(R"({"approximate": "fast"})")); }) ==
        "GELU option \"approximate\" must be one of \"none\", \"tanh\", got \"fast\"");
  CHECK(message_of([] { make_module("MSELoss", parse_json(R"({"reduction": "avg"})")); }) ==
        "MSELoss option \"reduction\" must be one of \"none\", \"mean\", \"sum\", got \"avg\"");
  CHECK_THROWS_AS(make_module("Dropout", parse_json(R"({"p": 1.5})")), ValueError);  // the constructor's range check
  CHECK(message_of([] { make_module("MSELoss", Json::object(), {{"weight", ones({1})}}); }) ==
        "MSELoss has no tensor option named \"weight\"");
  CHECK(message_of([] { make_module("Conv2d", Json::object()); }) == "unknown module type \"Conv2d\"");
  CHECK(message_of([] { make_module("ReLU", parse_json(R"({"inplace": true})")); }) == "ReLU has no option named \"inplace\"");
}
