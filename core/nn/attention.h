// nn.MultiheadAttention as in PyTorch 1.13 (F.multi_head_attention_forward), composed from
// differentiable ops (linear, view/transpose, bmm, softmax, dropout), so backward is autograd's.
//
// Parameters carry PyTorch's names, so state_dicts are interchangeable:
//   kdim == vdim == embed_dim: in_proj_weight [3E, E] (q, k, v stacked)
//   otherwise:                 q_proj_weight [E, E], k_proj_weight [E, kdim], v_proj_weight [E, vdim]
//   in_proj_bias [3E] (with bias), out_proj.weight [E, E], out_proj.bias [E]
// Init as PyTorch: xavier_uniform_ on the input projections, zero biases, out_proj.weight as
// a Linear's.
#pragma once

#include <optional>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "nn/layers.h"
#include "nn/module.h"
#include "nn/options.h"

namespace kd::nn {

struct MultiheadAttentionOptions {
  MultiheadAttentionOptions(int64_t embed_dim, int64_t num_heads) : embed_dim_(embed_dim), num_heads_(num_heads) {}
  KD_ARG(int64_t, embed_dim);          // model width E (required)
  KD_ARG(int64_t, num_heads);          // parallel heads; must divide embed_dim (required)
  KD_ARG(double, dropout) = 0.0;       // dropout on the attention weights, in training
  KD_ARG(bool, bias) = true;           // in_proj_bias and out_proj.bias
  KD_ARG(bool, add_bias_kv) = false;   // not supported: true raises ValueError
  KD_ARG(bool, add_zero_attn) = false; // append a zero key/value to every sequence
  KD_ARG(std::optional<int64_t>, kdim);  // key features; none (or 0) means embed_dim
  KD_ARG(std::optional<int64_t>, vdim);  // value features; none (or 0) means embed_dim
  KD_ARG(bool, batch_first) = false;   // inputs/output as [N, L, E] instead of [L, N, E]
  template <typename V>
  void fields(V& v) {
    v.integer("embed_dim", embed_dim_);
    v.integer("num_heads", num_heads_);
    v.number("dropout", dropout_);
    v.boolean("bias", bias_);
    v.boolean("add_bias_kv", add_bias_kv_);
    v.boolean("add_zero_attn", add_zero_attn_);
    v.optional_integer("kdim", kdim_);
    v.optional_integer("vdim", vdim_);
    v.boolean("batch_first", batch_first_);
  }
};

class MultiheadAttention : public Module {
 public:
  explicit MultiheadAttention(const MultiheadAttentionOptions& options);
  MultiheadAttention(int64_t embed_dim, int64_t num_heads)
      : MultiheadAttention(MultiheadAttentionOptions(embed_dim, num_heads)) {}

  // xavier_uniform_ in-projection(s), zero biases, out_proj.weight re-drawn as a Linear's.
  void reset();

  // query [L, N, E], key [S, N, kdim], value [S, N, vdim] ([N, L, ..] with batch_first), or
  // unbatched [L, E] / [S, kdim] / [S, vdim].
  // key_padding_mask [N, S] ([S] unbatched): bool, true = ignore that key; or float, added.
  // attn_mask [L, S] or [N*num_heads, L, S]: bool (true = not allowed to attend) or float
  // (added to the scores).
  // Returns (attn_output [L, N, E] / [N, L, E] / [L, E], attn_weights): the weights are
  // [N, L, S] averaged over heads, or [N, num_heads, L, S] with average_attn_weights=false
  // (batch dim dropped when unbatched), and undefined when need_weights is false.
  using Module::forward;  // the one-tensor virtual stays visible (it raises: MHA takes three)
  std::pair<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& key_padding_mask = Tensor(), bool need_weights = true,
                                    const Tensor& attn_mask = Tensor(), bool average_attn_weights = true);
  std::pair<Tensor, Tensor> operator()(const Tensor& query, const Tensor& key, const Tensor& value,
                                       const Tensor& key_padding_mask = Tensor(), bool need_weights = true,
                                       const Tensor& attn_mask = Tensor(), bool average_attn_weights = true) {
    std::vector<Tensor> out = call({query, key, value, key_padding_mask, attn_mask}, {need_weights, average_attn_weights});
    return {out[0], out[1]};
  }
  // (query, key, value, key_padding_mask, attn_mask) -> (attn_output, attn_weights)
  std::vector<Tensor> forward_list(const std::vector<Tensor>& inputs, const ForwardOptions& options = {}) override;

  int64_t embed_dim() const { return options.embed_dim(); }
  int64_t kdim() const { return kdim_; }
  int64_t vdim() const { return vdim_; }
  int64_t head_dim() const { return options.embed_dim() / options.num_heads(); }
  // True when kdim == vdim == embed_dim (one packed in_proj_weight).
  bool qkv_same_embed_dim() const { return kdim_ == options.embed_dim() && vdim_ == options.embed_dim(); }

  MultiheadAttentionOptions options;
  Json options_json() const override { return fields_to_json(options); }
  std::shared_ptr<Linear> out_proj;

 private:
  int64_t kdim_, vdim_;
};

}  // namespace kd::nn
