#include "nn/functional.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/rule.h"
#include "kernels/kernels.h"
#include "kernels/prefetch.h"
#include "ops/ops.h"
#include "ops/pointwise.h"
#include "parallel/thread_pool.h"
#include "tensor/sparse.h"

namespace kd::nn::functional {
namespace {

const char* torch_tensor_type(DType d) {
  switch (d) {
    case DType::Float32: return "torch.FloatTensor";
    case DType::Int64: return "torch.LongTensor";
    case DType::Bool: return "torch.BoolTensor";
  }
  return "?";
}

std::string torch_size(const Shape& s) {
  std::string out = "torch.Size([";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "])";
}

Tensor reduce(const Tensor& loss, Reduction reduction) {
  switch (reduction) {
    case Reduction::None: return loss;
    case Reduction::Mean: return loss.mean();
    case Reduction::Sum: return loss.sum();
  }
  return loss;
}

// `t`'s values for a kernel to read: t itself when contiguous (no alias to allocate), else a
// contiguous copy made without recording history.
Tensor contiguous_values(const Tensor& t) { return t.is_contiguous() ? t : t.detach().contiguous(); }

// The shape [1, C, 1, ...] that lines a per-class vector up with dim 1 of an ndim-D input.
Shape class_view(int64_t ndim, int64_t class_dim, int64_t classes) {
  Shape s(static_cast<size_t>(ndim), 1);
  s[static_cast<size_t>(class_dim)] = classes;
  return s;
}

}  // namespace

// ---------------------------------------------------------------- layers

namespace {

// Linear on a 2-D float input with a bias, as one node (PyTorch's addmm): out = b + x·Wᵀ is
// one gemm into rows that start as the bias, and the backward writes
//   dx = g·W,  dW = gᵀ·x,  db = Σ_rows g
// with dW made in the weight's own [out, in] layout, so accumulating it needs no transposed
// copy (the mm of a transposed view would hand back Wᵀ's gradient, transposed).
struct AddmmBackward final : Node {
  SavedTensor input, weight;

  std::string name() const override { return "AddmmBackward0"; }
  void release_saved() override {
    input.release();
    weight.release();
  }

  TensorList apply(TensorList&& grads) override {
    const Tensor& g = grads[0];
    if (!g.defined()) return {Tensor(), Tensor(), Tensor()};
    const bool need_x = next_edges[0].valid(), need_w = next_edges[1].valid(), need_b = next_edges[2].valid();
    Tensor x = input.unpack(*this), w = weight.unpack(*this);
    if (GradMode::is_enabled()) {
      // Differentiable (create_graph): the same products in ops that record history.
      return {need_x ? g.mm(w) : Tensor(), need_w ? g.t().mm(x) : Tensor(), need_b ? g.sum({0}) : Tensor()};
    }
    Tensor gc = g.contiguous();
    const int64_t rows = gc.size(0), out_features = gc.size(1), in_features = w.size(1);
    const float* gp = gc.data<float>();
    const KernelTable& k = kernels();
    Tensor dx, dw, db;
    if (need_x) {
      Tensor wc = w.contiguous();
      dx = Tensor::make({rows, in_features}, DType::Float32);
      k.f32_gemm(rows, in_features, out_features, gp, out_features, false, wc.data<float>(), in_features, false,
                 dx.data<float>(), in_features, 0.0f);
    }
    if (need_w) {
      Tensor xc = x.contiguous();
      dw = Tensor::make({out_features, in_features}, DType::Float32);
      k.f32_gemm(out_features, in_features, rows, gp, out_features, true, xc.data<float>(), in_features, false,
                 dw.data<float>(), in_features, 0.0f);
    }
    if (need_b) {
      db = zeros({out_features});
      float* b = db.data<float>();
      for (int64_t r = 0; r < rows; ++r) k.f32_vadd(out_features, b, gp + r * out_features, b);
    }
    return {dx, dw, db};
  }
};

Tensor fused_linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  const int64_t rows = input.size(0), in_features = weight.size(1), out_features = weight.size(0);
  Tensor x = contiguous_values(input), w = contiguous_values(weight), b = contiguous_values(bias);
  Tensor out = Tensor::make({rows, out_features}, DType::Float32);
  float* o = out.data<float>();
  for (int64_t r = 0; r < rows; ++r)
    std::memcpy(o + r * out_features, b.data<float>(), static_cast<size_t>(out_features) * sizeof(float));
  kernels().f32_gemm(rows, out_features, in_features, x.data<float>(), in_features, false, w.data<float>(), in_features,
                     true, o, out_features, 1.0f);
  if (any_requires_grad({&input, &weight, &bias})) {
    auto node = make_node<AddmmBackward>();
    node->input = SavedTensor(input);
    node->weight = SavedTensor(weight);
    set_history(node, {input, weight, bias}, {&out});
  }
  return out;
}

}  // namespace

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  KD_CHECK(input.defined() && weight.defined(), ValueError, "linear: input and weight must be defined");
  KD_CHECK(weight.dim() == 2, ShapeError, "linear: weight must be 2-D [out_features, in_features], got shape ",
           shape_str(weight.shape()));
  KD_CHECK(input.dim() >= 1 && input.size(-1) == weight.size(1), ShapeError,
           "linear: mat1 and mat2 shapes cannot be multiplied (input ", shape_str(input.shape()), ", weight ",
           shape_str(weight.shape()), ")");
  if (bias.defined())
    KD_CHECK(bias.dim() == 1 && bias.size(0) == weight.size(0), ShapeError, "linear: bias must have shape [",
             weight.size(0), "], got ", shape_str(bias.shape()));
  if (bias.defined() && input.dim() == 2 && input.dtype() == DType::Float32 && weight.dtype() == DType::Float32 &&
      bias.dtype() == DType::Float32)
    return fused_linear(input, weight, bias);
  Tensor out = input.matmul(weight.t());
  return bias.defined() ? out + bias : out;
}

