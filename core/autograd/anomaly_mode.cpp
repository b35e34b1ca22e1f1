#include "autograd/anomaly_mode.h"

#include <atomic>
#include <cmath>

#include "autograd/node.h"
#include "util/error.h"

namespace kd {
namespace {
std::atomic<bool> anomaly_enabled{false};

// "nan" or "inf" for the first non-finite value of a float32 tensor (NaN wins), else null.
const char* non_finite_kind(const Tensor& t) {
  if (!t.defined() || t.dtype() != DType::Float32 || t.numel() == 0) return nullptr;
  Tensor c = t.contiguous();
  const float* p = c.data<float>();
  bool inf = false;
  for (int64_t i = 0, n = c.numel(); i < n; ++i) {
    if (std::isnan(p[i])) return "nan";
    inf |= std::isinf(p[i]);
  }
  return inf ? "inf" : nullptr;
}

// Where the gradient of input `i` goes next: the node that made that input, or a leaf.
std::string destination(const Node& node, size_t i) {
  if (i >= node.next_edges.size() || !node.next_edges[i].valid()) return "";
  const Node& next = *node.next_edges[i].node;
  return next.name() == "AccumulateGrad" ? " (the gradient of a leaf tensor)"
                                         : str(" (the gradient flowing into '", next.name(), "')");
}
}  // namespace

bool AnomalyMode::is_enabled() { return anomaly_enabled.load(std::memory_order_relaxed); }
void AnomalyMode::set_enabled(bool enabled) { anomaly_enabled.store(enabled, std::memory_order_relaxed); }

void check_anomaly_forward(const Node& node, const std::vector<Tensor>& inputs, const std::vector<Tensor*>& outputs) {
  for (size_t k = 0; k < outputs.size(); ++k) {
    const char* kind = non_finite_kind(*outputs[k]);
    if (!kind) continue;
    std::string cause = "; all its inputs were finite, so this op made them";
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (const char* in_kind = non_finite_kind(inputs[i])) {
        cause = str("; its input ", i, " already held ", in_kind, " values",
                    inputs[i].impl()->grad_fn ? str(" (made by '", inputs[i].impl()->grad_fn->name(), "')")
                                              : std::string(" (a leaf tensor)"));
        break;
      }
    }
    throw ValueError(str("Anomaly detected in the forward pass: the op recorded as '", node.name(), "' returned ",
                         kind, " values in its ", k, "th output", cause, "."));
  }
}

void check_anomaly_backward(const Node& node, const TensorList& input_grads) {
  for (size_t i = 0; i < input_grads.size(); ++i) {
    if (const char* kind = non_finite_kind(input_grads[i])) {
      throw ValueError(str("Function '", node.name(), "' returned ", kind, " values in its ", i, "th output",
                           destination(node, i), "."));
    }
  }
}

}  // namespace kd
