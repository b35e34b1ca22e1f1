#include "nn/layers.h"

#include <cmath>

#include "autograd/grad_mode.h"
#include "nn/format.h"
#include "nn/functional.h"
#include "nn/init.h"
#include "ops/ops.h"

namespace kd::nn {

namespace F = functional;

// ---- Linear ----
Linear::Linear(const LinearOptions& options) : Module("Linear"), options(options) {
  KD_CHECK(options.in_features() >= 0 && options.out_features() >= 0, ValueError,
           "Linear: feature counts must be non-negative, got in_features=", options.in_features(),
           ", out_features=", options.out_features());
  register_parameter("weight", empty({options.out_features(), options.in_features()}));
  register_parameter("bias", options.bias() ? empty({options.out_features()}) : Tensor());
  reset();
}

void Linear::reset() {
  // PyTorch's default: kaiming_uniform_(a=√5) gives U(±1/√in) for the weight; the bias too.
  init::kaiming_uniform_(weight(), std::sqrt(5.0));
  if (bias().defined()) {
    const int64_t fan_in = options.in_features();
    const double bound = fan_in > 0 ? 1 / std::sqrt(static_cast<double>(fan_in)) : 0;
    init::uniform_(bias(), -bound, bound);
  }
}

Tensor Linear::forward(const Tensor& input) { return F::linear(input, weight(), bias()); }

std::string Linear::extra_repr() const {
  return str("in_features=", options.in_features(), ", out_features=", options.out_features(),
             ", bias=", py_bool(param("bias").defined()));
}

// ---- Bilinear ----
Bilinear::Bilinear(const BilinearOptions& options) : Module("Bilinear"), options(options) {
  register_parameter("weight", empty({options.out_features(), options.in1_features(), options.in2_features()}));
  register_parameter("bias", options.bias() ? empty({options.out_features()}) : Tensor());
  reset();
}

void Bilinear::reset() {
  const double bound = 1 / std::sqrt(static_cast<double>(weight().size(1)));
  init::uniform_(weight(), -bound, bound);
  if (bias().defined()) init::uniform_(bias(), -bound, bound);
}

Tensor Bilinear::forward(const Tensor& input1, const Tensor& input2) {
  return F::bilinear(input1, input2, weight(), bias());
}

std::string Bilinear::extra_repr() const {
  return str("in1_features=", options.in1_features(), ", in2_features=", options.in2_features(),
             ", out_features=", options.out_features(), ", bias=", py_bool(param("bias").defined()));
}

// ---- activations ----
Tensor ReLU::forward(const Tensor& input) { return F::relu(input); }
Tensor LeakyReLU::forward(const Tensor& input) { return F::leaky_relu(input, negative_slope); }
std::string LeakyReLU::extra_repr() const { return "negative_slope=" + py_float(negative_slope); }
Tensor Tanh::forward(const Tensor& input) { return input.tanh(); }
Tensor Sigmoid::forward(const Tensor& input) { return input.sigmoid(); }

GELU::GELU(std::string approximate) : Module("GELU"), approximate(std::move(approximate)) {
  KD_CHECK(this->approximate == "none" || this->approximate == "tanh", ValueError,
           "approximate argument must be either none or tanh.");
}
Tensor GELU::forward(const Tensor& input) { return F::gelu(input, approximate); }
std::string GELU::extra_repr() const { return "approximate='" + approximate + "'"; }

Tensor SiLU::forward(const Tensor& input) { return F::silu(input); }

Tensor Softmax::forward(const Tensor& input) { return F::softmax(input, dim); }
std::string Softmax::extra_repr() const { return "dim=" + (dim ? std::to_string(*dim) : std::string("None")); }
Tensor LogSoftmax::forward(const Tensor& input) { return F::log_softmax(input, dim); }
std::string LogSoftmax::extra_repr() const { return "dim=" + (dim ? std::to_string(*dim) : std::string("None")); }

// ---- Dropout ----
Dropout::Dropout(const DropoutOptions& options) : Module("Dropout"), options(options) {
  KD_CHECK(options.p() >= 0 && options.p() <= 1, ValueError,
           "dropout probability has to be between 0 and 1, but got ", py_float(options.p()));
}
Tensor Dropout::forward(const Tensor& input) { return F::dropout(input, options.p(), is_training()); }
std::string Dropout::extra_repr() const {
  return "p=" + py_float(options.p()) + ", inplace=" + py_bool(options.inplace());
}

// ---- BatchNorm1d ----
BatchNorm1d::BatchNorm1d(const BatchNormOptions& options) : Module("BatchNorm1d"), options(options) {
  const int64_t c = options.num_features();
  register_parameter("weight", options.affine() ? empty({c}) : Tensor());
  register_parameter("bias", options.affine() ? empty({c}) : Tensor());
  if (options.track_running_stats()) {
    register_buffer("running_mean", zeros({c}));
    register_buffer("running_var", ones({c}));
    register_buffer("num_batches_tracked", zeros({}, DType::Int64));
  } else {
    register_buffer("running_mean", Tensor());
    register_buffer("running_var", Tensor());
    register_buffer("num_batches_tracked", Tensor());
  }
  reset();
}

void BatchNorm1d::reset_running_stats() {
  if (!options.track_running_stats()) return;
  NoGradGuard no_grad;
  buffer("running_mean").zero_();
  buffer("running_var").fill_(1);
  buffer("num_batches_tracked").zero_();
}

void BatchNorm1d::reset() {
  reset_running_stats();
  if (options.affine()) {
    init::ones_(param("weight"));
    init::zeros_(param("bias"));
  }
}

Tensor BatchNorm1d::forward(const Tensor& input) {
  KD_CHECK(input.dim() == 2 || input.dim() == 3, ValueError, "expected 2D or 3D input (got ", input.dim(), "D input)");
  // momentum None: the cumulative average, factor 1/num_batches_tracked.
  double factor = options.momentum().value_or(0.0);
  const bool update = is_training() && options.track_running_stats();
  if (update) {
    Tensor count = buffer("num_batches_tracked");
    {
      // Validate first: a throw must leave the counter as it was.
      KD_CHECK(input.size(1) == options.num_features(), ShapeError, "running_mean should contain ", input.size(1),
               " elements not ", options.num_features());
      KD_CHECK(input.numel() / std::max<int64_t>(input.size(1), 1) > 1, ValueError,
               "Expected more than 1 value per channel when training, got input size torch.Size([",
               shape_str(input.shape()).substr(1, shape_str(input.shape()).size() - 2), "])");
      NoGradGuard no_grad;
      count.fill_(static_cast<double>(count.item<int64_t>() + 1));
    }
    if (!options.momentum()) factor = 1.0 / static_cast<double>(count.item<int64_t>());
  }
  return F::batch_norm(input, buffer("running_mean"), buffer("running_var"), param("weight"), param("bias"),
                       is_training() || !options.track_running_stats(), factor, options.eps());
}

std::string BatchNorm1d::extra_repr() const {
  return str(options.num_features(), ", eps=", py_float(options.eps()), ", momentum=",
             options.momentum() ? py_float(*options.momentum()) : std::string("None"), ", affine=",
             py_bool(options.affine()), ", track_running_stats=", py_bool(options.track_running_stats()));
}

// ---- LayerNorm ----
LayerNorm::LayerNorm(const LayerNormOptions& options) : Module("LayerNorm"), options(options) {
  const bool affine = options.elementwise_affine();
  register_parameter("weight", affine ? empty(options.normalized_shape()) : Tensor());
  register_parameter("bias", affine ? empty(options.normalized_shape()) : Tensor());
  reset();
}

void LayerNorm::reset() {
  if (!options.elementwise_affine()) return;
  init::ones_(param("weight"));
  init::zeros_(param("bias"));
}

Tensor LayerNorm::forward(const Tensor& input) {
  return F::layer_norm(input, options.normalized_shape(), param("weight"), param("bias"), options.eps());
}

std::string LayerNorm::extra_repr() const {
  // A Python tuple: "(4,)" or "(2, 3)".
  const Shape& s = options.normalized_shape();
  std::string t = "(";
  for (size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  t += s.size() == 1 ? ",)" : ")";
  return t + ", eps=" + py_float(options.eps()) + ", elementwise_affine=" + py_bool(options.elementwise_affine());
}

// ---- Flatten ----
Tensor Flatten::forward(const Tensor& input) { return input.flatten(options.start_dim(), options.end_dim()); }
std::string Flatten::extra_repr() const {
  return str("start_dim=", options.start_dim(), ", end_dim=", options.end_dim());
}

std::vector<Tensor> Bilinear::forward_list(const std::vector<Tensor>& inputs, const ForwardOptions&) {
  std::vector<Tensor> in = forward_inputs(inputs, 2, 2);
  return {forward(in[0], in[1])};
}

}  // namespace kd::nn