Tensor bilinear(const Tensor& input1, const Tensor& input2, const Tensor& weight, const Tensor& bias) {
  KD_CHECK(weight.dim() == 3, ShapeError, "bilinear(): weight must be 3-D [out, in1, in2], got ",
           shape_str(weight.shape()));
  KD_CHECK(input1.dim() >= 1 && input1.dim() == input2.dim(), ShapeError,
           "bilinear(): input dimensions do not match: got ", input1.dim(), " and ", input2.dim());
  for (int64_t i = 0; i + 1 < input1.dim(); ++i)
    KD_CHECK(input1.size(i) == input2.size(i), ShapeError, "bilinear(): input batch dimensions do not match: got ",
             shape_str(input1.shape()), " and ", shape_str(input2.shape()));
  KD_CHECK(input1.size(-1) == weight.size(1), ShapeError, "bilinear(): input1 size does not match weight size: got ",
           input1.size(-1), " but expected ", weight.size(1));
  KD_CHECK(input2.size(-1) == weight.size(2), ShapeError, "bilinear(): input2 size does not match weight size: got ",
           input2.size(-1), " but expected ", weight.size(2));
  const int64_t out_f = weight.size(0), in1 = weight.size(1), in2 = weight.size(2);
  if (bias.defined())
    KD_CHECK(bias.dim() == 1 && bias.size(0) == out_f, ShapeError, "bilinear(): bias size does not match weight size: got ",
             bias.size(-1), " but expected ", out_f);
  Tensor x1 = input1.reshape({-1, in1}), x2 = input2.reshape({-1, in2});
  const int64_t rows = x1.size(0);
  // (x1 W_k)[j] for every k at once: x1 [M, in1] @ W viewed as [in1, out·in2].
  Tensor left = x1.matmul(weight.permute({1, 0, 2}).reshape({in1, out_f * in2})).reshape({rows, out_f, in2});
  Tensor out = (left * x2.unsqueeze(1)).sum({2});
  if (bias.defined()) out = out + bias;
  Shape shape = input1.shape();
  shape.back() = out_f;
  return out.reshape(shape);
}

Tensor relu(const Tensor& input) { return input.relu(); }

Tensor leaky_relu(const Tensor& input, double negative_slope) {
  // where() routes the gradient: 1 where x > 0, slope elsewhere (also at 0, as PyTorch).
  return where(input.gt(0), input, input * negative_slope);
}

Tensor gelu(const Tensor& input, const std::string& approximate) {
  if (approximate == "none") return input.gelu();
  KD_CHECK(approximate == "tanh", ValueError, "approximate argument must be either none or tanh.");
  const double k = std::sqrt(2.0 / M_PI);
  Tensor inner = (input + input.pow(3) * 0.044715) * k;
  return input * 0.5 * (inner.tanh() + 1);
}

Tensor silu(const Tensor& input) { return input * input.sigmoid(); }

namespace {
int64_t softmax_dim(const Tensor& input, std::optional<int64_t> dim) {
  if (dim) return *dim;
  const int64_t n = input.dim();
  return (n == 0 || n == 1 || n == 3) ? 0 : 1;  // PyTorch's legacy implicit choice
}
}  // namespace

Tensor softmax(const Tensor& input, std::optional<int64_t> dim) { return input.softmax(softmax_dim(input, dim)); }
Tensor log_softmax(const Tensor& input, std::optional<int64_t> dim) {
  return input.log_softmax(softmax_dim(input, dim));
}

Tensor dropout(const Tensor& input, double p, bool training) {
  KD_CHECK(p >= 0 && p <= 1, ValueError, "dropout probability has to be between 0 and 1, but got ", p);
  if (!training || p == 0) return input;
  if (p == 1) return input * zeros_like(input);
  // Keep each element with probability 1 − p (u < 1 − p), scaled so the expectation is unchanged.
  Tensor mask = rand(input.shape()).lt(1 - p).to(DType::Float32) * (1 / (1 - p));
  return input * mask;
}

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  KD_CHECK(input.dim() == 2 || input.dim() == 3, ValueError, "expected 2D or 3D input (got ", input.dim(), "D input)");
  const int64_t channels = input.size(1);
  for (const Tensor* t : {&running_mean, &running_var, &weight, &bias})
    if (t->defined())
      KD_CHECK(t->dim() == 1 && t->size(0) == channels, ShapeError, "batch_norm: expected a tensor of shape [",
               channels, "] for the per-channel statistics and parameters, got ", shape_str(t->shape()));
  KD_CHECK(running_mean.defined() == running_var.defined(), ValueError,
           "batch_norm: running_mean and running_var must be both given or both omitted");
  const Shape dims = input.dim() == 2 ? Shape{0} : Shape{0, 2};
  const Shape channel_shape = class_view(input.dim(), 1, channels);
  const int64_t count = input.numel() / std::max<int64_t>(channels, 1);
  Tensor xhat;
  if (training || !running_mean.defined()) {
    KD_CHECK(count > 1, ValueError, "Expected more than 1 value per channel when training, got input size ",
             torch_size(input.shape()));
    Tensor mean = input.mean(dims, true);
    Tensor centered = input - mean;
    Tensor var = (centered * centered).mean(dims, true);  // biased, for normalising
    xhat = centered / (var + eps).sqrt();
    if (training && running_mean.defined()) {
      NoGradGuard no_grad;
      // The running variance uses the unbiased estimate, as PyTorch.
      Tensor unbiased = var.reshape({channels}) * (static_cast<double>(count) / static_cast<double>(count - 1));
      Tensor(running_mean).copy_(running_mean * (1 - momentum) + mean.reshape({channels}) * momentum);
      Tensor(running_var).copy_(running_var * (1 - momentum) + unbiased * momentum);
    }
  } else {
    xhat = (input - running_mean.reshape(channel_shape)) / (running_var.reshape(channel_shape) + eps).sqrt();
  }
  if (weight.defined()) xhat = xhat * weight.reshape(channel_shape);
  if (bias.defined()) xhat = xhat + bias.reshape(channel_shape);
  return xhat;
}

Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  bool ok = k >= 1 && input.dim() >= k;
  for (int64_t i = 0; ok && i < k; ++i) ok = input.size(input.dim() - k + i) == normalized_shape[static_cast<size_t>(i)];
  KD_CHECK(ok, ShapeError, "Given normalized_shape=", shape_str(normalized_shape), ", expected input with shape [*, ",
           shape_str(normalized_shape).substr(1), ", but got input of size", shape_str(input.shape()));
  for (const Tensor* t : {&weight, &bias})
    if (t->defined())
      KD_CHECK(t->shape() == normalized_shape, ShapeError, "layer_norm: expected weight and bias of shape ",
               shape_str(normalized_shape), ", got ", shape_str(t->shape()));
  Shape dims;
  for (int64_t i = input.dim() - k; i < input.dim(); ++i) dims.push_back(i);
  Tensor mean = input.mean(dims, true);
  Tensor centered = input - mean;
  Tensor var = (centered * centered).mean(dims, true);
  Tensor out = centered / (var + eps).sqrt();
  if (weight.defined()) out = out * weight;
  if (bias.defined()) out = out + bias;
  return out;
}

