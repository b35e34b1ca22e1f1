// libFuzzer target: the optimizer options parser (each options struct's from_json, which the
// JS layer feeds with the user's options object as JSON) and Optimizer::load_state_dict's
// param_groups. The first byte picks the optimizer and require_all; the rest is JSON text.
// Invariants: a rejected input leaves the options (and the optimizer) exactly as they were; an
// accepted one validates and round-trips through to_json.
#include <cstdint>
#include <memory>
#include <string_view>

#include "fuzz_util.h"
#include "ops/ops.h"
#include "optim/optim.h"
#include "tensor/tensor.h"
#include "util/json.h"

namespace {

std::unique_ptr<kd::optim::OptimizerOptions> defaults_of(int kind) {
  switch (kind) {
    case 0: return std::make_unique<kd::optim::SGDOptions>(0.1);
    case 1: return std::make_unique<kd::optim::AdamOptions>();
    case 2: return std::make_unique<kd::optim::AdamWOptions>();
    case 3: return std::make_unique<kd::optim::AdagradOptions>();
    case 4: return std::make_unique<kd::optim::RMSpropOptions>();
    default: return std::make_unique<kd::optim::SparseAdamOptions>();
  }
}

std::unique_ptr<kd::optim::Optimizer> optimizer_of(int kind, std::vector<kd::Tensor> params) {
  switch (kind) {
    case 0: return std::make_unique<kd::optim::SGD>(params, kd::optim::SGDOptions(0.1).momentum(0.9));
    case 1: return std::make_unique<kd::optim::Adam>(params);
    case 2: return std::make_unique<kd::optim::AdamW>(params);
    case 3: return std::make_unique<kd::optim::Adagrad>(params);
    case 4: return std::make_unique<kd::optim::RMSprop>(params);
    default: return std::make_unique<kd::optim::SparseAdam>(params);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int kind = data[0] % 6;
  const bool require_all = (data[0] / 6) % 2 == 1;
  const bool as_state_dict = (data[0] / 12) % 2 == 1;
  kd::Json json;
  if (!kd_fuzz_accepts([&] { json = kd::parse_json(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1)); })) {
    return 0;
  }

  if (!as_state_dict) {
    auto options = defaults_of(kind);
    const kd::Json before = options->to_json();
    if (!kd_fuzz_accepts([&] { options->from_json(json, require_all); })) {
      KD_FUZZ_EXPECT(options->to_json() == before);
      return 0;
    }
    options->validate();  // accepted values are valid values
    auto again = defaults_of(kind);
    again->from_json(options->to_json(), true);
    KD_FUZZ_EXPECT(again->to_json() == options->to_json());
    return 0;
  }

  // load_state_dict with fuzzed param_groups (the state stays empty).
  std::vector<kd::Tensor> params = {kd::ones({2}).requires_grad_(), kd::ones({3}).requires_grad_()};
  auto optimizer = optimizer_of(kind, params);
  const kd::Json before = optimizer->state_dict().param_groups;
  kd::optim::OptimizerStateDict sd;
  sd.param_groups = json;
  if (!kd_fuzz_accepts([&] { optimizer->load_state_dict(sd); })) {
    KD_FUZZ_EXPECT(optimizer->state_dict().param_groups == before);
    return 0;
  }
  for (const auto& group : optimizer->param_groups()) group.options->validate();
  return 0;
}
