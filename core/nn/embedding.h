// nn.Embedding and nn.EmbeddingBag with every PyTorch argument.
#pragma once

#include <optional>
#include <string>

#include "nn/functional_options.h"
#include "nn/module.h"
#include "nn/options.h"

namespace kd::nn {

struct EmbeddingOptions {
  EmbeddingOptions(int64_t num_embeddings, int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  KD_ARG(int64_t, num_embeddings);                    // rows in the table (required)
  KD_ARG(int64_t, embedding_dim);                     // size of each row (required)
  KD_ARG(std::optional<int64_t>, padding_idx);        // none; negative wraps. Row starts at zero, gets no gradient
  KD_ARG(std::optional<double>, max_norm);            // none; rows looked up are renormalised in place to ≤ this
  KD_ARG(double, norm_type) = 2.;                     // the p of the max_norm norm
  KD_ARG(bool, scale_grad_by_freq) = false;           // divide each row's gradient by its count in the batch
  KD_ARG(bool, sparse) = false;                       // row-sparse gradient in weight's sparse_grad
  KD_ARG(Tensor, _weight);                            // undefined; an initial [V, d] weight (shared, not copied)
  template <typename V>
  void fields(V& v) {
    v.integer("num_embeddings", num_embeddings_);
    v.integer("embedding_dim", embedding_dim_);
    functional::embedding_lookup_fields(v, *this);
  }
};

// nn.Embedding: a [num_embeddings, embedding_dim] table, default N(0, 1) with the padding row
// zeroed; forward looks rows up by int64 indices of any shape.
class Embedding : public Module {
 public:
  explicit Embedding(const EmbeddingOptions& options);
  Embedding(int64_t num_embeddings, int64_t embedding_dim) : Embedding(EmbeddingOptions(num_embeddings, embedding_dim)) {}
  void reset();
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Tensor& weight() { return param("weight"); }
  EmbeddingOptions options;  // padding_idx is stored wrapped (non-negative)
  Json options_json() const override { return fields_to_json(options); }
};

struct EmbeddingFromPretrainedOptions {
  KD_ARG(bool, freeze) = true;                   // weight.requires_grad = !freeze
  KD_ARG(std::optional<int64_t>, padding_idx);   // as EmbeddingOptions
  KD_ARG(std::optional<double>, max_norm);
  KD_ARG(double, norm_type) = 2.;
  KD_ARG(bool, scale_grad_by_freq) = false;
  KD_ARG(bool, sparse) = false;
  template <typename V>
  void fields(V& v) {
    v.boolean("freeze", freeze_);
    functional::embedding_lookup_fields(v, *this);
  }
};

// Embedding.from_pretrained: the module's weight shares `embeddings` (2-D).
std::shared_ptr<Embedding> embedding_from_pretrained(const Tensor& embeddings,
                                                     const EmbeddingFromPretrainedOptions& options = {});

struct EmbeddingBagOptions {
  EmbeddingBagOptions(int64_t num_embeddings, int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  KD_ARG(int64_t, num_embeddings);                // rows in the table (required)
  KD_ARG(int64_t, embedding_dim);                 // size of each row (required)
  KD_ARG(std::optional<double>, max_norm);        // none; as Embedding
  KD_ARG(double, norm_type) = 2.;
  KD_ARG(bool, scale_grad_by_freq) = false;
  KD_ARG(std::string, mode) = "mean";             // "sum", "mean" or "max"
  KD_ARG(bool, sparse) = false;
  KD_ARG(bool, include_last_offset) = false;      // offsets has B+1 entries, the last ending the last bag
  KD_ARG(std::optional<int64_t>, padding_idx);    // none; such entries are left out of their bag
  KD_ARG(Tensor, _weight);                        // undefined; an initial [V, d] weight
  template <typename V>
  void fields(V& v) {
    v.integer("num_embeddings", num_embeddings_);
    v.integer("embedding_dim", embedding_dim_);
    functional::embedding_bag_fields(v, *this);
  }
};

// nn.EmbeddingBag: reduces bags of rows to one vector per bag ([B, d]).
class EmbeddingBag : public Module {
 public:
  explicit EmbeddingBag(const EmbeddingBagOptions& options);
  void reset();
  using Module::operator();
  // input [B, L] (no offsets) or 1-D with offsets; per_sample_weights with mode "sum" only.
  Tensor forward(const Tensor& input) override { return forward(input, Tensor(), Tensor()); }
  Tensor forward(const Tensor& input, const Tensor& offsets, const Tensor& per_sample_weights = Tensor());
  Tensor operator()(const Tensor& input, const Tensor& offsets, const Tensor& per_sample_weights = Tensor()) {
    return call({input, offsets, per_sample_weights})[0];
  }
  std::vector<Tensor> forward_list(const std::vector<Tensor>& inputs, const ForwardOptions& = {}) override;
  std::string extra_repr() const override;
  Tensor& weight() { return param("weight"); }
  EmbeddingBagOptions options;
  Json options_json() const override { return fields_to_json(options); }
};

}  // namespace kd::nn