// ---------------------------------------------------------------- embeddings

namespace {

// Validates embedding indices (dtype, then every value) before anything is touched; returns
// them contiguous (`indices` itself when it is), to be read through data<int64_t>().
Tensor checked_embedding_indices(const Tensor& indices, int64_t num_rows, const char* op) {
  KD_CHECK(indices.dtype() == DType::Int64, TypeError, "Expected tensor for argument #1 'indices' to have one of the ",
           "following scalar types: Long, Int; but got ", torch_tensor_type(indices.dtype()),
           " instead (while checking arguments for ", op, ")");
  Tensor values = indices.contiguous();
  const int64_t* idx = values.data<int64_t>();
  for (int64_t k = 0; k < values.numel(); ++k)
    KD_CHECK(idx[k] >= 0 && idx[k] < num_rows, IndexError, "index out of range in self");
  return values;
}

void check_weight(const Tensor& weight, const char* op) {
  KD_CHECK(weight.defined() && weight.dim() == 2, ShapeError, op, ": 'weight' must be 2-D, got shape ",
           weight.defined() ? shape_str(weight.shape()) : std::string("(undefined)"));
  KD_CHECK(weight.dtype() == DType::Float32, TypeError, op, ": 'weight' must be float32");
}

int64_t wrap_padding_idx(std::optional<int64_t> padding_idx, int64_t num_rows) {
  if (!padding_idx) return -1;
  int64_t p = *padding_idx;
  KD_CHECK(p < num_rows, ValueError, "Padding_idx must be within num_embeddings");
  KD_CHECK(p >= -num_rows, ValueError, "Padding_idx must be within num_embeddings");
  return p < 0 ? p + num_rows : p;
}

// Rescales the rows `indices` (contiguous int64) names whose norm exceeds max_norm.
void renorm_rows(const Tensor& weight, const Tensor& indices, double max_norm, double norm_type) {
  std::vector<int64_t> rows(indices.data<int64_t>(), indices.data<int64_t>() + indices.numel());
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  const int64_t d = weight.size(1);
  const int64_t s0 = weight.stride(0), s1 = weight.stride(1);
  float* w = weight.data<float>();
  bool changed = false;
  for (int64_t r : rows) {
    float* row = w + r * s0;
    double norm = 0;
    if (std::isinf(norm_type)) {
      for (int64_t j = 0; j < d; ++j) norm = std::max(norm, std::fabs(static_cast<double>(row[j * s1])));
    } else {
      for (int64_t j = 0; j < d; ++j) norm += std::pow(std::fabs(static_cast<double>(row[j * s1])), norm_type);
      norm = std::pow(norm, 1.0 / norm_type);
    }
    if (norm > max_norm) {
      const float scale = static_cast<float>(max_norm / (norm + 1e-7));
      for (int64_t j = 0; j < d; ++j) row[j * s1] *= scale;
      changed = true;
    }
  }
  // The values changed behind autograd's back: saved copies of weight must notice.
  if (changed || !rows.empty()) weight.bump_version();
}

// Backward of embedding: gradient rows go back to the rows they were read from. Dense mode
// returns a [V, d] gradient; sparse mode adds a coalesced row-sparse gradient straight into
// the weight's sparse_grad and returns nothing for it.
struct EmbeddingBackward final : Node {
  SavedTensor indices;
  int64_t num_rows = 0, dim = 0;
  int64_t padding_idx = -1;
  bool scale_grad_by_freq = false;
  bool sparse = false;
  std::shared_ptr<TensorImpl> sparse_weight;  // the leaf weight, sparse mode only

  std::string name() const override { return sparse ? "EmbeddingBackward0 (sparse)" : "EmbeddingBackward0"; }

  // The dense gradient as recorded ops, for a backward with create_graph: each position's
  // gradient row, scaled (0 at padding_idx, 1/count with scale_grad_by_freq), added into zeros.
  Tensor recorded_dense_grad(const Tensor& index_values, const Tensor& grad) const {
    KD_CHECK(!sparse, StateError,
             "embedding: a backward with create_graph=True cannot go through sparse=True gradients (they have no history)");
    const int64_t n = index_values.numel();
    const int64_t* idx = index_values.data<int64_t>();
    std::map<int64_t, int64_t> counts;
    for (int64_t k = 0; k < n; ++k) ++counts[idx[k]];
    std::vector<float> scale(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k)
      scale[k] = idx[k] == padding_idx ? 0.0f : scale_grad_by_freq ? 1.0f / static_cast<float>(counts[idx[k]]) : 1.0f;
    Tensor rows = index_values.reshape({n, 1}).expand({n, dim});
    Tensor scaled = grad.reshape({n, dim}).mul(kd::tensor(scale, {n, 1}));
    return zeros({num_rows, dim}).scatter_add(0, rows, scaled);
  }
  void release_saved() override { indices.release(); }

