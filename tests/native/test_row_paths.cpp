// The whole-row fast paths (scatter_add with an index constant along each row, which the
// embedding and index_select backward and sparse coalescing use) against the element-by-element
// path on the same values, and their index checks.
#include <catch2/catch.hpp>

#include "kindling.h"

using namespace kd;

TEST_CASE("scatter_add: whole rows match the element path", "[row_paths]") {
  manual_seed(3);
  for (int64_t width : {1, 3, 4, 17, 64}) {
    INFO("width " << width);
    Tensor target = randn({6, width});
    Tensor src = randn({5, width});
    Tensor rows = tensor_i64({4, 0, 4, 5, 2}, {5, 1});
    Tensor expanded = rows.expand({5, width});             // stride 0 along dim 1: the row path
    Tensor materialized = expanded.contiguous();          // the same index, element by element
    if (width > 1) REQUIRE(expanded.strides()[1] == 0);  // (expanding [5, 1] to [5, 1] changes nothing)
    Tensor fast = target.scatter_add(0, expanded, src);
    Tensor slow = target.scatter_add(0, materialized, src);
    CHECK(fast.to_vector<float>() == slow.to_vector<float>());
    // Row 4 got src rows 0 and 2; row 1 nothing; the target is unchanged.
    std::vector<float> t = target.to_vector<float>(), s = src.to_vector<float>(), f = fast.to_vector<float>();
    for (int64_t j = 0; j < width; ++j) {
      CHECK(f[4 * width + j] == (t[4 * width + j] + s[j]) + s[2 * width + j]);
      CHECK(f[1 * width + j] == t[1 * width + j]);
    }
  }
}

TEST_CASE("scatter_add: the row path checks every row index before writing", "[row_paths]") {
  Tensor target = zeros({3, 4});
  Tensor bad = tensor_i64({0, 3}, {2, 1}).expand({2, 4});
  CHECK_THROWS_WITH(target.scatter_add(0, bad, ones({2, 4})), Catch::Contains("index 3 is out of bounds for dimension 0 with size 3"));
  CHECK(target.sum().item<float>() == 0.0f);
}

TEST_CASE("index_select backward sums the gradients of repeated rows", "[row_paths]") {
  Tensor w = arange(0, 12, 1).reshape({4, 3}).to(DType::Float32).requires_grad_(true);
  Tensor picked = w.index_select(0, tensor_i64({1, 3, 1}, {3}));
  (picked * arange(1, 10, 1).reshape({3, 3}).to(DType::Float32)).sum().backward();
  CHECK(w.grad().to_vector<float>() == std::vector<float>{0, 0, 0, 1 + 7, 2 + 8, 3 + 9, 0, 0, 0, 4, 5, 6});
}

namespace {

// Embedding computed the slow way: one_hot(indices) @ weight, whose backward is a matmul.
Tensor embedding_by_one_hot(const Tensor& indices, const Tensor& weight) {
  Shape out_shape = indices.shape();
  out_shape.push_back(weight.size(1));
  return one_hot(indices.reshape({-1}), weight.size(0)).to(DType::Float32).matmul(weight).reshape(out_shape);
}

}  // namespace

TEST_CASE("embedding: row copies and row gradients match one_hot @ weight", "[row_paths][embedding]") {
  namespace F = kd::nn::functional;
  manual_seed(5);
  Tensor idx = tensor_i64({3, 0, 3, 5, 1, 3}, {2, 3});
  for (int64_t width : {1, 4, 17}) {
    for (bool transposed : {false, true}) {
      INFO("width " << width << (transposed ? ", weight a transposed view" : ""));
      Tensor base = transposed ? randn({width, 6}) : randn({6, width});
      Tensor fast_w = base.clone().requires_grad_(true), slow_w = base.clone().requires_grad_(true);
      Tensor fw = transposed ? fast_w.t() : fast_w, sw = transposed ? slow_w.t() : slow_w;
      Tensor g = randn({2, 3, width});
      Tensor fast = F::embedding(idx, fw);
      Tensor slow = embedding_by_one_hot(idx, sw);
      CHECK(fast.to_vector<float>() == slow.to_vector<float>());  // one_hot picks exactly
      (fast * g).sum().backward();
      (slow * g).sum().backward();
      std::vector<float> a = fast_w.grad().to_vector<float>(), b = slow_w.grad().to_vector<float>();
      for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == Approx(b[i]).margin(1e-6));
    }
  }
}

TEST_CASE("embedding: sparse row gradients with padding and frequency scaling match the dense ones", "[row_paths][embedding]") {
  namespace F = kd::nn::functional;
  manual_seed(6);
  Tensor idx = tensor_i64({2, 0, 2, 4, 2, 1}, {6});
  Tensor g = randn({6, 5});
  for (bool scale : {false, true}) {
    INFO((scale ? "scale_grad_by_freq" : "plain"));
    Tensor dense_w = randn({7, 5}).requires_grad_(true);
    Tensor sparse_w = dense_w.detach().clone().requires_grad_(true);
    (F::embedding(idx, dense_w, 0, std::nullopt, 2, scale, false) * g).sum().backward();
    (F::embedding(idx, sparse_w, 0, std::nullopt, 2, scale, true) * g).sum().backward();
    const SparseGrad& sg = *sparse_w.impl()->sparse_grad;
    CHECK(sg.indices.to_vector<int64_t>() == std::vector<int64_t>{1, 2, 4});  // sorted, padding row 0 left out
    std::vector<float> a = sg.to_dense().to_vector<float>(), b = dense_w.grad().to_vector<float>();
    for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == Approx(b[i]).margin(1e-6));
  }
}

TEST_CASE("sparse gradients: coalesce and add sum rows as the dense gradients do", "[row_paths][sparse]") {
  manual_seed(7);
  const Shape dense_shape{9, 3};
  SparseGrad a{tensor_i64({5, 1, 5, 8}), randn({4, 3}), dense_shape, false};
  SparseGrad b{tensor_i64({1, 0, 1}), randn({3, 3}), dense_shape, false};
  SparseGrad ca = a.coalesce();
  CHECK(ca.coalesced);
  CHECK(ca.indices.to_vector<int64_t>() == std::vector<int64_t>{1, 5, 8});
  CHECK(ca.to_dense().to_vector<float>() == a.to_dense().to_vector<float>());
  SparseGrad again = ca.coalesce();  // already coalesced: the same tensors, no work
  CHECK(again.values.same(ca.values));
  SparseGrad sum = a.add(b);
  CHECK(sum.coalesced);
  CHECK(sum.indices.to_vector<int64_t>() == std::vector<int64_t>{0, 1, 5, 8});
  std::vector<float> got = sum.to_dense().to_vector<float>();
  std::vector<float> want = (a.to_dense() + b.to_dense()).to_vector<float>();
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(want[i]).margin(1e-6));
  CHECK_THROWS_AS(a.add(SparseGrad{tensor_i64({0}), randn({1, 3}), {8, 3}, false}), ShapeError);
}
