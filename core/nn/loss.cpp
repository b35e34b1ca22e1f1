#include "nn/loss.h"

namespace kd::nn {

namespace F = functional;

Tensor Loss::forward(const Tensor&) {
  throw ValueError(str(type_name(), ".forward needs an input and a target"));
}

MSELoss::MSELoss(Reduction r) : Loss("MSELoss") { reduction = r; }
Tensor MSELoss::forward(const Tensor& input, const Tensor& target) { return F::mse_loss(input, target, reduction); }

L1Loss::L1Loss(Reduction r) : Loss("L1Loss") { reduction = r; }
Tensor L1Loss::forward(const Tensor& input, const Tensor& target) { return F::l1_loss(input, target, reduction); }

SmoothL1Loss::SmoothL1Loss(Reduction r, double beta) : Loss("SmoothL1Loss"), beta(beta) { reduction = r; }
Tensor SmoothL1Loss::forward(const Tensor& input, const Tensor& target) {
  return F::smooth_l1_loss(input, target, reduction, beta);
}

CrossEntropyLoss::CrossEntropyLoss(const CrossEntropyLossOptions& o) : Loss("CrossEntropyLoss"), options(o) {
  reduction = o.reduction();
  register_buffer("weight", o.weight());
}
Tensor CrossEntropyLoss::forward(const Tensor& input, const Tensor& target) {
  return F::cross_entropy(input, target, buffer("weight"), options.ignore_index(), reduction, options.label_smoothing());
}

NLLLoss::NLLLoss(const NLLLossOptions& o) : Loss("NLLLoss"), options(o) {
  reduction = o.reduction();
  register_buffer("weight", o.weight());
}
Tensor NLLLoss::forward(const Tensor& input, const Tensor& target) {
  return F::nll_loss(input, target, buffer("weight"), options.ignore_index(), reduction);
}

BCELoss::BCELoss(const Tensor& weight, Reduction r) : Loss("BCELoss") {
  reduction = r;
  register_buffer("weight", weight);
}
Tensor BCELoss::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy(input, target, buffer("weight"), reduction);
}

BCEWithLogitsLoss::BCEWithLogitsLoss(const Tensor& weight, Reduction r, const Tensor& pos_weight)
    : Loss("BCEWithLogitsLoss") {
  reduction = r;
  register_buffer("weight", weight);
  register_buffer("pos_weight", pos_weight);
}
Tensor BCEWithLogitsLoss::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy_with_logits(input, target, buffer("weight"), reduction, buffer("pos_weight"));
}

CosineEmbeddingLoss::CosineEmbeddingLoss(double margin, Reduction r)
    : Module("CosineEmbeddingLoss"), margin(margin), reduction(r) {}
Tensor CosineEmbeddingLoss::forward(const Tensor& a, const Tensor& b, const Tensor& y) {
  return F::cosine_embedding_loss(a, b, y, margin, reduction);
}

MarginRankingLoss::MarginRankingLoss(double margin, Reduction r)
    : Module("MarginRankingLoss"), margin(margin), reduction(r) {}
Tensor MarginRankingLoss::forward(const Tensor& a, const Tensor& b, const Tensor& y) {
  return F::margin_ranking_loss(a, b, y, margin, reduction);
}

NegativeSamplingLoss::NegativeSamplingLoss(Reduction r) : Module("NegativeSamplingLoss"), reduction(r) {}
Tensor NegativeSamplingLoss::forward(const Tensor& c, const Tensor& o, const Tensor& n) {
  return F::negative_sampling_loss(c, o, n, reduction);
}

std::vector<Tensor> Loss::forward_list(const std::vector<Tensor>& inputs, const ForwardOptions&) {
  std::vector<Tensor> in = forward_inputs(inputs, 2, 2);
  return {forward(in[0], in[1])};
}

std::vector<Tensor> CosineEmbeddingLoss::forward_list(const std::vector<Tensor>& inputs, const ForwardOptions&) {
  std::vector<Tensor> in = forward_inputs(inputs, 3, 3);
  return {forward(in[0], in[1], in[2])};
}

std::vector<Tensor> MarginRankingLoss::forward_list(const std::vector<Tensor>& inputs, const ForwardOptions&) {
  std::vector<Tensor> in = forward_inputs(inputs, 3, 3);
  return {forward(in[0], in[1], in[2])};
}

std::vector<Tensor> NegativeSamplingLoss::forward_list(const std::vector<Tensor>& inputs, const ForwardOptions&) {
  std::vector<Tensor> in = forward_inputs(inputs, 3, 3);
  return {forward(in[0], in[1], in[2])};
}

}  // namespace kd::nn