  TensorList apply(TensorList&& grads) override {
    Tensor index_values = indices.unpack(*this).contiguous();
    if (!grads[0].defined()) return {Tensor()};
    if (GradMode::is_enabled()) return {recorded_dense_grad(index_values, grads[0])};
    NoGradGuard no_grad;
    const int64_t n = index_values.numel();
    const int64_t* idx = index_values.data<int64_t>();
    Tensor g = grads[0].contiguous().reshape({n, dim});
    const float* gp = g.data<float>();
    std::map<int64_t, int64_t> counts;
    if (scale_grad_by_freq)
      for (int64_t r = 0; r < n; ++r) ++counts[idx[r]];
    auto scale_of = [&](int64_t row) {
      return scale_grad_by_freq ? 1.0f / static_cast<float>(counts[row]) : 1.0f;
    };
    // Whole rows: one vector kernel call per looked-up row.
    const KernelTable& k = kernels();
    if (!sparse) {
      Tensor out = zeros({num_rows, dim});
      float* o = out.data<float>();
      for (int64_t r = 0; r < n; ++r) {
        if (idx[r] == padding_idx) continue;
        k.f32_axpy(dim, scale_of(idx[r]), gp + r * dim, o + idx[r] * dim);
      }
      return {out};
    }
    // The looked-up rows' gradients are coalesced straight from the incoming gradient (a
    // scaled copy first only with scale_grad_by_freq); padding rows are left out.
    Tensor scaled;
    if (scale_grad_by_freq) {
      scaled = Tensor::make({n, dim}, DType::Float32);
      float* s = scaled.data<float>();
      for (int64_t r = 0; r < n; ++r) k.f32_vmulc(dim, gp + r * dim, scale_of(idx[r]), s + r * dim);
      gp = s;
    }
    thread_local std::vector<ValueRow> entries;  // kept between calls: no allocation once warm
    entries.clear();
    for (int64_t r = 0; r < n; ++r)
      if (idx[r] != padding_idx) entries.push_back({idx[r], gp + r * dim});
    SparseGrad fresh = coalesce_value_rows(entries, {num_rows, dim});
    // zero_grad leaves an empty gradient in place: the fresh one replaces its contents.
    std::shared_ptr<SparseGrad>& held = sparse_weight->sparse_grad;
    if (!held) held = std::make_shared<SparseGrad>(std::move(fresh));
    else if (held->indices.numel() == 0) *held = std::move(fresh);
    else *held = held->add(fresh);
    return {Tensor()};
  }
};

}  // namespace

void embedding_renorm_(const Tensor& weight, const Tensor& indices, double max_norm, double norm_type) {
  check_weight(weight, "embedding_renorm_");
  renorm_rows(weight, checked_embedding_indices(indices, weight.size(0), "embedding_renorm_"), max_norm, norm_type);
}

Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx,
                 std::optional<double> max_norm, double norm_type, bool scale_grad_by_freq, bool sparse) {
  check_weight(weight, "embedding");
  const int64_t num_rows = weight.size(0), dim = weight.size(1);
  const int64_t pad = wrap_padding_idx(padding_idx, num_rows);
  Tensor index_values = checked_embedding_indices(input, num_rows, "embedding");
  const int64_t* idx = index_values.data<int64_t>();
  const int64_t n = index_values.numel();
  const bool record = any_requires_grad({&weight});
  KD_CHECK(!(record && sparse && !weight.is_leaf()), ValueError,
           "embedding: sparse gradients need the weight to be a leaf tensor");
  if (max_norm) renorm_rows(weight, index_values, *max_norm, norm_type);

  Shape shape = input.shape();
  shape.push_back(dim);
  Tensor out = Tensor::make(shape, DType::Float32);
  float* o = out.data<float>();
  const float* w = weight.data<float>();
  const int64_t s0 = weight.stride(0), s1 = weight.stride(1);
  if (s1 == 1) {
    // Whole rows, a group touched before it is copied so that the misses of a big table overlap.
    const int64_t row_bytes = dim * static_cast<int64_t>(sizeof(float));
    for_rows_prefetched(
        n, [&](int64_t k) { prefetch_row(w + idx[k] * s0, dim); },
        [&](int64_t k) { std::memcpy(o + k * dim, w + idx[k] * s0, static_cast<size_t>(row_bytes)); });
  } else {
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < dim; ++j) o[k * dim + j] = w[idx[k] * s0 + j * s1];
  }

  if (record) {
    auto node = make_node<EmbeddingBackward>();
    node->indices = SavedTensor(input);
    node->num_rows = num_rows;
    node->dim = dim;
    node->padding_idx = pad;
    node->scale_grad_by_freq = scale_grad_by_freq;
    node->sparse = sparse;
    if (sparse) node->sparse_weight = weight.impl_ptr();
    set_history(node, {weight}, {&out});
  }
  return out;
}

