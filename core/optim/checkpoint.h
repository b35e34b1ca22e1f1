// An optimizer's state (and its LR scheduler's) in a safetensors file, so that a training run
// can be checkpointed and resumed bit-identically: the model's state_dict in one file
// (save_safetensors), the optimizer and scheduler in another (this).
//
// Layout (the same bytes from C++ and JS):
//   tensors       "state.<index>.<buffer>", e.g. "state.0.exp_avg": the optimizer's per-parameter
//                 buffers, float32, the parameter's shape (index as in state_dict())
//   __metadata__  "format": "kindling.optimizer.v1"
//                 "optimizer": the optimizer's name ("Adam"); loading into another kind fails
//                 "param_groups": JSON, state_dict()'s param_groups (options, initial_lr, params)
//                 "state": JSON {"<index>": {"step": n}}, one entry per parameter with state
//                 "lr_scheduler": JSON, the scheduler's state_dict() (absent without one)
// Numbers in the JSON are written with as many digits as it takes to read back the same
// double, so learning rates and momenta round-trip exactly.
#pragma once

#include <cstdint>
#include <vector>

#include "optim/optimizer.h"
#include "optim/scheduler.h"
#include "util/json.h"

namespace kd {
namespace optim {

// What a file holds, checked for its layout (not yet against an optimizer).
struct OptimizerCheckpoint {
  std::string optimizer;       // "Adam", "SGD", ...
  OptimizerStateDict state;
  Json lr_scheduler;           // null when the file has none
};

// scheduler_state: a scheduler's state_dict(), or null for none.
std::vector<uint8_t> save_optimizer_state(const std::string& optimizer, const OptimizerStateDict& state,
                                          const Json& scheduler_state = Json());
std::vector<uint8_t> save_optimizer_state(const Optimizer& optimizer, const LRScheduler* scheduler = nullptr);

// Raises ValueError (messages start with "optimizer state:") for a file that is not safetensors
// or not in this layout.
OptimizerCheckpoint read_optimizer_state(const uint8_t* data, size_t size);

// Reads the file and checks it against both objects (the optimizer's kind, groups, shapes; the
// scheduler's keys; a scheduler given but none saved) before changing either; then loads both.
void load_optimizer_state(const std::vector<uint8_t>& bytes, Optimizer& optimizer, LRScheduler* scheduler = nullptr);

}  // namespace optim
}  // namespace kd
