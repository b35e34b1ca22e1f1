#include "nn/attention.h"

#include <cmath>
#include <limits>

#include "autograd/grad_mode.h"
#include "nn/functional.h"
#include "nn/init.h"
#include "ops/ops.h"

namespace kd::nn {

namespace {

using functional::linear;

std::string torch_size(const Shape& s) {
  std::string out = "torch.Size([";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "])";
}

std::string tuple_str(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + ")";
}

// A mask as an additive float tensor: bool true -> -inf, false -> 0; float masks as they are.
Tensor additive(const Tensor& mask) {
  if (mask.dtype() != DType::Bool) return mask;
  return zeros(mask.shape()).masked_fill(mask, -std::numeric_limits<double>::infinity());
}

}  // namespace

MultiheadAttention::MultiheadAttention(const MultiheadAttentionOptions& o)
    : Module("MultiheadAttention"), options(o) {
  const int64_t E = o.embed_dim();
  KD_CHECK(E > 0, ValueError, "MultiheadAttention: embed_dim must be greater than zero, got ", E);
  KD_CHECK(o.num_heads() > 0, ValueError, "MultiheadAttention: num_heads must be greater than zero, got ", o.num_heads());
  KD_CHECK(E % o.num_heads() == 0, ValueError, "embed_dim must be divisible by num_heads (embed_dim=", E,
           ", num_heads=", o.num_heads(), ")");
  KD_CHECK(o.dropout() >= 0 && o.dropout() <= 1, ValueError, "MultiheadAttention: dropout probability has to be between 0 and 1, but got ", o.dropout());
  KD_CHECK(!o.add_bias_kv(), ValueError, "MultiheadAttention: add_bias_kv=True is not supported");
  KD_CHECK(o.kdim().value_or(0) >= 0 && o.vdim().value_or(0) >= 0, ValueError,
           "MultiheadAttention: kdim and vdim must be positive (none or 0 means embed_dim)");
  kdim_ = o.kdim().value_or(0) > 0 ? *o.kdim() : E;
  vdim_ = o.vdim().value_or(0) > 0 ? *o.vdim() : E;
  // Registration order (and the empty slots) as PyTorch, so named_parameters() lists alike.
  if (qkv_same_embed_dim()) {
    register_parameter("in_proj_weight", empty({3 * E, E}));
    register_parameter("q_proj_weight", Tensor());
    register_parameter("k_proj_weight", Tensor());
    register_parameter("v_proj_weight", Tensor());
  } else {
    register_parameter("q_proj_weight", empty({E, E}));
    register_parameter("k_proj_weight", empty({E, kdim_}));
    register_parameter("v_proj_weight", empty({E, vdim_}));
    register_parameter("in_proj_weight", Tensor());
  }
  register_parameter("in_proj_bias", o.bias() ? empty({3 * E}) : Tensor());
  out_proj = register_module("out_proj", std::make_shared<Linear>(E, E, o.bias()));
  reset();
}

void MultiheadAttention::reset() {
  out_proj->reset();
  if (qkv_same_embed_dim()) {
    init::xavier_uniform_(param("in_proj_weight"));
  } else {
    init::xavier_uniform_(param("q_proj_weight"));
    init::xavier_uniform_(param("k_proj_weight"));
    init::xavier_uniform_(param("v_proj_weight"));
  }
  if (options.bias()) {
    init::constant_(param("in_proj_bias"), 0.0);
    init::constant_(out_proj->bias(), 0.0);
  }
}

std::pair<Tensor, Tensor> MultiheadAttention::forward(const Tensor& query_in, const Tensor& key_in,
                                                      const Tensor& value_in, const Tensor& key_padding_mask,
                                                      bool need_weights, const Tensor& attn_mask_in,
                                                      bool average_attn_weights) {
  KD_CHECK(query_in.defined() && key_in.defined() && value_in.defined(), ValueError,
           "MultiheadAttention: query, key and value must be defined");
  for (const Tensor* t : {&query_in, &key_in, &value_in})
    KD_CHECK(t->dtype() == DType::Float32, TypeError, "MultiheadAttention: expected float32 query, key and value, got ",
             dtype_name(t->dtype()));
  const int64_t H = options.num_heads(), E = options.embed_dim(), hd = head_dim();
  Tensor kpm = key_padding_mask, attn_mask = attn_mask_in;

  // ---- shapes (PyTorch's _mha_shape_check) ----
  bool batched = false;
  if (query_in.dim() == 3) {
    batched = true;
    KD_CHECK(key_in.dim() == 3 && value_in.dim() == 3, ShapeError,
             "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found ", key_in.dim(), "-D and ",
             value_in.dim(), "-D tensors respectively");
    KD_CHECK(!kpm.defined() || kpm.dim() == 2, ShapeError,
             "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but found ", kpm.dim(),
             "-D tensor instead");
    KD_CHECK(!attn_mask.defined() || attn_mask.dim() == 2 || attn_mask.dim() == 3, ShapeError,
             "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found ", attn_mask.dim(),
             "-D tensor instead");
  } else if (query_in.dim() == 2) {
    KD_CHECK(key_in.dim() == 2 && value_in.dim() == 2, ShapeError,
             "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found ", key_in.dim(), "-D and ",
             value_in.dim(), "-D tensors respectively");
    KD_CHECK(!kpm.defined() || kpm.dim() == 1, ShapeError,
             "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but found ", kpm.dim(),
             "-D tensor instead");
    KD_CHECK(!attn_mask.defined() || attn_mask.dim() == 2 || attn_mask.dim() == 3, ShapeError,
             "For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found ", attn_mask.dim(),
             "-D tensor instead");
  } else {
    throw ShapeError(str("query should be unbatched 2D or batched 3D tensor but received ", query_in.dim(),
                         "-D query tensor"));
  }

  // Sequence-first, batched: [L, N, E], [S, N, kdim], [S, N, vdim].
  Tensor query = query_in, key = key_in, value = value_in;
  if (batched && options.batch_first()) {
    query = query.transpose(0, 1);
    key = key.transpose(0, 1);
    value = value.transpose(0, 1);
  }
  if (!batched) {
    query = query.unsqueeze(1);
    key = key.unsqueeze(1);
    value = value.unsqueeze(1);
    if (kpm.defined()) kpm = kpm.unsqueeze(0);
  }
  const int64_t L = query.size(0), N = query.size(1), S = key.size(0);
  KD_CHECK(query.size(2) == E, ShapeError, "was expecting embedding dimension of ", E, ", but got ", query.size(2));
  if (qkv_same_embed_dim()) {
    KD_CHECK(key.shape() == value.shape(), ShapeError, "key shape ", torch_size(key.shape()),
             " does not match value shape ", torch_size(value.shape()));
  } else {
    KD_CHECK(key.size(0) == value.size(0) && key.size(1) == value.size(1), ShapeError,
             "key's sequence and batch dims ", torch_size({key.size(0), key.size(1)}), " do not match value's ",
             torch_size({value.size(0), value.size(1)}));
  }
  KD_CHECK(key.size(1) == N, ShapeError, "MultiheadAttention: query has batch size ", N, " but key has ", key.size(1));
  KD_CHECK(key.size(2) == kdim_, ShapeError, "MultiheadAttention: key.size(-1) must be equal to kdim. Expected ", kdim_,
           ", got ", key.size(2));
  KD_CHECK(value.size(2) == vdim_, ShapeError, "MultiheadAttention: value.size(-1) must be equal to vdim. Expected ",
           vdim_, ", got ", value.size(2));

  // ---- masks, as one additive float mask broadcastable to [N*H, L, S] ----
  Tensor mask;
  if (attn_mask.defined()) {
    KD_CHECK(attn_mask.dtype() == DType::Float32 || attn_mask.dtype() == DType::Bool, TypeError,
             "Only float, byte, and bool types are supported for attn_mask, not ", dtype_name(attn_mask.dtype()));
    if (attn_mask.dim() == 2) {
      KD_CHECK(attn_mask.shape() == Shape({L, S}), ShapeError, "The shape of the 2D attn_mask is ",
               torch_size(attn_mask.shape()), ", but should be ", tuple_str({L, S}), ".");
      attn_mask = attn_mask.unsqueeze(0);
    } else {
      KD_CHECK(attn_mask.shape() == Shape({N * H, L, S}), ShapeError, "The shape of the 3D attn_mask is ",
               torch_size(attn_mask.shape()), ", but should be ", tuple_str({N * H, L, S}), ".");
    }
    mask = additive(attn_mask);
  }
  if (kpm.defined()) {
    KD_CHECK(kpm.dtype() == DType::Bool || kpm.dtype() == DType::Float32, TypeError,
             "only bool and floating types of key_padding_mask are supported, got ", dtype_name(kpm.dtype()));
    KD_CHECK(kpm.shape() == Shape({N, S}), ShapeError, "expecting key_padding_mask shape of ", tuple_str({N, S}),
             ", but got ", torch_size(kpm.shape()));
    // [N, S] -> [N*H, 1, S]: every head of a sequence ignores the same keys.
    Tensor k_add = additive(kpm).view({N, 1, 1, S}).expand({N, H, 1, S}).reshape({N * H, 1, S});
    mask = mask.defined() ? mask + k_add : k_add;
  }

  // ---- projections ----
  Tensor q, k, v;
  const Tensor& b = param("in_proj_bias");
  auto bias_part = [&](int64_t i) { return b.defined() ? b.narrow(0, i * E, E) : Tensor(); };
  if (qkv_same_embed_dim()) {
    const Tensor& w = param("in_proj_weight");
    q = linear(query, w.narrow(0, 0, E), bias_part(0));
    k = linear(key, w.narrow(0, E, E), bias_part(1));
    v = linear(value, w.narrow(0, 2 * E, E), bias_part(2));
  } else {
    q = linear(query, param("q_proj_weight"), bias_part(0));
    k = linear(key, param("k_proj_weight"), bias_part(1));
    v = linear(value, param("v_proj_weight"), bias_part(2));
  }
  // Heads become batch entries: [L, N, E] -> [N*H, L, hd] (batch n, head h at n*H + h).
  q = q.reshape({L, N * H, hd}).transpose(0, 1);
  k = k.reshape({S, N * H, hd}).transpose(0, 1);
  v = v.reshape({S, N * H, hd}).transpose(0, 1);
  int64_t src_len = S;
  if (options.add_zero_attn()) {
    k = cat({k, zeros({N * H, 1, hd})}, 1);
    v = cat({v, zeros({N * H, 1, hd})}, 1);
    if (mask.defined()) mask = cat({mask, zeros({mask.size(0), mask.size(1), 1})}, 2);
    src_len += 1;
  }

  // ---- attention: softmax(q k^T / sqrt(hd) + mask) v ----
  Tensor scores = q.div(std::sqrt(static_cast<double>(hd))).bmm(k.transpose(1, 2));
  if (mask.defined()) scores = scores + mask;
  Tensor weights = scores.softmax(-1);
  if (is_training() && options.dropout() > 0) weights = functional::dropout(weights, options.dropout(), true);
  Tensor out = weights.bmm(v);                           // [N*H, L, hd]
  out = out.transpose(0, 1).reshape({L * N, E});         // heads side by side again
  out = linear(out, out_proj->weight(), out_proj->bias()).view({L, N, E});

  Tensor attn_weights;
  if (need_weights) {
    attn_weights = weights.view({N, H, L, src_len});
    if (average_attn_weights) attn_weights = attn_weights.sum({1}).div(static_cast<double>(H));
    if (!batched) attn_weights = attn_weights.squeeze(0);
  }
  if (!batched) out = out.squeeze(1);
  else if (options.batch_first()) out = out.transpose(0, 1);
  return {out, attn_weights};
}

std::vector<Tensor> MultiheadAttention::forward_list(const std::vector<Tensor>& inputs, const ForwardOptions& options) {
  std::vector<Tensor> in = forward_inputs(inputs, 3, 5);
  auto [out, weights] = forward(in[0], in[1], in[2], in[3], options.need_weights, in[4], options.average_attn_weights);
  return {out, weights};
}

}  // namespace kd::nn