Tensor embedding_bag(const Tensor& input, const Tensor& weight, const Tensor& offsets, std::optional<double> max_norm,
                     double norm_type, bool scale_grad_by_freq, const std::string& mode, bool sparse,
                     const Tensor& per_sample_weights, bool include_last_offset, std::optional<int64_t> padding_idx) {
  check_weight(weight, "embedding_bag");
  KD_CHECK(mode == "sum" || mode == "mean" || mode == "max", ValueError, "mode has to be one of sum, mean or max");
  KD_CHECK(!(mode == "max" && scale_grad_by_freq), ValueError,
           "max mode does not support scaling the gradient by the frequency");
  KD_CHECK(!(sparse && scale_grad_by_freq), ValueError,
           "embedding_backward: scale_grad_by_freq not supported with sparse gradients");
  const int64_t num_rows = weight.size(0), dim = weight.size(1);
  KD_CHECK(input.dim() == 1 || input.dim() == 2, ValueError,
           "input has to be 1D or 2D Tensor, but got Tensor of dimension ", input.dim());
  if (per_sample_weights.defined()) {
    KD_CHECK(mode == "sum", ValueError, "embedding_bag: per_sample_weights was not None. per_sample_weights is only ",
             "supported for mode='sum' (got mode='", mode, "'). Please open a feature request on the Pytorch GitHub.");
    KD_CHECK(per_sample_weights.shape() == input.shape(), ValueError, "embedding_bag: If per_sample_weights (",
             torch_size(per_sample_weights.shape()), ") is not None, then it must have the same shape as the input (",
             torch_size(input.shape()), ")");
  }
  // bag[k]: which bag input element k belongs to.
  std::vector<int64_t> bag;
  int64_t num_bags = 0;
  const int64_t n_in = input.numel();
  if (input.dim() == 2) {
    KD_CHECK(!offsets.defined(), ValueError, "if input is 2D, then offsets has to be None, as input is treated is a ",
             "mini-batch of fixed length sequences. However, found offsets of type Tensor");
    num_bags = input.size(0);
    const int64_t len = input.size(1);
    for (int64_t k = 0; k < n_in; ++k) bag.push_back(k / len);
  } else {
    KD_CHECK(offsets.defined() && offsets.dim() == 1, ValueError, "offsets has to be a 1D Tensor but got ",
             offsets.defined() ? str(offsets.dim(), "D Tensor") : std::string("None"));
    KD_CHECK(offsets.dtype() == DType::Int64, TypeError, "embedding_bag: offsets must be int64, got ",
             dtype_name(offsets.dtype()));
    std::vector<int64_t> off = offsets.contiguous().to_vector<int64_t>();
    KD_CHECK(!off.empty() || !include_last_offset, ValueError, "embedding_bag: offsets can't be empty with include_last_offset");
    if (!off.empty()) {
      KD_CHECK(off[0] == 0, ValueError, "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start ",
               "from position 0. However, got ", off[0]);
      KD_CHECK(off.back() <= n_in, ValueError, "offsets[-1] can not be greater than input's length (", n_in,
               "), but got offsets[-1] of ", off.back());
      for (size_t i = 1; i < off.size(); ++i)
        KD_CHECK(off[i] >= off[i - 1], ValueError, "embedding_bag: offsets must be non-decreasing, got ", off[i - 1],
                 " then ", off[i]);
    }
    // Bag b is [off[b], off[b+1]). With include_last_offset the last offset ends the last bag
    // (elements after it belong to no bag); otherwise the last bag runs to the end.
    num_bags = include_last_offset ? static_cast<int64_t>(off.size()) - 1 : static_cast<int64_t>(off.size());
    if (!include_last_offset) off.push_back(n_in);
    bag.assign(static_cast<size_t>(n_in), -1);
    for (int64_t b = 0; b < num_bags; ++b)
      for (int64_t k = off[static_cast<size_t>(b)]; k < off[static_cast<size_t>(b) + 1]; ++k) bag[k] = b;
  }
  Tensor index_values = checked_embedding_indices(input, num_rows, "embedding_bag");
  const int64_t* idx = index_values.data<int64_t>();
  const int64_t pad = wrap_padding_idx(padding_idx, num_rows);
  if (max_norm) renorm_rows(weight, index_values, *max_norm, norm_type);

  // The elements that count: in a bag and not padding.
  std::vector<int64_t> kept_pos, kept_idx, kept_bag;
  for (int64_t k = 0; k < n_in; ++k)
    if (bag[k] >= 0 && idx[k] != pad) {
      kept_pos.push_back(k);
      kept_idx.push_back(idx[k]);
      kept_bag.push_back(bag[k]);
    }
  const int64_t n = static_cast<int64_t>(kept_pos.size());
  Tensor rows = embedding(tensor_i64(kept_idx, {n}), weight, std::nullopt, std::nullopt, 2, scale_grad_by_freq, sparse);
  if (mode == "max") {
    // For each bag and feature, the kept row holding the largest value (the first on ties);
    // an empty bag points at an extra zero row. gather routes the gradient to that row only.
    std::vector<int64_t> arg(static_cast<size_t>(num_bags * dim), n);
    std::vector<float> r = rows.detach().to_vector<float>();
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < dim; ++j) {
        int64_t& a = arg[static_cast<size_t>(kept_bag[k] * dim + j)];
        if (a == n || r[static_cast<size_t>(k * dim + j)] > r[static_cast<size_t>(a * dim + j)]) a = k;
      }
    Tensor extended = cat({rows, zeros({1, dim})}, 0);
    return extended.gather(0, tensor_i64(arg, {num_bags, dim}));
  }
  if (per_sample_weights.defined())
    rows = rows * per_sample_weights.reshape({-1}).index_select(0, tensor_i64(kept_pos, {n})).unsqueeze(1);
  Tensor bag_index = tensor_i64(kept_bag, {n, 1}).expand({n, dim});
  Tensor out = zeros({num_bags, dim}).scatter_add(0, bag_index, rows);
  if (mode == "mean") {
    std::vector<float> counts(static_cast<size_t>(num_bags), 0.0f);
    for (int64_t b : kept_bag) counts[static_cast<size_t>(b)] += 1;
    for (float& c : counts) c = std::max(c, 1.0f);  // an empty bag stays zero
    out = out / kd::tensor(counts, {num_bags, 1});
  }
  return out;
}

// ---------------------------------------------------------------- losses

Reduction reduction_from_string(const std::string& name) {
  if (name == "none") return Reduction::None;
  if (name == "mean") return Reduction::Mean;
  if (name == "sum") return Reduction::Sum;
  throw ValueError(str(name, " is not a valid value for reduction"));
}

const char* reduction_name(Reduction r) {
  switch (r) {
    case Reduction::None: return "none";
    case Reduction::Mean: return "mean";
    case Reduction::Sum: return "sum";
  }
  return "?";
}

