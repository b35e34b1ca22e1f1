#include "nn/embedding.h"

#include "autograd/grad_mode.h"
#include "nn/format.h"
#include "nn/functional.h"
#include "nn/init.h"
#include "ops/ops.h"

namespace kd::nn {
namespace {

std::optional<int64_t> checked_padding_idx(std::optional<int64_t> padding_idx, int64_t num_embeddings) {
  if (!padding_idx) return std::nullopt;
  KD_CHECK(*padding_idx < num_embeddings, ValueError, "Padding_idx must be within num_embeddings");
  KD_CHECK(*padding_idx >= -num_embeddings, ValueError, "Padding_idx must be within num_embeddings");
  return *padding_idx < 0 ? *padding_idx + num_embeddings : *padding_idx;
}

Tensor initial_weight(const Tensor& given, int64_t rows, int64_t dim) {
  if (!given.defined()) return empty({rows, dim});
  KD_CHECK(given.dim() == 2 && given.size(0) == rows && given.size(1) == dim, ShapeError,
           "Shape of weight does not match num_embeddings and embedding_dim");
  return given;
}

}  // namespace

Embedding::Embedding(const EmbeddingOptions& opts) : Module("Embedding"), options(opts) {
  options.padding_idx(checked_padding_idx(opts.padding_idx(), opts.num_embeddings()));
  register_parameter("weight", initial_weight(opts._weight(), opts.num_embeddings(), opts.embedding_dim()));
  if (!opts._weight().defined()) reset();
  options._weight(Tensor());  // the parameter holds it; do not keep a second handle
}

void Embedding::reset() {
  init::normal_(weight());
  if (options.padding_idx()) {
    NoGradGuard no_grad;
    weight()[*options.padding_idx()].fill_(0);
  }
}

Tensor Embedding::forward(const Tensor& input) {
  return functional::embedding(input, weight(), options.padding_idx(), options.max_norm(), options.norm_type(),
                               options.scale_grad_by_freq(), options.sparse());
}

std::string Embedding::extra_repr() const {
  std::string s = str(options.num_embeddings(), ", ", options.embedding_dim());
  if (options.padding_idx()) s += str(", padding_idx=", *options.padding_idx());
  if (options.max_norm()) s += ", max_norm=" + py_float(*options.max_norm());
  if (options.norm_type() != 2) s += ", norm_type=" + py_float(options.norm_type());
  if (options.scale_grad_by_freq()) s += ", scale_grad_by_freq=True";
  if (options.sparse()) s += ", sparse=True";
  return s;
}

std::shared_ptr<Embedding> embedding_from_pretrained(const Tensor& embeddings, const EmbeddingFromPretrainedOptions& o) {
  KD_CHECK(embeddings.defined() && embeddings.dim() == 2, ValueError,
           "Embeddings parameter is expected to be 2-dimensional");
  auto m = std::make_shared<Embedding>(EmbeddingOptions(embeddings.size(0), embeddings.size(1))
                                           ._weight(embeddings)
                                           .padding_idx(o.padding_idx())
                                           .max_norm(o.max_norm())
                                           .norm_type(o.norm_type())
                                           .scale_grad_by_freq(o.scale_grad_by_freq())
                                           .sparse(o.sparse()));
  m->weight().requires_grad_(!o.freeze());
  return m;
}

EmbeddingBag::EmbeddingBag(const EmbeddingBagOptions& opts) : Module("EmbeddingBag"), options(opts) {
  KD_CHECK(opts.mode() == "sum" || opts.mode() == "mean" || opts.mode() == "max", ValueError,
           "mode has to be one of sum, mean or max");
  options.padding_idx(checked_padding_idx(opts.padding_idx(), opts.num_embeddings()));
  register_parameter("weight", initial_weight(opts._weight(), opts.num_embeddings(), opts.embedding_dim()));
  if (!opts._weight().defined()) reset();
  options._weight(Tensor());
}

void EmbeddingBag::reset() {
  init::normal_(weight());
  if (options.padding_idx()) {
    NoGradGuard no_grad;
    weight()[*options.padding_idx()].fill_(0);
  }
}

Tensor EmbeddingBag::forward(const Tensor& input, const Tensor& offsets, const Tensor& per_sample_weights) {
  return functional::embedding_bag(input, weight(), offsets, options.max_norm(), options.norm_type(),
                                   options.scale_grad_by_freq(), options.mode(), options.sparse(), per_sample_weights,
                                   options.include_last_offset(), options.padding_idx());
}

std::string EmbeddingBag::extra_repr() const {
  std::string s = str(options.num_embeddings(), ", ", options.embedding_dim());
  if (options.max_norm()) s += ", max_norm=" + py_float(*options.max_norm());
  if (options.norm_type() != 2) s += ", norm_type=" + py_float(options.norm_type());
  if (options.scale_grad_by_freq()) s += ", scale_grad_by_freq=True";
  s += ", mode=" + options.mode();
  if (options.padding_idx()) s += str(", padding_idx=", *options.padding_idx());
  return s;
}

std::vector<Tensor> EmbeddingBag::forward_list(const std::vector<Tensor>& inputs, const ForwardOptions&) {
  std::vector<Tensor> in = forward_inputs(inputs, 1, 3);
  return {forward(in[0], in[1], in[2])};
}

}  // namespace kd::nn
