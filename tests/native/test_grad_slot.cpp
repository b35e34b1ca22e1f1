// A parameter's one gradient slot, dense or row-sparse, as in PyTorch 1.13: assigning a sparse
// gradient (torch's `p.grad = torch.sparse_coo_tensor(...)`, with its checks and messages),
// assigning a dense one replacing it, and zero_grad emptying a sparse gradient in place
// (torch's sparse zero_(): no rows, the same object) or dropping it with set_to_none.
#include <catch2/catch.hpp>

#include <functional>

#include "kindling.h"

using namespace kd;

TEST_CASE("grad slot: a sparse gradient set by hand drives the optimizers as an Embedding's does", "[sparse][optim]") {
  Tensor w = zeros({5, 3}).requires_grad_();
  Tensor values = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  set_sparse_grad(w, tensor_i64({4, 1}), values);
  CHECK_FALSE(w.grad().defined());
  REQUIRE(w.impl()->sparse_grad);
  CHECK(w.impl()->sparse_grad->values.same(values));  // shared, as torch shares
  optim::SGD sgd({w}, optim::SGDOptions(1.0));
  sgd.step();
  CHECK(w.select(0, 4).to_vector<float>() == std::vector<float>{-1, -2, -3});
  CHECK(w.select(0, 1).to_vector<float>() == std::vector<float>{-4, -5, -6});
  CHECK(w.select(0, 0).to_vector<float>() == std::vector<float>{0, 0, 0});

  // zero_grad empties it in place; the parameter still has a (row-less) gradient.
  std::shared_ptr<SparseGrad> held = w.impl()->sparse_grad;
  sgd.zero_grad();
  REQUIRE(w.impl()->sparse_grad == held);
  CHECK(held->indices.numel() == 0);
  CHECK(held->values.shape() == Shape{0, 3});
  sgd.step();  // no rows: nothing moves
  CHECK(w.select(0, 4).to_vector<float>() == std::vector<float>{-1, -2, -3});
  sgd.zero_grad(/*set_to_none=*/true);
  CHECK_FALSE(w.impl()->sparse_grad);

  // A dense gradient replaces a sparse one, and the other way round.
  set_sparse_grad(w, tensor_i64({0}), ones({1, 3}));
  w.set_grad(ones({5, 3}));
  CHECK_FALSE(w.impl()->sparse_grad);
  set_sparse_grad(w, tensor_i64({0}), ones({1, 3}));
  CHECK_FALSE(w.grad().defined());
  w.set_grad(Tensor());
  CHECK_FALSE(w.impl()->sparse_grad);
}

TEST_CASE("grad slot: a bad sparse gradient raises torch's message and changes nothing", "[sparse][errors]") {
  Tensor w = zeros({5, 3}).requires_grad_();
  w.set_grad(ones({5, 3}));
  struct Row {
    std::function<void()> set;
    ErrorKind kind;
    const char* message;
  };
  const std::vector<Row> rows = {
      {[&] { set_sparse_grad(w, tensor_i64({7}), ones({1, 3})); }, ErrorKind::Index,
       "size is inconsistent with indices: for dim 0, size is 5 but found index 7"},
      {[&] { set_sparse_grad(w, tensor_i64({-1}), ones({1, 3})); }, ErrorKind::Index, "found negative index -1 for dim 0"},
      {[&] { set_sparse_grad(w, tensor_i64({1, 2}), ones({1, 3})); }, ErrorKind::Shape,
       "indices and values must have same nnz, but got nnz from indices: 2, nnz from values: 1"},
      {[&] { set_sparse_grad(w, tensor_i64({1}), ones({1, 4})); }, ErrorKind::Shape,
       "values has incorrect size, expected [1, 3], got [1, 4]"},
      {[&] { set_sparse_grad(w, tensor_i64({1}), ones({1, 3}), Shape{6, 3}); }, ErrorKind::Shape,
       "assigned grad has data of a different size"},
      {[&] { set_sparse_grad(w, tensor_i64({1}), ones({1, 3}, DType::Int64)); }, ErrorKind::Type,
       "assigned grad has data of a different type"},
      {[&] { set_sparse_grad(w, tensor({1}), ones({1, 3})); }, ErrorKind::Type, "sparse gradient indices must be int64, got float32"},
      {[&] { set_sparse_grad(w, tensor_i64({1}, {1, 1}), ones({1, 3})); }, ErrorKind::Shape,
       "sparse gradient indices must be 1-D (one row number per value row), got shape [1, 1]"},
  };
  for (const Row& row : rows) {
    INFO(row.message);
    try {
      row.set();
      FAIL("did not raise");
    } catch (const Error& e) {
      CHECK(e.kind() == row.kind);
      CHECK(std::string(e.what()) == row.message);
    }
    CHECK(w.grad().defined());
    CHECK_FALSE(w.impl()->sparse_grad);
  }
}