Tensor softplus_neg(const Tensor& input) {
  // log(1 + e^{−x}) = max(−x, 0) + log(1 + e^{−|x|}): no overflow for large |x|.
  Tensor out;
  {
    NoGradGuard no_grad;
    Tensor x = input.to(DType::Float32);
    out = (-x).relu() + ((-x.abs()).exp() + 1).log();
  }
  // d/dx log(1 + e^{−x}) = −e^{−x} / (1 + e^{−x}) = σ(x) − 1.
  record_rule("SoftplusNegBackward", [](const RuleBackward&, const Tensor& g, const TensorList& s) {
    return TensorList{g * (s[0].sigmoid() - 1)};
  }, {input}, out, {input});
  return out;
}

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  Tensor d = input - target;
  return reduce(d * d, reduction);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  return reduce((input - target).abs(), reduction);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
  KD_CHECK(beta >= 0, ValueError, "smooth_l1_loss does not support negative values for beta.");
  if (beta == 0) return l1_loss(input, target, reduction);
  Tensor d = (input - target).abs();
  return reduce(where(d.lt(beta), d * d * (0.5 / beta), d - 0.5 * beta), reduction);
}

Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                Reduction reduction) {
  KD_CHECK(input.dim() >= 1, ValueError, "nll_loss: input must have at least 1 dimension, got ", input.dim());
  KD_CHECK(target.dtype() == DType::Int64, TypeError, "expected scalar type Long but found ", dtype_name(target.dtype()));
  const int64_t class_dim = input.dim() == 1 ? 0 : 1;
  const int64_t classes = input.size(class_dim);
  if (input.dim() == 1) {
    KD_CHECK(target.dim() == 0, ValueError, "nll_loss: 1-D input needs a 0-D target, got target of shape ",
             shape_str(target.shape()));
  } else if (input.dim() == 2) {
    KD_CHECK(target.dim() == 1, ValueError, "1D target tensor expected, multi-target not supported");
    KD_CHECK(target.size(0) == input.size(0), ValueError, "Expected input batch_size (", input.size(0),
             ") to match target batch_size (", target.size(0), ").");
  } else {
    Shape expected = input.shape();
    expected.erase(expected.begin() + 1);
    KD_CHECK(target.shape() == expected, ValueError, "Expected target size ", shape_str(expected), ", got ",
             shape_str(target.shape()));
  }
  if (weight.defined())
    KD_CHECK(weight.dim() == 1 && weight.size(0) == classes, ShapeError, "weight tensor should be defined either for all ",
             classes, " classes or no classes but got weight tensor of shape: ", shape_str(weight.shape()));
  std::vector<int64_t> t = target.contiguous().to_vector<int64_t>();
  for (int64_t v : t)
    KD_CHECK(v == ignore_index || (v >= 0 && v < classes), IndexError, "Target ", v, " is out of bounds.");
  std::vector<float> w = weight.defined() ? weight.detach().contiguous().to_vector<float>()
                                          : std::vector<float>(static_cast<size_t>(classes), 1.0f);
  // Per element: the class to pick (0 for ignored ones) and the weight it counts with.
  const int64_t m = static_cast<int64_t>(t.size());
  std::vector<int64_t> safe(t.size());
  std::vector<float> wt(t.size());
  double total = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    const bool ignored = t[i] == ignore_index;
    safe[i] = ignored ? 0 : t[i];
    wt[i] = ignored ? 0.0f : w[static_cast<size_t>(t[i])];
    total += wt[i];
  }
  // Class dim last, then one row per element: [M, C].
  Tensor rows;
  if (input.dim() <= 2) {
    rows = input.reshape({-1, classes});
  } else {
    Shape perm{0};
    for (int64_t i = 2; i < input.dim(); ++i) perm.push_back(i);
    perm.push_back(1);
    rows = input.permute(perm).reshape({-1, classes});
  }
  Tensor picked = rows.gather(1, tensor_i64(safe, {m, 1})).reshape({m});
  Tensor loss = -picked * kd::tensor(wt, {m});
  switch (reduction) {
    case Reduction::None: return loss.reshape(target.shape());
    case Reduction::Sum: return loss.sum();
    case Reduction::Mean: return loss.sum() / total;  // 0/0 = nan when every target is ignored, as PyTorch
  }
  return loss;
}

namespace {

// Cross-entropy of [N, C] logits against class indices as one node, in place of log_softmax,
// gather, mul, sum and div (five nodes, five tensors). Row i's loss is w_i·(logsumexp(x_i) −
// x_i[t_i]) with w_i the weight of its class (0 when ignored); the gradient of a row is
//   dx_i = c_i·(softmax(x_i) − onehot(t_i)),  c_i = g·w_i (/ Σw for 'mean'),
// so the forward keeps the softmax rows and the backward only scales them. The per-row
// buffers are tensors from the caching allocator, not vectors: a training step then makes no
// heap allocation for them.
struct CrossEntropyBackward final : Node {
  SavedTensor probs;   // [N, C] softmax rows, made by the forward, seen by no one else
  SavedTensor input;   // the logits: read only by the differentiable backward
  Tensor target;       // int64 [N]: class per row, 0 where ignored; made by the forward
  Tensor row_scale;    // float32 [N]: w_i, divided by Σw for 'mean'; made by the forward
  Reduction reduction = Reduction::Mean;

  // PyTorch's name: its cross_entropy ends in nll_loss.
  std::string name() const override { return "NllLossBackward0"; }
  void release_saved() override {
    probs.release();
    input.release();
    target = Tensor();
    row_scale = Tensor();
  }

  TensorList apply(TensorList&& grads) override {
    const Tensor& g = grads[0];
    if (!g.defined()) return {Tensor()};
    Tensor p = probs.unpack(*this);  // raises after release_saved, before the buffers below are read
    const int64_t rows = p.size(0);
    if (GradMode::is_enabled()) {
      // Differentiable (create_graph): the same formula in ops that record history.
      Tensor coef = (reduction == Reduction::None ? g.reshape({rows}) : g.expand({rows})) * row_scale;
      Tensor x = input.unpack(*this);
      Tensor onehot = one_hot(target, x.size(1)).to(DType::Float32);
      return {(x.softmax(1) - onehot) * coef.unsqueeze(1)};
    }
    const int64_t classes = p.size(1);
    Tensor gc = g.contiguous();
    const float* gp = gc.data<float>();
    const float* pp = p.data<float>();
    const int64_t* t = target.data<int64_t>();
    const float* scale = row_scale.data<float>();
    Tensor dx = Tensor::make({rows, classes}, DType::Float32);
    float* d = dx.data<float>();
    const KernelTable& k = kernels();
    parallel_for(rows, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(classes, 1)), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const float c = scale[i] * gp[reduction == Reduction::None ? i : 0];
        float* row = d + i * classes;
        k.f32_vmulc(classes, pp + i * classes, c, row);
        row[t[i]] -= c;
      }
    });
    return {dx};
  }
};

