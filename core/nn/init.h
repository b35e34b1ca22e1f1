// Parameter initialisation (torch.nn.init). Every function fills its tensor in place under
// NoGradGuard, draws from the seeded default generator (kd::manual_seed), and returns the
// tensor. Errors use PyTorch's messages.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "nn/functional_options.h"
#include "tensor/tensor.h"

namespace kd::nn::init {

// The recommended gain for a nonlinearity: linear, conv1d/2d/3d, conv_transpose1d/2d/3d and
// sigmoid → 1; tanh → 5/3; relu → √2; leaky_relu → √(2 / (1 + slope²)) with `param` the
// slope (default 0.01); selu → 3/4. Anything else raises ValueError.
double calculate_gain(const std::string& nonlinearity, std::optional<double> param = std::nullopt);

// (fan_in, fan_out) of a weight [out, in, *kernel]: in·∏kernel and out·∏kernel. ValueError
// for fewer than 2 dims.
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor);

Tensor uniform_(Tensor tensor, double a = UniformOptions{}.a(), double b = UniformOptions{}.b());
Tensor normal_(Tensor tensor, double mean = NormalOptions{}.mean(), double std = NormalOptions{}.std());
Tensor constant_(Tensor tensor, double value);
Tensor ones_(Tensor tensor);
Tensor zeros_(Tensor tensor);
// The identity matrix (2-D tensors only; non-square gets ones on the main diagonal).
Tensor eye_(Tensor tensor);
// U(-a, a) with a = gain·√(6 / (fan_in + fan_out)).
Tensor xavier_uniform_(Tensor tensor, double gain = GainOptions{}.gain());
// N(0, std²) with std = gain·√(2 / (fan_in + fan_out)).
Tensor xavier_normal_(Tensor tensor, double gain = GainOptions{}.gain());
// U(-bound, bound) with bound = √3 · gain(nonlinearity, a) / √fan, fan chosen by mode
// ("fan_in" or "fan_out").
Tensor kaiming_uniform_(Tensor tensor, double a = KaimingOptions{}.a(), const std::string& mode = KaimingOptions{}.mode(),
                        const std::string& nonlinearity = KaimingOptions{}.nonlinearity());
// N(0, std²) with std = gain(nonlinearity, a) / √fan.
Tensor kaiming_normal_(Tensor tensor, double a = KaimingOptions{}.a(), const std::string& mode = KaimingOptions{}.mode(),
                       const std::string& nonlinearity = KaimingOptions{}.nonlinearity());
// N(mean, std²) truncated to [a, b], by inverting the normal CDF as PyTorch does.
Tensor trunc_normal_(Tensor tensor, double mean = TruncNormalOptions{}.mean(), double std = TruncNormalOptions{}.std(),
                     double a = TruncNormalOptions{}.a(), double b = TruncNormalOptions{}.b());
// A (semi-)orthogonal matrix from the QR decomposition of a normal sample, signs fixed so that
// R has a positive diagonal, times gain. Tensors of more than 2 dims are flattened after dim 0.
Tensor orthogonal_(Tensor tensor, double gain = GainOptions{}.gain());

}  // namespace kd::nn::init
