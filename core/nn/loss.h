// Loss modules (nn.MSELoss, nn.CrossEntropyLoss, …): thin holders of a loss's options around
// the functional forms in nn/functional.h. Class weights are registered as buffers, as
// PyTorch does.
#pragma once

#include <string>

#include "nn/functional.h"
#include "nn/module.h"
#include "nn/options.h"

namespace kd::nn {

// Base of the two-input losses: forward(input, target).
class Loss : public Module {
 public:
  using Module::Module;
  Tensor forward(const Tensor&) override;  // raises: a loss needs a target
  virtual Tensor forward(const Tensor& input, const Tensor& target) = 0;
  Tensor operator()(const Tensor& input, const Tensor& target) { return call({input, target})[0]; }
  std::vector<Tensor> forward_list(const std::vector<Tensor>& inputs, const ForwardOptions& = {}) override;
  Reduction reduction = Reduction::Mean;  // default "mean"
  template <typename V>
  void fields(V& v) { reduction_field(v, reduction); }
  Json options_json() const override { return fields_to_json(*this); }
};

class MSELoss : public Loss {
 public:
  explicit MSELoss(Reduction reduction = Reduction::Mean);
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
};

class L1Loss : public Loss {
 public:
  explicit L1Loss(Reduction reduction = Reduction::Mean);
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
};

class SmoothL1Loss : public Loss {
 public:
  explicit SmoothL1Loss(Reduction reduction = Reduction::Mean, double beta = 1.0);
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  double beta;  // default 1.0
  template <typename V>
  void fields(V& v) {
    reduction_field(v, reduction);
    v.number("beta", beta);
  }
  Json options_json() const override { return fields_to_json(*this); }
};

class CrossEntropyLoss : public Loss {
 public:
  explicit CrossEntropyLoss(const CrossEntropyLossOptions& options = {});
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  CrossEntropyLossOptions options;
  Json options_json() const override { return fields_to_json(options); }
};

class NLLLoss : public Loss {
 public:
  explicit NLLLoss(const NLLLossOptions& options = {});
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  NLLLossOptions options;
  Json options_json() const override { return fields_to_json(options); }
};

class BCELoss : public Loss {
 public:
  // weight: undefined, or broadcastable to the input (rescales each element's loss).
  explicit BCELoss(const Tensor& weight = Tensor(), Reduction reduction = Reduction::Mean);
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
};

class BCEWithLogitsLoss : public Loss {
 public:
  // pos_weight: undefined, or the weight of positive examples per class (last dim).
  explicit BCEWithLogitsLoss(const Tensor& weight = Tensor(), Reduction reduction = Reduction::Mean,
                             const Tensor& pos_weight = Tensor());
  using Loss::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
};

// Three-input losses: forward(input1, input2, target).
class CosineEmbeddingLoss : public Module {
 public:
  explicit CosineEmbeddingLoss(double margin = 0, Reduction reduction = Reduction::Mean);
  using Module::forward;
  Tensor forward(const Tensor& input1, const Tensor& input2, const Tensor& target);
  Tensor operator()(const Tensor& input1, const Tensor& input2, const Tensor& target) { return call({input1, input2, target})[0]; }
  std::vector<Tensor> forward_list(const std::vector<Tensor>& inputs, const ForwardOptions& = {}) override;
  double margin;  // default 0
  Reduction reduction;
  template <typename V>
  void fields(V& v) {
    v.number("margin", margin);
    reduction_field(v, reduction);
  }
  Json options_json() const override { return fields_to_json(*this); }
};

class MarginRankingLoss : public Module {
 public:
  explicit MarginRankingLoss(double margin = 0, Reduction reduction = Reduction::Mean);
  using Module::forward;
  Tensor forward(const Tensor& input1, const Tensor& input2, const Tensor& target);
  Tensor operator()(const Tensor& input1, const Tensor& input2, const Tensor& target) { return call({input1, input2, target})[0]; }
  std::vector<Tensor> forward_list(const std::vector<Tensor>& inputs, const ForwardOptions& = {}) override;
  double margin;  // default 0
  Reduction reduction;
  template <typename V>
  void fields(V& v) {
    v.number("margin", margin);
    reduction_field(v, reduction);
  }
  Json options_json() const override { return fields_to_json(*this); }
};

// word2vec's skip-gram negative-sampling loss (see functional::negative_sampling_loss).
class NegativeSamplingLoss : public Module {
 public:
  explicit NegativeSamplingLoss(Reduction reduction = Reduction::Mean);
  using Module::forward;
  Tensor forward(const Tensor& center, const Tensor& context, const Tensor& negatives);
  Tensor operator()(const Tensor& center, const Tensor& context, const Tensor& negatives) { return call({center, context, negatives})[0]; }
  std::vector<Tensor> forward_list(const std::vector<Tensor>& inputs, const ForwardOptions& = {}) override;
  Reduction reduction;
  template <typename V>
  void fields(V& v) { reduction_field(v, reduction); }
  Json options_json() const override { return fields_to_json(*this); }
};

}  // namespace kd::nn
