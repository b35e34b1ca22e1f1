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
