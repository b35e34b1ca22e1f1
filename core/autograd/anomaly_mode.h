// Anomaly detection, as torch.autograd.detect_anomaly: while it is on, every op that records
// autograd history checks the values it produced, and every backward node checks the
// gradients it returns, for NaN and Inf; the first one found raises a ValueError naming the
// node (PyTorch's "Function 'DivBackward0' returned nan values in its 0th output.").
//
// Off by default and free when off: the only cost is one relaxed load of a flag per recorded
// op and per backward node. The flag is global (like PyTorch's), not per thread: history is
// recorded and backward runs on the calling thread, never on pool threads.
#pragma once

#include <vector>

#include "autograd/node.h"
#include "tensor/tensor.h"

namespace kd {

struct AnomalyMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

// RAII scope: anomaly detection on inside (torch::autograd::DetectAnomalyGuard).
class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard() : previous_(AnomalyMode::is_enabled()) { AnomalyMode::set_enabled(true); }
  ~DetectAnomalyGuard() { AnomalyMode::set_enabled(previous_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool previous_;
};

// Forward: raises when an output of the op that recorded `node` holds NaN or Inf, saying
// whether its inputs already did (then the op only passed the problem on). Called by
// set_history before it connects anything, so a raise leaves every input as it was.
void check_anomaly_forward(const Node& node, const std::vector<Tensor>& inputs, const std::vector<Tensor*>& outputs);
// Backward: raises when a gradient `node` returned holds NaN or Inf.
void check_anomaly_backward(const Node& node, const TensorList& input_grads);

}  // namespace kd