// The fused path: float32 [N, C] logits, int64 class indices, no label smoothing. Checks and
// messages are nll_loss's. Returns an undefined tensor for any other case.
Tensor fused_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                           Reduction reduction, double label_smoothing) {
  if (input.dim() != 2 || input.dtype() != DType::Float32 || target.dtype() != DType::Int64 || label_smoothing != 0)
    return Tensor();
  KD_CHECK(target.dim() == 1, ValueError, "1D target tensor expected, multi-target not supported");
  KD_CHECK(target.size(0) == input.size(0), ValueError, "Expected input batch_size (", input.size(0),
           ") to match target batch_size (", target.size(0), ").");
  const int64_t rows = input.size(0), classes = input.size(1);
  Tensor labels = target.contiguous();
  const int64_t* given = labels.data<int64_t>();
  for (int64_t i = 0; i < rows; ++i)
    KD_CHECK(given[i] == ignore_index || (given[i] >= 0 && given[i] < classes), IndexError, "Target ", given[i],
             " is out of bounds.");
  Tensor class_weight = weight.defined() ? weight.detach().to(DType::Float32).contiguous() : Tensor();
  const float* w = class_weight.defined() ? class_weight.data<float>() : nullptr;  // null: every class weighs 1
  // Row i's class (0 where ignored, so the backward may index with it) and weight (0 where ignored).
  Tensor safe_target = Tensor::make({rows}, DType::Int64), row_scale = Tensor::make({rows}, DType::Float32);
  int64_t* t = safe_target.data<int64_t>();
  float* scale = row_scale.data<float>();
  double total = 0;
  for (int64_t i = 0; i < rows; ++i) {
    const bool ignored = given[i] == ignore_index;
    t[i] = ignored ? 0 : given[i];
    scale[i] = ignored ? 0.0f : w ? w[t[i]] : 1.0f;
    total += scale[i];
  }

  Tensor x = contiguous_values(input);
  Tensor p = Tensor::make({rows, classes}, DType::Float32);
  const float* xp = x.data<float>();
  float* pp = p.data<float>();
  const KernelTable& k = kernels();
  parallel_for(rows, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(classes, 1)), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) k.f32_softmax(classes, xp + i * classes, pp + i * classes);
  });
  // Row losses −w·log p_t, summed in order in double: the same value at any thread count; with
  // reduction 'none' they are the output. Below FLT_MIN p_t has lost its precision (or is 0):
  // that row's log-softmax is computed.
  Tensor losses = reduction == Reduction::None ? Tensor::make({rows}, DType::Float32) : Tensor();
  float* loss_of_row = losses.defined() ? losses.data<float>() : nullptr;
  std::vector<float> log_row;
  double sum = 0;
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t at = i * classes;
    float log_p = std::log(pp[at + t[i]]);
    if (!(pp[at + t[i]] >= std::numeric_limits<float>::min())) {
      log_row.resize(static_cast<size_t>(classes));
      k.f32_log_softmax(classes, xp + at, log_row.data());
      log_p = log_row[static_cast<size_t>(t[i])];
    }
    const float loss = -log_p * scale[i];
    if (loss_of_row) loss_of_row[i] = loss;
    sum += loss;
  }
  Tensor out;
  switch (reduction) {
    case Reduction::None: out = losses; break;
    case Reduction::Sum: out = scalar_tensor(sum); break;
    case Reduction::Mean: out = scalar_tensor(sum / total); break;  // 0/0 = nan when every target is ignored
  }
  if (reduction == Reduction::Mean)
    for (int64_t i = 0; i < rows; ++i) scale[i] = static_cast<float>(scale[i] / total);

  if (any_requires_grad({&input})) {
    auto node = make_node<CrossEntropyBackward>();
    node->probs = SavedTensor(p);
    node->input = SavedTensor(input);
    node->target = std::move(safe_target);
    node->row_scale = std::move(row_scale);
    node->reduction = reduction;
    set_history(node, {input}, {&out});
  }
  return out;
}

}  // namespace

Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                     Reduction reduction, double label_smoothing) {
  KD_CHECK(label_smoothing >= 0 && label_smoothing <= 1, ValueError,
           "label_smoothing must be between 0.0 and 1.0. Got: ", label_smoothing);
  KD_CHECK(input.dim() >= 1, ValueError, "cross_entropy: input must have at least 1 dimension");
  const int64_t class_dim = input.dim() == 1 ? 0 : 1;
  const int64_t classes = input.size(class_dim);
  if (weight.defined())
    KD_CHECK(weight.dim() == 1 && weight.size(0) == classes, ShapeError, "weight tensor should be defined either for all ",
             classes, " classes or no classes but got weight tensor of shape: ", shape_str(weight.shape()));
  if (Tensor fused = fused_cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing); fused.defined())
    return fused;
  Tensor logp = input.log_softmax(class_dim);
  Tensor w_b = weight.defined() ? weight.reshape(class_view(input.dim(), class_dim, classes)) : Tensor();
  if (target.dtype() == DType::Float32) {
    // Class probabilities: −Σ_c w_c·p_c·log q_c per element; mean divides by the element count.
    KD_CHECK(target.shape() == input.shape(), ValueError, "cross_entropy: probability target of shape ",
             shape_str(target.shape()), " must match input shape ", shape_str(input.shape()));
    Tensor p = label_smoothing > 0 ? target * (1 - label_smoothing) + label_smoothing / static_cast<double>(classes) : target;
    Tensor prod = logp * p;
    if (w_b.defined()) prod = prod * w_b;
    Tensor loss = -prod.sum({class_dim});
    if (reduction == Reduction::Mean) return loss.sum() / static_cast<double>(input.numel() / std::max<int64_t>(classes, 1));
    return reduce(loss, reduction);
  }
  Tensor nll = nll_loss(logp, target, weight, ignore_index, reduction);
  if (label_smoothing == 0) return nll;
  // The smoothing term: −Σ_c w_c·log q_c per element, zero where the target is ignored.
  Tensor per_class = w_b.defined() ? logp * w_b : logp;
  Tensor keep = target.ne(static_cast<double>(ignore_index)).to(DType::Float32);
  Tensor smooth = -per_class.sum({class_dim}) * keep;
  Tensor ret;
  switch (reduction) {
    case Reduction::None: ret = smooth; break;
    case Reduction::Sum: ret = smooth.sum(); break;
    case Reduction::Mean:
      if (weight.defined()) {
        // Normalised by the summed weights of the non-ignored targets, like nll_loss.
        std::vector<int64_t> t = target.contiguous().to_vector<int64_t>();
        std::vector<float> w = weight.detach().contiguous().to_vector<float>();
        double total = 0;
        for (int64_t v : t)
          if (v != ignore_index) total += w[static_cast<size_t>(v)];
        ret = smooth.sum() / total;
      } else {
        ret = smooth.sum() / keep.sum().item<double>();
      }
      break;
  }
  return nll * (1 - label_smoothing) + ret * (label_smoothing / static_cast<double>(classes));
}

