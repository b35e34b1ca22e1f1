// Matrix products: mm and bmm are primitives over the gemm kernel; matmul composes them with
// PyTorch's rank rules (1-D operands, batch broadcasting) so its gradient comes for free.
#include "autograd/grad_mode.h"
#include "autograd/rule.h"
#include "kernels/kernels.h"
#include "ops/ops.h"
#include "ops/pointwise.h"
#include "parallel/thread_pool.h"

namespace kd {
namespace {

// How a 2-D strided matrix can be handed to gemm without a copy: row-major (unit column
// stride) or transposed (unit row stride). Anything else is copied first.
struct GemmOperand {
  Tensor keep;  // owns the memory read through `data`
  const float* data;
  int64_t ld;
  bool trans;
};

GemmOperand gemm_operand(const Tensor& m, int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride, int64_t offset) {
  if (col_stride == 1 && (row_stride >= cols || rows <= 1)) return {m, m.data<float>() + offset, std::max<int64_t>(row_stride, cols), false};
  if (row_stride == 1 && (col_stride >= rows || cols <= 1)) return {m, m.data<float>() + offset, std::max<int64_t>(col_stride, rows), true};
  return {Tensor(), nullptr, 0, false};
}

void check_float(const Tensor& t, const char* op) {
  KD_CHECK(t.dtype() == DType::Float32, TypeError, op, ": expected float32 tensors but got ", dtype_name(t.dtype()));
}

// out[b] = a[b] @ b[b] for every batch b; a is [B, M, K], b is [B, K, N].
void batched_gemm(const Tensor& a, const Tensor& b, const Tensor& out) {
  const int64_t batches = a.shape()[0], M = a.shape()[1], K = a.shape()[2], N = b.shape()[2];
  Tensor ac = a, bc = b;
  auto probe_a = gemm_operand(a, M, K, a.strides()[1], a.strides()[2], 0);
  if (!probe_a.data) ac = a.contiguous();
  auto probe_b = gemm_operand(b, K, N, b.strides()[1], b.strides()[2], 0);
  if (!probe_b.data) bc = b.contiguous();
  float* o = out.data<float>();
  const KernelTable& k = kernels();
  auto run = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      GemmOperand ga = gemm_operand(ac, M, K, ac.strides()[1], ac.strides()[2], i * ac.strides()[0]);
      GemmOperand gb = gemm_operand(bc, K, N, bc.strides()[1], bc.strides()[2], i * bc.strides()[0]);
      k.f32_gemm(M, N, K, ga.data, ga.ld, ga.trans, gb.data, gb.ld, gb.trans, o + i * M * N, N, 0.0f);
    }
  };
  // One large product threads inside gemm; many small ones (attention heads, a batch of
  // sequences) would each run on one core, so split the batch over the pool instead.
  const int64_t work_per_batch = M * N * K;
  if (batches > 1 && work_per_batch < kMinChunkWork) {
    parallel_for(batches, grain_for(work_per_batch), run);
  } else {
    run(0, batches);
  }
}

}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) {
  KD_CHECK(a.dim() == 2, ShapeError, "self must be a matrix (mm got a tensor of shape ", shape_str(a.shape()), ")");
  KD_CHECK(b.dim() == 2, ShapeError, "mat2 must be a matrix (mm got a tensor of shape ", shape_str(b.shape()), ")");
  KD_CHECK(a.shape()[1] == b.shape()[0], ShapeError, "mat1 and mat2 shapes cannot be multiplied (", a.shape()[0], "x",
           a.shape()[1], " and ", b.shape()[0], "x", b.shape()[1], ")");
  check_float(a, "mm");
  check_float(b, "mm");
  Tensor out = Tensor::make({a.shape()[0], b.shape()[1]}, DType::Float32);
  batched_gemm(a.unsqueeze(0), b.unsqueeze(0), out);
  // d(a@b)/da = g @ bᵀ, d(a@b)/db = aᵀ @ g (transposes are free views).
  record_rule("MmBackward0", [](const RuleBackward& n, const Tensor& g, const TensorList& s) {
    return TensorList{n.needs_grad(0) ? mm(g, s[1].t()) : Tensor(), n.needs_grad(1) ? mm(s[0].t(), g) : Tensor()};
  }, {a, b}, out, {a, b});
  return out;
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  KD_CHECK(a.dim() == 3, ShapeError, "batch1 must be a 3D tensor (got shape ", shape_str(a.shape()), ")");
  KD_CHECK(b.dim() == 3, ShapeError, "batch2 must be a 3D tensor (got shape ", shape_str(b.shape()), ")");
  KD_CHECK(b.shape()[0] == a.shape()[0] && b.shape()[1] == a.shape()[2], ShapeError,
           "Expected size for first two dimensions of batch2 tensor to be: [", a.shape()[0], ", ", a.shape()[2],
           "] but got: [", b.shape()[0], ", ", b.shape()[1], "].");
  check_float(a, "bmm");
  check_float(b, "bmm");
  Tensor out = Tensor::make({a.shape()[0], a.shape()[1], b.shape()[2]}, DType::Float32);
  batched_gemm(a, b, out);
  record_rule("BmmBackward0", [](const RuleBackward& n, const Tensor& g, const TensorList& s) {
    return TensorList{n.needs_grad(0) ? bmm(g, s[1].transpose(1, 2)) : Tensor(),
                               n.needs_grad(1) ? bmm(s[0].transpose(1, 2), g) : Tensor()};
  }, {a, b}, out, {a, b});
  return out;
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  KD_CHECK(a.dim() > 0 && b.dim() > 0, ShapeError, "both arguments to matmul need to be at least 1D, but they are ",
           a.dim(), "D and ", b.dim(), "D");
  if (a.dim() == 1 && b.dim() == 1) {
    KD_CHECK(a.numel() == b.numel(), ShapeError, "inconsistent tensor size, expected tensor [", a.numel(), "] and src [",
             b.numel(), "] to have the same number of elements, but got ", a.numel(), " and ", b.numel(), " elements respectively");
    Tensor out;
    {
      NoGradGuard no_grad;
      out = mm(a.unsqueeze(0), b.unsqueeze(1)).reshape({}).clone();
    }
    // Its own node, so grad_fn prints as PyTorch's DotBackward0.
    record_rule("DotBackward0", [](const RuleBackward& n, const Tensor& g, const TensorList& s) {
      return TensorList{n.needs_grad(0) ? g.mul(s[1]) : Tensor(), n.needs_grad(1) ? g.mul(s[0]) : Tensor()};
    }, {a, b}, out, {a, b});
    return out;
  }
  if (a.dim() == 2 && b.dim() == 2) return mm(a, b);
  if (a.dim() == 1 && b.dim() == 2) return mm(a.unsqueeze(0), b).squeeze(0);
  if (a.dim() == 2 && b.dim() == 1) return mm(a, b.unsqueeze(1)).squeeze(1);
  if (a.dim() >= 3 && b.dim() <= 2) {
    // Fold a's batch dims into its rows: one large mm instead of many small ones.
    Tensor b2 = b.dim() == 1 ? b.unsqueeze(1) : b;
    Shape out_shape(a.shape().begin(), a.shape().end() - 1);
    if (b.dim() == 2) out_shape.push_back(b.shape()[1]);
    // The row count is explicit: reshape({-1, K}) is ambiguous when a has no elements.
    const int64_t rows = shape_numel(Shape(a.shape().begin(), a.shape().end() - 1));
    return mm(a.reshape({rows, a.shape().back()}), b2).reshape(out_shape);
  }
  // General case: broadcast the batch dims, then bmm.
  Tensor a3 = a.dim() == 1 ? a.unsqueeze(0) : a;
  Tensor b3 = b.dim() == 1 ? b.unsqueeze(1) : b;
  int64_t M = a3.shape()[a3.dim() - 2], K = a3.shape().back(), K2 = b3.shape()[b3.dim() - 2], N = b3.shape().back();
  KD_CHECK(K == K2, ShapeError, "Expected size for first two dimensions of batch2 tensor to be: [", "*, ", K, "] but got: [*, ",
           K2, "]. (matmul of ", shape_str(a.shape()), " and ", shape_str(b.shape()), ")");
  Shape batch_a(a3.shape().begin(), a3.shape().end() - 2), batch_b(b3.shape().begin(), b3.shape().end() - 2);
  Shape batch = broadcast_shapes(batch_a, batch_b, "matmul");
  int64_t batches = shape_numel(batch);
  Shape a_full = batch, b_full = batch;
  a_full.insert(a_full.end(), {M, K});
  b_full.insert(b_full.end(), {K, N});
  Tensor out = bmm(a3.expand(a_full).reshape({batches, M, K}), b3.expand(b_full).reshape({batches, K, N}));
  Shape out_shape = batch;
  if (a.dim() > 1) out_shape.push_back(M);
  if (b.dim() > 1) out_shape.push_back(N);
  return out.reshape(out_shape);
}

}  // namespace kd
