// The basic layers: Identity, Linear, Bilinear, the activations, Dropout, BatchNorm1d,
// LayerNorm and Flatten. Each takes an options struct (fields documented with their defaults),
// initialises its parameters in reset(), and prints as PyTorch does.
#pragma once

#include <optional>
#include <string>

#include "nn/module.h"
#include "nn/options.h"

namespace kd::nn {

// nn.Identity: returns its input.
class Identity : public Module {
 public:
  Identity() : Module("Identity") {}
  Tensor forward(const Tensor& input) override { return input; }
};

struct LinearOptions {
  LinearOptions(int64_t in_features, int64_t out_features) : in_features_(in_features), out_features_(out_features) {}
  KD_ARG(int64_t, in_features);    // size of each input sample (required)
  KD_ARG(int64_t, out_features);   // size of each output sample (required)
  KD_ARG(bool, bias) = true;       // learn an additive bias
  template <typename V>
  void fields(V& v) {
    v.integer("in_features", in_features_);
    v.integer("out_features", out_features_);
    v.boolean("bias", bias_);
  }
};

// nn.Linear: y = x Wᵀ + b; weight [out, in] ~ kaiming_uniform_(a=√5), bias ~ U(±1/√in).
class Linear : public Module {
 public:
  explicit Linear(const LinearOptions& options);
  Linear(int64_t in_features, int64_t out_features, bool bias = true)
      : Linear(LinearOptions(in_features, out_features).bias(bias)) {}
  void reset();
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Tensor& weight() { return param("weight"); }
  Tensor& bias() { return param("bias"); }  // undefined when built without bias
  LinearOptions options;
  Json options_json() const override { return fields_to_json(options); }
};

struct BilinearOptions {
  BilinearOptions(int64_t in1_features, int64_t in2_features, int64_t out_features)
      : in1_features_(in1_features), in2_features_(in2_features), out_features_(out_features) {}
  KD_ARG(int64_t, in1_features);  // size of each first input sample (required)
  KD_ARG(int64_t, in2_features);  // size of each second input sample (required)
  KD_ARG(int64_t, out_features);  // size of each output sample (required)
  KD_ARG(bool, bias) = true;      // learn an additive bias
  template <typename V>
  void fields(V& v) {
    v.integer("in1_features", in1_features_);
    v.integer("in2_features", in2_features_);
    v.integer("out_features", out_features_);
    v.boolean("bias", bias_);
  }
};

// nn.Bilinear: y_k = x1ᵀ W_k x2 + b_k; weight [out, in1, in2] and bias ~ U(±1/√in1).
class Bilinear : public Module {
 public:
  explicit Bilinear(const BilinearOptions& options);
  void reset();
  using Module::forward;
  using Module::operator();
  Tensor forward(const Tensor& input1, const Tensor& input2);
  Tensor operator()(const Tensor& input1, const Tensor& input2) { return call({input1, input2})[0]; }
  std::vector<Tensor> forward_list(const std::vector<Tensor>& inputs, const ForwardOptions& = {}) override;
  std::string extra_repr() const override;
  Tensor& weight() { return param("weight"); }
  Tensor& bias() { return param("bias"); }
  BilinearOptions options;
  Json options_json() const override { return fields_to_json(options); }
};

// ---- activations ----
class ReLU : public Module {
 public:
  ReLU() : Module("ReLU") {}
  Tensor forward(const Tensor& input) override;
};

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01) : Module("LeakyReLU"), negative_slope(negative_slope) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double negative_slope;  // default 0.01
  template <typename V>
  void fields(V& v) { v.number("negative_slope", negative_slope); }
  Json options_json() const override { return fields_to_json(*this); }
};

class Tanh : public Module {
 public:
  Tanh() : Module("Tanh") {}
  Tensor forward(const Tensor& input) override;
};

class Sigmoid : public Module {
 public:
  Sigmoid() : Module("Sigmoid") {}
  Tensor forward(const Tensor& input) override;
};

class GELU : public Module {
 public:
  // approximate: "none" (default, exact erf form) or "tanh".
  explicit GELU(std::string approximate = "none");
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  std::string approximate;
  template <typename V>
  void fields(V& v) { v.choice("approximate", approximate, {"none", "tanh"}); }
  Json options_json() const override { return fields_to_json(*this); }
};

class SiLU : public Module {
 public:
  SiLU() : Module("SiLU") {}
  Tensor forward(const Tensor& input) override;
};