namespace {
void check_same_size(const Tensor& input, const Tensor& target) {
  KD_CHECK(input.shape() == target.shape(), ValueError, "Using a target size (", torch_size(target.shape()),
           ") that is different to the input size (", torch_size(input.shape()),
           ") is deprecated. Please ensure they have the same size.");
}
}  // namespace

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction) {
  check_same_size(input, target);
  {
    std::vector<float> x = input.detach().contiguous().to_vector<float>();
    for (float v : x) KD_CHECK(v >= 0 && v <= 1, ValueError, "all elements of input should be between 0 and 1");
  }
  // PyTorch clamps each log at −100 so that x = 0 or 1 gives a finite loss.
  Tensor log_x = input.log().clamp(-100, std::nullopt);
  Tensor log_1mx = (1 - input).log().clamp(-100, std::nullopt);
  Tensor loss = -(target * log_x + (1 - target) * log_1mx);
  if (weight.defined()) loss = loss * weight;
  return reduce(loss, reduction);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        Reduction reduction, const Tensor& pos_weight) {
  check_same_size(input, target);
  // (1 − t)·x + lw·log(1 + e^{−x}) with lw = 1 + (pos_weight − 1)·t: the same as
  // −w·[pw·t·log σ(x) + (1 − t)·log(1 − σ(x))], since log(1 − σ(x)) = −x + log σ(x).
  Tensor sp = softplus_neg(input);
  Tensor loss = pos_weight.defined() ? (1 - target) * input + ((pos_weight - 1) * target + 1) * sp
                                     : (1 - target) * input + sp;
  if (weight.defined()) loss = loss * weight;
  return reduce(loss, reduction);
}

Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin,
                             Reduction reduction) {
  KD_CHECK(input1.dim() == 1 || input1.dim() == 2, ShapeError, "cosine_embedding_loss: 1D target tensor expects 2D ",
           "input tensors, but found inputs with sizes ", shape_str(input1.shape()), " and ", shape_str(input2.shape()), ".");
  KD_CHECK(input1.shape() == input2.shape(), ShapeError, "cosine_embedding_loss: inputs must have the same shape, got ",
           shape_str(input1.shape()), " and ", shape_str(input2.shape()));
  KD_CHECK(target.dim() == input1.dim() - 1, ShapeError, "cosine_embedding_loss: expected target of ",
           input1.dim() - 1, " dims, got ", shape_str(target.shape()));
  const int64_t d = input1.dim() - 1;
  const double eps = 1e-12;  // PyTorch's EPSILON, keeps zero vectors finite
  Tensor prod = (input1 * input2).sum({d});
  Tensor mag1 = (input1 * input1).sum({d}) + eps;
  Tensor mag2 = (input2 * input2).sum({d}) + eps;
  Tensor cos = prod / (mag1 * mag2).sqrt();
  Tensor zero = zeros_like(cos);
  Tensor pos = where(target.eq(1), 1 - cos, zero);
  Tensor neg = where(target.eq(-1), (cos - margin).clamp(0, std::nullopt), zero);
  return reduce(pos + neg, reduction);
}

Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin,
                           Reduction reduction) {
  KD_CHECK(input1.dim() == input2.dim() && input1.dim() == target.dim(), ShapeError,
           "margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: ",
           torch_size(input1.shape()), ", input2: ", torch_size(input2.shape()), ", target: ", torch_size(target.shape()));
  return reduce((-target * (input1 - input2) + margin).clamp(0, std::nullopt), reduction);
}

Tensor negative_sampling_loss(const Tensor& center, const Tensor& context, const Tensor& negatives,
                              Reduction reduction) {
  KD_CHECK(center.dim() == 2 && context.shape() == center.shape(), ShapeError,
           "negative_sampling_loss: center and context must both be [B, d], got ", shape_str(center.shape()), " and ",
           shape_str(context.shape()));
  KD_CHECK(negatives.dim() == 3 && negatives.size(0) == center.size(0) && negatives.size(2) == center.size(1),
           ShapeError, "negative_sampling_loss: negatives must be [B, K, d] = [", center.size(0), ", K, ", center.size(1),
           "], got ", shape_str(negatives.shape()));
  // −log σ(z) = log(1 + e^{−z}) = softplus_neg(z), so
  //   loss_b = softplus_neg(c_b·o_b) + Σ_k softplus_neg(−c_b·n_{b,k}).
  Tensor positive = (center * context).sum({1});                      // [B]
  Tensor negative = (negatives * center.unsqueeze(1)).sum({2});      // [B, K]
  Tensor loss = softplus_neg(positive) + softplus_neg(-negative).sum({1});
  return reduce(loss, reduction);
}

}  // namespace kd::nn::functional
