// The options of the functional forms (torch.nn.functional.*, torch.nn.init.*) as structs, each
// with one `fields` list in torch's keyword order and its defaults as member initializers: what
// the JS layer's kd.nn.functional / kd.nn.init read from JSON (util/option_fields.h), so no
// default is written in JS. tests/native/test_nn_functional_options.cpp checks every default
// against torch 1.13's signatures (tests/fixtures/nn/functional_options.json).
//
// Tensor-valued arguments (weight, pos_weight, offsets, per_sample_weights, running stats) are
// not options: they cross as tensors. Where a module's options struct is the same set, the
// functional form uses it (cross_entropy: CrossEntropyLossOptions, nll_loss: NLLLossOptions,
// below).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "nn/options.h"
#include "tensor/tensor.h"
#include "util/shape.h"

namespace kd::nn {

// The options of a form that has none (init.ones_, ...): any key is unknown.
struct NoOptions {
  template <typename V>
  void fields(V&) {}
};

namespace functional {

enum class Reduction { None, Mean, Sum };

// The `reduction` option of every loss, by name.
template <typename V>
void reduction_field(V& v, Reduction& reduction) {
  v.enumeration("reduction", reduction, {{"none", Reduction::None}, {"mean", Reduction::Mean}, {"sum", Reduction::Sum}});
}

// mse_loss, l1_loss, binary_cross_entropy(_with_logits), negative_sampling_loss.
struct LossFuncOptions {
  KD_ARG(Reduction, reduction) = Reduction::Mean;
  template <typename V>
  void fields(V& v) { reduction_field(v, reduction_); }
};

struct SmoothL1LossFuncOptions {
  KD_ARG(Reduction, reduction) = Reduction::Mean;
  KD_ARG(double, beta) = 1.0;  // below |d| = beta the loss is quadratic
  template <typename V>
  void fields(V& v) {
    reduction_field(v, reduction_);
    v.number("beta", beta_);
  }
};

// cosine_embedding_loss, margin_ranking_loss.
struct MarginLossFuncOptions {
  KD_ARG(double, margin) = 0.0;
  KD_ARG(Reduction, reduction) = Reduction::Mean;
  template <typename V>
  void fields(V& v) {
    v.number("margin", margin_);
    reduction_field(v, reduction_);
  }
};

struct LeakyReLUFuncOptions {
  KD_ARG(double, negative_slope) = 0.01;
  template <typename V>
  void fields(V& v) { v.number("negative_slope", negative_slope_); }
};

struct GELUFuncOptions {
  KD_ARG(std::string, approximate) = "none";  // "none" (erf) or "tanh"
  template <typename V>
  void fields(V& v) { v.choice("approximate", approximate_, {"none", "tanh"}); }
};

struct DropoutFuncOptions {
  KD_ARG(double, p) = 0.5;
  KD_ARG(bool, training) = true;
  template <typename V>
  void fields(V& v) {
    v.number("p", p_);
    v.boolean("training", training_);
  }
};

struct BatchNormFuncOptions {
  KD_ARG(bool, training) = false;
  KD_ARG(double, momentum) = 0.1;
  KD_ARG(double, eps) = 1e-5;
  template <typename V>
  void fields(V& v) {
    v.boolean("training", training_);
    v.number("momentum", momentum_);
    v.number("eps", eps_);
  }
};

struct LayerNormFuncOptions {
  KD_ARG(Shape, normalized_shape);  // required
  KD_ARG(double, eps) = 1e-5;
  template <typename V>
  void fields(V& v) {
    v.int_list("normalized_shape", normalized_shape_);
    v.number("eps", eps_);
  }
};

// The lookup options F.embedding, nn.Embedding and Embedding.from_pretrained share, in torch's
// order (each struct has these five members).
template <typename V, typename Options>
void embedding_lookup_fields(V& v, Options& o) {
  v.optional_integer("padding_idx", o.padding_idx_);
  v.optional_number("max_norm", o.max_norm_);
  v.number("norm_type", o.norm_type_);
  v.boolean("scale_grad_by_freq", o.scale_grad_by_freq_);
  v.boolean("sparse", o.sparse_);
}

struct EmbeddingFuncOptions {
  KD_ARG(std::optional<int64_t>, padding_idx);
  KD_ARG(std::optional<double>, max_norm);
  KD_ARG(double, norm_type) = 2.0;
  KD_ARG(bool, scale_grad_by_freq) = false;
  KD_ARG(bool, sparse) = false;
  template <typename V>
  void fields(V& v) { embedding_lookup_fields(v, *this); }
};

// The options F.embedding_bag and nn.EmbeddingBag share, in torch's order.
template <typename V, typename Options>
void embedding_bag_fields(V& v, Options& o) {
  v.optional_number("max_norm", o.max_norm_);
  v.number("norm_type", o.norm_type_);
  v.boolean("scale_grad_by_freq", o.scale_grad_by_freq_);
  v.choice("mode", o.mode_, {"sum", "mean", "max"});
  v.boolean("sparse", o.sparse_);
  v.boolean("include_last_offset", o.include_last_offset_);
  v.optional_integer("padding_idx", o.padding_idx_);
}

struct EmbeddingBagFuncOptions {
  KD_ARG(std::optional<double>, max_norm);
  KD_ARG(double, norm_type) = 2.0;
  KD_ARG(bool, scale_grad_by_freq) = false;
  KD_ARG(std::string, mode) = "mean";
  KD_ARG(bool, sparse) = false;
  KD_ARG(bool, include_last_offset) = false;
  KD_ARG(std::optional<int64_t>, padding_idx);
  template <typename V>
  void fields(V& v) { embedding_bag_fields(v, *this); }
};

}  // namespace functional

// cross_entropy's and nll_loss's options are their modules' (nn.CrossEntropyLoss, nn.NLLLoss);
// the weight crosses as a tensor.
using functional::Reduction;
using functional::reduction_field;

struct CrossEntropyLossOptions {
  KD_ARG(Tensor, weight);                      // undefined; per-class weight [C]
  KD_ARG(int64_t, ignore_index) = -100;        // target value that contributes nothing
  KD_ARG(Reduction, reduction) = Reduction::Mean;
  KD_ARG(double, label_smoothing) = 0.0;       // in [0, 1]
  template <typename V>
  void fields(V& v) {
    v.integer("ignore_index", ignore_index_);
    reduction_field(v, reduction_);
    v.number("label_smoothing", label_smoothing_);
  }
};

struct NLLLossOptions {
  KD_ARG(Tensor, weight);                      // undefined; per-class weight [C]
  KD_ARG(int64_t, ignore_index) = -100;
  KD_ARG(Reduction, reduction) = Reduction::Mean;
  template <typename V>
  void fields(V& v) {
    v.integer("ignore_index", ignore_index_);
    reduction_field(v, reduction_);
  }
};


namespace init {

struct UniformOptions {
  KD_ARG(double, a) = 0.0;
  KD_ARG(double, b) = 1.0;
  template <typename V>
  void fields(V& v) {
    v.number("a", a_);
    v.number("b", b_);
  }
};

struct NormalOptions {
  KD_ARG(double, mean) = 0.0;
  KD_ARG(double, std) = 1.0;
  template <typename V>
  void fields(V& v) {
    v.number("mean", mean_);
    v.number("std", std_);
  }
};

struct ConstantOptions {
  KD_ARG(double, val) = 0.0;  // required (a stand-in until read)
  template <typename V>
  void fields(V& v) { v.number("val", val_); }
};

// xavier_uniform_, xavier_normal_, orthogonal_.
struct GainOptions {
  KD_ARG(double, gain) = 1.0;
  template <typename V>
  void fields(V& v) { v.number("gain", gain_); }
};

struct KaimingOptions {
  KD_ARG(double, a) = 0.0;
  KD_ARG(std::string, mode) = "fan_in";
  KD_ARG(std::string, nonlinearity) = "leaky_relu";
  template <typename V>
  void fields(V& v) {
    v.number("a", a_);
    v.choice("mode", mode_, {"fan_in", "fan_out"});
    // Any name calculate_gain knows; it raises for the others.
    v.string("nonlinearity", nonlinearity_);
  }
};

struct TruncNormalOptions {
  KD_ARG(double, mean) = 0.0;
  KD_ARG(double, std) = 1.0;
  KD_ARG(double, a) = -2.0;
  KD_ARG(double, b) = 2.0;
  template <typename V>
  void fields(V& v) {
    v.number("mean", mean_);
    v.number("std", std_);
    v.number("a", a_);
    v.number("b", b_);
  }
};

}  // namespace init

}  // namespace kd::nn
