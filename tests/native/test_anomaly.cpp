// Anomaly mode (DetectAnomalyGuard): off by default, NaN/Inf in a recorded op's output or in a
// backward node's gradient raises a ValueError naming the node, and a raise changes nothing.
#include <catch2/catch.hpp>

#include <cmath>

#include "kindling.h"
#include "nn_test_util.h"

using namespace kd;
using nntest::message_of;

namespace {
Tensor leaf(std::vector<float> values) { return tensor(values).requires_grad_(); }
}  // namespace

TEST_CASE("anomaly mode: off by default, non-finite values pass silently", "[anomaly]") {
  REQUIRE_FALSE(AnomalyMode::is_enabled());
  Tensor x = leaf({1, 0});
  Tensor y = x / 0.0;  // [inf, nan]
  CHECK(std::isinf(y.to_vector<float>()[0]));
  y.sum().backward();
  CHECK(x.grad().defined());
}

TEST_CASE("anomaly mode: the guard nests and restores the previous state", "[anomaly]") {
  {
    DetectAnomalyGuard outer;
    CHECK(AnomalyMode::is_enabled());
    {
      DetectAnomalyGuard inner;
      CHECK(AnomalyMode::is_enabled());
    }
    CHECK(AnomalyMode::is_enabled());
  }
  CHECK_FALSE(AnomalyMode::is_enabled());
}

TEST_CASE("anomaly mode: a forward op producing NaN or Inf is named", "[anomaly]") {
  DetectAnomalyGuard guard;
  Tensor x = leaf({1, 0});
  CHECK(message_of([&] { (void)(x / 0.0); }) ==
        "Anomaly detected in the forward pass: the op recorded as 'DivBackward0' returned nan values in its 0th "
        "output; all its inputs were finite, so this op made them.");
  CHECK(message_of([&] { (void)(x.narrow(0, 0, 1) / 0.0); }) ==
        "Anomaly detected in the forward pass: the op recorded as 'DivBackward0' returned inf values in its 0th "
        "output; all its inputs were finite, so this op made them.");
  CHECK(message_of([&] { (void)x.log(); }) ==
        "Anomaly detected in the forward pass: the op recorded as 'LogBackward0' returned inf values in its 0th "
        "output; all its inputs were finite, so this op made them.");
  // A non-finite input is reported as the cause: a leaf, or the node that made it.
  Tensor bad = leaf({1, NAN});
  CHECK(message_of([&] { (void)(bad * 2.0); }) ==
        "Anomaly detected in the forward pass: the op recorded as 'MulBackward0' returned nan values in its 0th "
        "output; its input 0 already held nan values (a leaf tensor).");
  Tensor inf_made;
  {
    AnomalyMode::set_enabled(false);
    inf_made = x.log();
    AnomalyMode::set_enabled(true);
  }
  CHECK(message_of([&] { (void)(inf_made + 1.0); }) ==
        "Anomaly detected in the forward pass: the op recorded as 'AddBackward0' returned inf values in its 0th "
        "output; its input 0 already held inf values (made by 'LogBackward0').");
  // Only recorded ops are checked: no grad, no check (and no cost).
  {
    NoGradGuard no_grad;
    CHECK(std::isinf((x / 0.0).to_vector<float>()[0]));
  }
}

TEST_CASE("anomaly mode: a backward node returning NaN or Inf is named as PyTorch does", "[anomaly]") {
  DetectAnomalyGuard guard;
  // sqrt at 0 is finite forward; its gradient 0.5/sqrt(0) is inf, and 0 * inf is nan.
  Tensor x = leaf({0, 4});
  CHECK(message_of([&] { x.sqrt().sum().backward(); }) ==
        "Function 'SqrtBackward0' returned inf values in its 0th output (the gradient of a leaf tensor).");
  Tensor y = leaf({0, 4});
  CHECK(message_of([&] { (y.sqrt() * 0.0).sum().backward(); }) ==
        "Function 'SqrtBackward0' returned nan values in its 0th output (the gradient of a leaf tensor).");
  Tensor z = leaf({0, 4});
  CHECK(message_of([&] { (z.exp().sqrt() - 1.0).pow(0.5).sum().backward(); }) ==
        "Function 'PowBackward0' returned inf values in its 0th output (the gradient flowing into 'SubBackward0').");
  // Finite gradients pass, and match those computed with the mode off.
  Tensor w = leaf({1, 4});
  (w.sqrt() * w).sum().backward();
  std::vector<float> g = w.grad().to_vector<float>();
  CHECK(g[0] == Approx(1.5f));
  CHECK(g[1] == Approx(3.0f));
}

TEST_CASE("anomaly mode: a raise in the forward pass leaves the inputs as they were", "[anomaly]") {
  DetectAnomalyGuard guard;
  Tensor x = leaf({1, 0});
  Tensor h = x * 1.0;  // a non-leaf, so the in-place op below is recorded
  const uint32_t version = h.version();
  CHECK(message_of([&] { h.div_(0.0); }).rfind("Anomaly detected in the forward pass", 0) == 0);
  CHECK(h.to_vector<float>() == std::vector<float>{1, 0});
  CHECK(h.version() == version);
  CHECK(h.grad_fn()->name() == "MulBackward0");
  h.sum().backward();  // the graph still works
  CHECK(x.grad().to_vector<float>() == std::vector<float>{1, 1});
}