class Softmax : public Module {
 public:
  // dim: default none (PyTorch's implicit choice, with its deprecation), printed "dim=None".
  explicit Softmax(std::optional<int64_t> dim = std::nullopt) : Module("Softmax"), dim(dim) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  std::optional<int64_t> dim;
  template <typename V>
  void fields(V& v) { v.optional_integer("dim", dim); }
  Json options_json() const override { return fields_to_json(*this); }
};

class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(std::optional<int64_t> dim = std::nullopt) : Module("LogSoftmax"), dim(dim) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  std::optional<int64_t> dim;
  template <typename V>
  void fields(V& v) { v.optional_integer("dim", dim); }
  Json options_json() const override { return fields_to_json(*this); }
};

// ---- regularisation and normalisation ----
struct DropoutOptions {
  DropoutOptions(double p = 0.5) : p_(p) {}  // NOLINT: implicit, so Dropout(0.2) reads well
  KD_ARG(double, p);                 // probability of zeroing an element; default 0.5
  KD_ARG(bool, inplace) = false;     // kept for the repr; the result is always a new tensor
  template <typename V>
  void fields(V& v) {
    v.number("p", p_);
    v.boolean("inplace", inplace_);
  }
};

// nn.Dropout: in training, zeroes elements with probability p (seeded generator) and scales
// the rest by 1/(1−p); in eval, the identity.
class Dropout : public Module {
 public:
  explicit Dropout(const DropoutOptions& options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  DropoutOptions options;
  Json options_json() const override { return fields_to_json(options); }
};

struct BatchNormOptions {
  BatchNormOptions(int64_t num_features) : num_features_(num_features) {}  // NOLINT
  KD_ARG(int64_t, num_features);                       // C of [N, C] or [N, C, L] (required)
  KD_ARG(double, eps) = 1e-5;                          // added to the variance
  KD_ARG(std::optional<double>, momentum) = 0.1;       // running-stat factor; nullopt: cumulative average
  KD_ARG(bool, affine) = true;                         // learn weight (ones) and bias (zeros)
  KD_ARG(bool, track_running_stats) = true;            // keep running_mean/var buffers
  template <typename V>
  void fields(V& v) {
    v.integer("num_features", num_features_);
    v.number("eps", eps_);
    v.optional_number("momentum", momentum_);
    v.boolean("affine", affine_);
    v.boolean("track_running_stats", track_running_stats_);
  }
};

// nn.BatchNorm1d. Buffers running_mean (zeros), running_var (ones), num_batches_tracked (int64
// 0) when tracking. Training normalises with batch stats and updates the buffers (unbiased
// variance); eval uses the buffers.
class BatchNorm1d : public Module {
 public:
  explicit BatchNorm1d(const BatchNormOptions& options);
  void reset();                  // parameters and running stats
  void reset_running_stats();
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  BatchNormOptions options;
  Json options_json() const override { return fields_to_json(options); }
};

struct LayerNormOptions {
  LayerNormOptions(Shape normalized_shape) : normalized_shape_(std::move(normalized_shape)) {}  // NOLINT
  KD_ARG(Shape, normalized_shape);           // the trailing dims to normalise over (required)
  KD_ARG(double, eps) = 1e-5;                // added to the variance
  KD_ARG(bool, elementwise_affine) = true;   // learn weight (ones) and bias (zeros) of that shape
  template <typename V>
  void fields(V& v) {
    v.int_list("normalized_shape", normalized_shape_);
    v.number("eps", eps_);
    v.boolean("elementwise_affine", elementwise_affine_);
  }
};

class LayerNorm : public Module {
 public:
  explicit LayerNorm(const LayerNormOptions& options);
  void reset();
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  LayerNormOptions options;
  Json options_json() const override { return fields_to_json(options); }
};

struct FlattenOptions {
  KD_ARG(int64_t, start_dim) = 1;  // first dim to flatten
  KD_ARG(int64_t, end_dim) = -1;   // last dim to flatten
  template <typename V>
  void fields(V& v) {
    v.integer("start_dim", start_dim_);
    v.integer("end_dim", end_dim_);
  }
};

class Flatten : public Module {
 public:
  explicit Flatten(const FlattenOptions& options = {}) : Module("Flatten"), options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  FlattenOptions options;
  Json options_json() const override { return fields_to_json(options); }
};

}  // namespace kd::nn
