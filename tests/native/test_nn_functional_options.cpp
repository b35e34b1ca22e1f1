// The options structs of the functional forms (nn/functional_options.h, read from JSON by the
// kd.nn.functional and kd.nn.init forms): their defaults against PyTorch 1.13's signatures
// (tests/fixtures/nn/functional_options.json, written by generate_functional_options.py), key for
// key, and the errors of bad options.
#include <catch2/catch.hpp>

#include <functional>
#include <map>

#include "golden.h"
#include "nn/nn.h"
#include "nn_test_util.h"

using namespace kd;
using namespace kd::nn;
using nntest::message_of;

namespace {

const Json& cases() {
  return golden::load_fixture("nn/functional_options.json", "tests/fixtures/nn/generate_functional_options.py")
      .at("cases");
}

bool same(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return a.as_double() == b.as_double();
  return a.dump() == b.dump();
}

// Each torch function's options struct, as the bindings read it (bindings/embind/nn.cpp).
template <typename Options>
Json defaults() {
  return fields_to_json(Options());
}
const std::map<std::string, std::function<Json()>>& structs() {
  namespace F = functional;
  static const std::map<std::string, std::function<Json()>> table = {
      {"leaky_relu", defaults<F::LeakyReLUFuncOptions>},
      {"gelu", defaults<F::GELUFuncOptions>},
      {"dropout", defaults<F::DropoutFuncOptions>},
      {"batch_norm", defaults<F::BatchNormFuncOptions>},
      {"layer_norm", defaults<F::LayerNormFuncOptions>},
      {"embedding", defaults<F::EmbeddingFuncOptions>},
      {"embedding_bag", defaults<F::EmbeddingBagFuncOptions>},
      {"mse_loss", defaults<F::LossFuncOptions>},
      {"l1_loss", defaults<F::LossFuncOptions>},
      {"smooth_l1_loss", defaults<F::SmoothL1LossFuncOptions>},
      {"nll_loss", defaults<NLLLossOptions>},
      {"cross_entropy", defaults<CrossEntropyLossOptions>},
      {"binary_cross_entropy", defaults<F::LossFuncOptions>},
      {"binary_cross_entropy_with_logits", defaults<F::LossFuncOptions>},
      {"cosine_embedding_loss", defaults<F::MarginLossFuncOptions>},
      {"margin_ranking_loss", defaults<F::MarginLossFuncOptions>},
      {"uniform_", defaults<init::UniformOptions>},
      {"normal_", defaults<init::NormalOptions>},
      {"constant_", defaults<init::ConstantOptions>},
      {"ones_", defaults<NoOptions>},
      {"zeros_", defaults<NoOptions>},
      {"eye_", defaults<NoOptions>},
      {"xavier_uniform_", defaults<init::GainOptions>},
      {"xavier_normal_", defaults<init::GainOptions>},
      {"kaiming_uniform_", defaults<init::KaimingOptions>},
      {"kaiming_normal_", defaults<init::KaimingOptions>},
      {"trunc_normal_", defaults<init::TruncNormalOptions>},
      {"orthogonal_", defaults<init::GainOptions>},
  };
  return table;
}

}  // namespace

TEST_CASE("functional options: PyTorch's keys and defaults", "[nn][functional]") {
  size_t covered = 0;
  for (const Json& c : cases().as_array()) {
    const std::string name = c.at("name").as_string();
    SECTION(name) {
      auto entry = structs().find(name);
      REQUIRE(entry != structs().end());
      Json got = entry->second();
      // Every default torch has (tensors, deprecated and in-place arguments aside), the same.
      for (const auto& [key, value] : c.at("options").as_object()) {
        INFO(name << "." << key);
        const Json* ours = got.find(key);
        REQUIRE(ours != nullptr);
        CHECK(same(*ours, value));
      }
      // Required arguments are keys too (with a stand-in until read), and nothing else is.
      for (const auto& [key, value] : c.at("required").as_object()) {
        INFO(name << "." << key << " (required)");
        CHECK(got.find(key) != nullptr);
      }
      CHECK(got.as_object().size() == c.at("options").as_object().size() + c.at("required").as_object().size());
    }
    ++covered;
  }
  // The fixture covers every struct of the table.
  CHECK(covered == structs().size());
}

TEST_CASE("functional options: read from JSON over the defaults, bad keys and kinds named", "[nn][functional]") {
  CrossEntropyLossOptions ce;
  read_fields(parse_json(R"({"label_smoothing": 0.1, "reduction": "sum"})"), "cross_entropy", ce);
  CHECK(ce.label_smoothing() == 0.1);
  CHECK(ce.reduction() == functional::Reduction::Sum);
  CHECK(ce.ignore_index() == -100);

  functional::EmbeddingFuncOptions e;
  read_fields(parse_json(R"({"padding_idx": 0, "max_norm": null})"), "embedding", e);
  CHECK(e.padding_idx() == std::optional<int64_t>(0));
  CHECK(!e.max_norm().has_value());

  // Unknown keys and wrong kinds are ValueErrors naming the function and the key; nothing changes.
  functional::DropoutFuncOptions d;
  CHECK_THROWS_AS(read_fields(parse_json(R"({"q": 0.1})"), "dropout", d), ValueError);
  CHECK(message_of([&] { read_fields(parse_json(R"({"q": 0.1})"), "dropout", d); }) == "dropout has no option named \"q\"");
  CHECK(message_of([&] { read_fields(parse_json(R"({"p": 0.2, "training": 1})"), "dropout", d); }) ==
        "dropout option \"training\" must be a boolean, got number");
  CHECK(d.p() == 0.5);
  init::KaimingOptions k;
  CHECK_THROWS_AS(read_fields(parse_json(R"({"mode": "fan_avg"})"), "init.kaiming_uniform_", k), ValueError);
  CHECK(k.mode() == "fan_in");
}
