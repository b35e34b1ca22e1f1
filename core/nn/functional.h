// Functional forms of the nn layers and the losses (torch.nn.functional). Most are built from
// the differentiable tensor ops, so their gradients come from the ops' own backward rules;
// embedding has its own backward node (dense, or row-sparse into TensorImpl::sparse_grad).
#pragma once

#include <optional>
#include <string>

#include "nn/functional_options.h"
#include "tensor/tensor.h"

namespace kd::nn::functional {

// ---- layers ----

// y = x Wᵀ + b. x: [*, in], weight: [out, in], bias: [out] or undefined. Returns [*, out].
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor());
// y_k = x1ᵀ W_k x2 + b_k. x1: [*, in1], x2: [*, in2], weight: [out, in1, in2], bias: [out].
Tensor bilinear(const Tensor& input1, const Tensor& input2, const Tensor& weight, const Tensor& bias = Tensor());

Tensor relu(const Tensor& input);
// x for x > 0, slope·x otherwise (the gradient at 0 is slope, as PyTorch).
Tensor leaky_relu(const Tensor& input, double negative_slope = LeakyReLUFuncOptions{}.negative_slope());
// approximate: "none" (exact, with erf) or "tanh".
Tensor gelu(const Tensor& input, const std::string& approximate = "none");
// x·σ(x).
Tensor silu(const Tensor& input);
// dim: as PyTorch when omitted (0 for 0-, 1- and 3-D input, else 1).
Tensor softmax(const Tensor& input, std::optional<int64_t> dim = std::nullopt);
Tensor log_softmax(const Tensor& input, std::optional<int64_t> dim = std::nullopt);

// Zeroes each element with probability p (seeded generator) and scales the rest by 1/(1-p)
// when training; the identity otherwise.
Tensor dropout(const Tensor& input, double p = DropoutFuncOptions{}.p(),
               bool training = DropoutFuncOptions{}.training());

// Batch normalisation over dim 1 of [N, C] or [N, C, L]. In training, normalises with the
// batch statistics (biased variance) and, when running stats are given, updates them in
// place: running = (1 − momentum)·running + momentum·batch, the variance unbiased. In eval,
// normalises with the running stats.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(), bool training = BatchNormFuncOptions{}.training(),
                  double momentum = BatchNormFuncOptions{}.momentum(), double eps = BatchNormFuncOptions{}.eps());
// Normalises over the trailing dims given by normalized_shape (biased variance).
Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = LayerNormFuncOptions{}.eps());

// ---- embeddings ----

// Rescales, in place and without autograd, each distinct row of weight named in indices whose
// norm_type-norm exceeds max_norm, by max_norm / (norm + 1e-7) (torch.embedding_renorm_).
// Bumps weight's version. Indices must already be valid.
void embedding_renorm_(const Tensor& weight, const Tensor& indices, double max_norm, double norm_type = 2);

// Rows of weight [V, d] picked by int64 indices of any shape: returns indices.shape + [d].
// Indices are all validated first (IndexError "index out of range in self"); then, with
// max_norm, the rows used are renormalised in place; padding_idx (negative wraps) receives no
// gradient; scale_grad_by_freq divides each row's gradient by its count in indices; sparse
// puts a coalesced row-sparse gradient in weight's sparse_grad (weight must be a leaf)
// instead of a dense .grad.
Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx = std::nullopt,
                 std::optional<double> max_norm = std::nullopt, double norm_type = EmbeddingFuncOptions{}.norm_type(),
                 bool scale_grad_by_freq = false, bool sparse = false);

// Sums, means or maxes of bags of embedding rows: input [B, L] (B bags of L), or 1-D with
// offsets [B] (bag b is input[offsets[b] : offsets[b+1]]; with include_last_offset the last
// offset ends the last bag). mode: "sum", "mean" or "max". per_sample_weights (input's shape)
// multiply the rows (sum only). padding_idx entries are left out of their bag (and out of the
// mean's count). Empty bags give zeros. Returns [B, d].
Tensor embedding_bag(const Tensor& input, const Tensor& weight, const Tensor& offsets = Tensor(),
                     std::optional<double> max_norm = std::nullopt, double norm_type = EmbeddingBagFuncOptions{}.norm_type(),
                     bool scale_grad_by_freq = false, const std::string& mode = EmbeddingBagFuncOptions{}.mode(), bool sparse = false,
                     const Tensor& per_sample_weights = Tensor(), bool include_last_offset = false,
                     std::optional<int64_t> padding_idx = std::nullopt);

// ---- losses ----

// "none", "mean" or "sum"; anything else raises ValueError.
Reduction reduction_from_string(const std::string& name);
const char* reduction_name(Reduction r);

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = LossFuncOptions{}.reduction());
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = LossFuncOptions{}.reduction());
// 0.5·d²/beta where |d| < beta, else |d| − 0.5·beta (beta = 0: the L1 loss).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = LossFuncOptions{}.reduction(),
                      double beta = SmoothL1LossFuncOptions{}.beta());
// input: log-probabilities [N, C], [N, C, d1, ...] or [C]; target: int64 class indices [N, d1, ...]
// or []. loss = −weight[t]·input[t]; mean divides by the summed weights of non-ignored targets.
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                int64_t ignore_index = NLLLossOptions{}.ignore_index(), Reduction reduction = NLLLossOptions{}.reduction());
// log_softmax over dim 1, then nll_loss (int64 targets: class indices, with label smoothing
// (1−ε)·nll + ε·smooth as PyTorch) or, for float targets of input's shape, class
// probabilities: −Σ_c weight_c·p_c·log q_c, mean over the batch elements.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                     int64_t ignore_index = CrossEntropyLossOptions{}.ignore_index(),
                     Reduction reduction = CrossEntropyLossOptions{}.reduction(),
                     double label_smoothing = CrossEntropyLossOptions{}.label_smoothing());
// −weight·(t·log x + (1−t)·log(1−x)), each log clamped at −100 as PyTorch.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                            Reduction reduction = LossFuncOptions{}.reduction());
// The same on logits, in the stable form (1−t)·x + (1 + (pw−1)·t)·log(1 + e^{−x}), with
// log(1 + e^{−x}) computed without overflow. pos_weight broadcasts over the last dim.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                                        Reduction reduction = LossFuncOptions{}.reduction(), const Tensor& pos_weight = Tensor());
// y = 1: 1 − cos(x1, x2); y = −1: max(0, cos(x1, x2) − margin). x: [N, D] or [D], y: [N] or [].
Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin = MarginLossFuncOptions{}.margin(),
                             Reduction reduction = LossFuncOptions{}.reduction());
// max(0, −y·(x1 − x2) + margin).
Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin = MarginLossFuncOptions{}.margin(),
                           Reduction reduction = LossFuncOptions{}.reduction());
// word2vec skip-gram negative sampling, per example b:
//   loss_b = −log σ(c_b·o_b) − Σ_k log σ(−c_b·n_{b,k})
// center c [B, d], context o [B, d], negatives n [B, K, d]. Returns [B] (none), or its mean/sum.
Tensor negative_sampling_loss(const Tensor& center, const Tensor& context, const Tensor& negatives,
                              Reduction reduction = LossFuncOptions{}.reduction());

// log(1 + e^{−x}) = −log σ(x), computed stably, with gradient σ(x) − 1 (exact at x = 0).
Tensor softplus_neg(const Tensor& input);

}  // namespace kd::nn::functional
