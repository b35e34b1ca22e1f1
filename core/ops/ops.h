// Every tensor op as a free function. Each .cpp under core/ops/ defines a family of ops with
// each op's backward next to its forward.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "tensor/tensor.h"

namespace kd {

// ---- factories (ops/factory.cpp) ----
Tensor empty(const Shape& shape, TensorOptions options = {});
Tensor zeros(const Shape& shape, TensorOptions options = {});
Tensor ones(const Shape& shape, TensorOptions options = {});
Tensor full(const Shape& shape, double value, TensorOptions options = {});
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
// PyTorch's rule: a float argument makes a float32 result, all-integer arguments int64.
Tensor arange(double end, std::optional<TensorOptions> options = std::nullopt);
Tensor arange(double start, double end, double step = 1, std::optional<TensorOptions> options = std::nullopt);
Tensor linspace(double start, double end, int64_t steps, TensorOptions options = {});
Tensor eye(int64_t n, int64_t m = -1, TensorOptions options = {});
Tensor randn(const Shape& shape, TensorOptions options = {});
Tensor rand(const Shape& shape, TensorOptions options = {});
Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions options = DType::Int64);
Tensor randperm(int64_t n);
// From row-major values; `shape` must hold values.size() elements.
Tensor tensor(const std::vector<float>& values, const Shape& shape, TensorOptions options = {});
Tensor tensor(const std::vector<float>& values);
Tensor tensor_i64(const std::vector<int64_t>& values, const Shape& shape);
Tensor tensor_i64(const std::vector<int64_t>& values);
Tensor tensor_bool(const std::vector<bool>& values, const Shape& shape);
Tensor scalar_tensor(double value, DType dtype = DType::Float32);
// A number next to `t` in an op (`t * 2`) as a 0-d tensor, promoted as PyTorch promotes a
// Python scalar: int64 when `t` is integral (int64, bool) and the number an integer, else
// float32. So an int64 tensor times 2 stays int64, times 2.0 or 0.5 becomes float32.
Tensor wrapped_scalar(const Tensor& t, Scalar value);

// ---- the seeded generator (tensor/random.cpp) ----
void manual_seed(uint64_t seed);

// ---- views (ops/view.cpp) ----
Tensor view(const Tensor& t, const Shape& shape);
Tensor reshape(const Tensor& t, const Shape& shape);
Tensor contiguous(const Tensor& t);
Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1);
Tensor permute(const Tensor& t, const Shape& dims);
Tensor t(const Tensor& t);
Tensor unsqueeze(const Tensor& t, int64_t dim);
Tensor squeeze(const Tensor& t);
Tensor squeeze(const Tensor& t, int64_t dim);
Tensor expand(const Tensor& t, const Shape& shape);
Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length);
Tensor select(const Tensor& t, int64_t dim, int64_t index);
Tensor slice(const Tensor& t, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step = 1);
Tensor flatten(const Tensor& t, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor as_strided(const Tensor& t, const Shape& shape, const Shape& strides, int64_t storage_offset);

// ---- copies and indexing (ops/index.cpp) ----
Tensor clone(const Tensor& t);
Tensor to_dtype(const Tensor& t, DType dtype);
Tensor index_select(const Tensor& t, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& t, int64_t dim, const Tensor& index);
Tensor scatter_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
Tensor masked_fill(const Tensor& t, const Tensor& mask, double value);
Tensor one_hot(const Tensor& indices, int64_t num_classes = -1);

// ---- element-wise (ops/pointwise.cpp) ----
Tensor add(const Tensor& a, const Tensor& b, double alpha = 1);
Tensor sub(const Tensor& a, const Tensor& b, double alpha = 1);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, Scalar b);
Tensor div(const Tensor& a, Scalar b);
Tensor neg(const Tensor& t);
Tensor pow(const Tensor& base, const Tensor& exponent);
// An integral base to an integer power stays int64 (a negative power raises, as in torch).
Tensor pow(const Tensor& base, Scalar exponent);
Tensor exp(const Tensor& t);
Tensor log(const Tensor& t);
Tensor sqrt(const Tensor& t);
// x·x, as torch.square: pow(x, 2), so an integral tensor gives int64 and the node is PowBackward0.
Tensor square(const Tensor& t);
Tensor abs(const Tensor& t);
Tensor clamp(const Tensor& t, std::optional<double> min, std::optional<double> max);
Tensor tanh(const Tensor& t);
Tensor sigmoid(const Tensor& t);
Tensor relu(const Tensor& t);
Tensor gelu(const Tensor& t);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor logical_not(const Tensor& t);

// ---- reductions (ops/reduce.cpp) ----
Tensor sum(const Tensor& t);
Tensor sum(const Tensor& t, const Shape& dims, bool keepdim = false);
Tensor mean(const Tensor& t);
Tensor mean(const Tensor& t, const Shape& dims, bool keepdim = false);
Tensor max(const Tensor& t);
std::pair<Tensor, Tensor> max(const Tensor& t, int64_t dim, bool keepdim = false);
Tensor min(const Tensor& t);
std::pair<Tensor, Tensor> min(const Tensor& t, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor var(const Tensor& t, std::optional<Shape> dims = std::nullopt, bool unbiased = true, bool keepdim = false);
Tensor std(const Tensor& t, std::optional<Shape> dims = std::nullopt, bool unbiased = true, bool keepdim = false);
Tensor norm(const Tensor& t, double p = 2, std::optional<Shape> dims = std::nullopt, bool keepdim = false);
Tensor softmax(const Tensor& t, int64_t dim);
Tensor log_softmax(const Tensor& t, int64_t dim);

// ---- linear algebra (ops/linalg.cpp) ----
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);

}  // namespace kd
