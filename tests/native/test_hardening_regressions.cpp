// Regressions found by the property tests (tests/property/) and the fuzzers (tests/fuzz/): each
// input that once broke an invariant, with what must happen instead.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "kindling.h"

using namespace kd;

TEST_CASE("regression: matmul of a batched operand with no elements (property test)", "[regression]") {
  // a.reshape({-1, K}) was ambiguous with zero elements: ShapeError "shape '[-1, 0]' is invalid".
  CHECK(ones({1, 0, 0}).matmul(ones({0, 0})).shape() == Shape{1, 0, 0});
  CHECK(ones({2, 0, 3}).matmul(ones({3, 4})).shape() == Shape{2, 0, 4});
  CHECK(ones({0, 2, 3}).matmul(ones({3})).shape() == Shape{0, 2});
  Tensor a = ones({2, 1, 0}).requires_grad_();
  Tensor out = a.matmul(ones({0, 3}));
  CHECK(out.shape() == Shape{2, 1, 3});
  CHECK(out.to_vector<float>() == std::vector<float>(6, 0.0f));
  out.sum().backward();
  CHECK(a.grad().shape() == Shape{2, 1, 0});
}

TEST_CASE("regression: optimizer options read from JSON are validated, and nothing changes on error (fuzz_options)",
          "[regression]") {
  // from_json used to accept {"lr": -1}: the error came only later, from the optimizer.
  optim::SGDOptions sgd(0.1);
  CHECK_THROWS_WITH(sgd.from_json(parse_json(R"({"lr": -1})"), false), "Invalid learning rate: -1.0");
  CHECK(sgd.lr() == 0.1);
  optim::AdamOptions adam;
  CHECK_THROWS_WITH(adam.from_json(parse_json(R"({"lr": 0.5, "betas": [1.5, 0.9]})"), false),
                    "Invalid beta parameter at index 0: 1.5");
  CHECK(adam.lr() == 1e-3);
  adam.from_json(parse_json(R"({"lr": 0.5, "betas": [0.5, 0.9]})"), false);
  CHECK(adam.lr() == 0.5);
  CHECK(adam.betas().first == 0.5);
}

TEST_CASE("regression: float32 -> int64 of NaN, infinities and out-of-range values is defined (fuzz_tensor_data)",
          "[regression]") {
  // A plain static_cast was undefined behaviour (UBSan: "9.07638e+32 is outside the range of
  // representable values of type 'long'"); now INT64_MIN, as PyTorch on x86.
  const int64_t indefinite = std::numeric_limits<int64_t>::min();
  Tensor x = tensor({9.07638e32f, -1e30f, NAN, INFINITY, -INFINITY, 9223372036854775808.0f, -9223372036854775808.0f,
                     -2.75f, 16777216.0f});
  CHECK(x.to(DType::Int64).to_vector<int64_t>() ==
        std::vector<int64_t>{indefinite, indefinite, indefinite, indefinite, indefinite, indefinite, indefinite, -2,
                             16777216});
}

TEST_CASE("regression: an int64 sum that overflows wraps around, as PyTorch's (fuzz_tensor_data)", "[regression]") {
  // std::accumulate over int64 overflowed: undefined behaviour (UBSan: "signed integer overflow").
  const int64_t big = std::numeric_limits<int64_t>::max();
  CHECK(tensor_i64({big, 1}).sum().item<int64_t>() == std::numeric_limits<int64_t>::min());
  CHECK(tensor_i64({-6052837900595200000, -6052837900595200000}, {1, 2}).sum({1}).to_vector<int64_t>() ==
        std::vector<int64_t>{6341068272519151616});
  CHECK(tensor_i64({1, 2, 3}).sum().item<int64_t>() == 6);
}

TEST_CASE("regression: the element count of a huge expanded view saturates instead of overflowing (ASan/UBSan suite)",
          "[regression]") {
  // shape_numel multiplied int64 sizes unchecked: UBSan "signed integer overflow" in
  // is_contiguous() of ones({1}).expand({2^21, 2^21, 2^21}).
  const int64_t big = int64_t{1} << 21;
  Tensor view = ones({1}).expand({big, big, big});
  CHECK(view.numel() == std::numeric_limits<int64_t>::max());
  CHECK_FALSE(view.is_contiguous());
  CHECK(shape_numel({big, big, big, 0}) == 0);
  CHECK(shape_numel({big, big}) == big * big);
  CHECK(contiguous_strides({big, big, big, 2}).front() == 2 * big * big);
  CHECK(contiguous_strides({big, big, big, big, 2}).front() == std::numeric_limits<int64_t>::max());
}
