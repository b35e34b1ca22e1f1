// The reference kernels: plain loops, written to be obviously right. Every other table is
// tested against these.
#include <algorithm>
#include <cmath>

#include "kernels/isa_tables.h"
#include "parallel/thread_pool.h"

namespace kd {
namespace {

void f32_vadd__scalar(int64_t n, const float* a, const float* b, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

void f32_vsub__scalar(int64_t n, const float* a, const float* b, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] - b[i];
}

void f32_vmul__scalar(int64_t n, const float* a, const float* b, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
}

void f32_vdiv__scalar(int64_t n, const float* a, const float* b, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] / b[i];
}

void f32_vaddc__scalar(int64_t n, const float* a, float c, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] + c;
}

void f32_vmulc__scalar(int64_t n, const float* a, float c, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] * c;
}

void f32_axpy__scalar(int64_t n, float alpha, const float* x, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

float f32_sum__scalar(int64_t n, const float* x) {
  float s = 0.0f;
  for (int64_t i = 0; i < n; ++i) s += x[i];
  return s;
}

float f32_dot__scalar(int64_t n, const float* a, const float* b) {
  float s = 0.0f;
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

// ---- element-wise math: the C library, one element at a time ----

template <float (*F)(float)>
void f32_vunary__scalar(int64_t n, const float* x, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = F(x[i]);
}
float exp_ref(float x) { return std::exp(x); }
float log_ref(float x) { return std::log(x); }
float tanh_ref(float x) { return std::tanh(x); }
float sigmoid_ref(float x) { return static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(x)))); }
float gelu_ref(float x) { return static_cast<float>(0.5 * x * (1.0 + std::erf(x * 0.70710678118654752))); }

// ---- softmax rows, summed in double ----

// The row's max, or 0 for a row of -inf (whose softmax is then NaN, as in PyTorch).
float softmax_shift(int64_t n, const float* x) {
  float mx = -INFINITY;
  for (int64_t i = 0; i < n; ++i) mx = std::max(mx, x[i]);
  return std::isinf(mx) && mx < 0 ? 0.0f : mx;
}

void f32_softmax__scalar(int64_t n, const float* x, float* out) {
  const float shift = softmax_shift(n, x);
  double total = 0;
  for (int64_t i = 0; i < n; ++i) total += std::exp(static_cast<double>(x[i] - shift));
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(std::exp(static_cast<double>(x[i] - shift)) / total);
}

void f32_log_softmax__scalar(int64_t n, const float* x, float* out) {
  const float shift = softmax_shift(n, x);
  double total = 0;
  for (int64_t i = 0; i < n; ++i) total += std::exp(static_cast<double>(x[i] - shift));
  const float lse = static_cast<float>(std::log(total));
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] - shift - lse;
}

void f32_softmax_backward__scalar(int64_t n, const float* y, const float* g, float* dx) {
  double dot = 0;
  for (int64_t i = 0; i < n; ++i) dot += static_cast<double>(g[i]) * y[i];
  for (int64_t i = 0; i < n; ++i) dx[i] = static_cast<float>(y[i] * (g[i] - dot));
}

void f32_log_softmax_backward__scalar(int64_t n, const float* y, const float* g, float* dx) {
  double total = 0;
  for (int64_t i = 0; i < n; ++i) total += g[i];
  for (int64_t i = 0; i < n; ++i) dx[i] = static_cast<float>(g[i] - std::exp(static_cast<double>(y[i])) * total);
}

// C[M,N] = beta * C + op(A)[M,K] @ op(B)[K,N]: one dot product per element of C.
// Rows of C are shared out over the thread pool; each element is still computed by one thread
// in the same order, so the result does not depend on the thread count.
void f32_gemm__scalar(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, bool transA,
                      const float* B, int64_t ldb, bool transB, float* C, int64_t ldc, float beta) {
  if (M <= 0 || N <= 0) return;
  auto a_at = [&](int64_t i, int64_t k) { return transA ? A[k * lda + i] : A[i * lda + k]; };
  auto b_at = [&](int64_t k, int64_t j) { return transB ? B[j * ldb + k] : B[k * ldb + j]; };
  auto rows = [&](int64_t row_begin, int64_t row_end) {
    for (int64_t i = row_begin; i < row_end; ++i) {
      for (int64_t j = 0; j < N; ++j) {
        float acc = 0.0f;
        for (int64_t k = 0; k < K; ++k) acc += a_at(i, k) * b_at(k, j);
        float& c = C[i * ldc + j];
        c = beta == 0.0f ? acc : beta * c + acc;  // beta 0 never reads C: NaN must not leak
      }
    }
  };
  parallel_for(M, grain_for(N * K), rows);
}

}  // namespace

namespace detail {
const KernelTable scalar_table = {
    "scalar",
    f32_vadd__scalar,
    f32_vsub__scalar,
    f32_vmul__scalar,
    f32_vdiv__scalar,
    f32_vaddc__scalar,
    f32_vmulc__scalar,
    f32_axpy__scalar,
    f32_sum__scalar,
    f32_dot__scalar,
    f32_vunary__scalar<exp_ref>,
    f32_vunary__scalar<log_ref>,
    f32_vunary__scalar<tanh_ref>,
    f32_vunary__scalar<sigmoid_ref>,
    f32_vunary__scalar<gelu_ref>,
    f32_softmax__scalar,
    f32_log_softmax__scalar,
    f32_softmax_backward__scalar,
    f32_log_softmax_backward__scalar,
    f32_gemm__scalar,
};
}  // namespace detail

}  // namespace kd
