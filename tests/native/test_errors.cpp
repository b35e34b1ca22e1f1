// Bad input gets a clear error and loses nothing: one row per bad call, with the error kind and
// a piece of the message (PyTorch's wording where it has one). After each error every input is
// checked to be unchanged: values, version counter and .grad.
#include <catch2/catch.hpp>

#include <functional>

#include "kindling.h"

using namespace kd;

namespace {

// The tensors every row may use. Built fresh for each row.
struct Inputs {
  Tensor a;      // [3, 4] float leaf, requires grad, .grad already set
  Tensor b;      // [3, 4] float
  Tensor h;      // [3, 4] non-leaf (a * 1)
  Tensor v;      // [3] float
  Tensor m3;     // [2, 3, 4] float
  Tensor i64;    // [3, 4] int64
  Tensor idx;    // [2] int64 {0, 2}
  Tensor mask;   // [3, 4] bool
  Tensor e;      // [3, 4] expanded view of v's storage-sharing copy
  Tensor spent;  // a scalar loss that was already backpropagated (graph freed)

  Inputs() {
    a = arange(12.0, TensorOptions(DType::Float32)).view({3, 4}).detach().requires_grad_();
    spent = a.exp().sum();
    spent.backward();  // a.grad is now exp(a)
    b = arange(12.0, TensorOptions(DType::Float32)).view({3, 4}).mul(0.5);
    h = a * 1.0;
    v = tensor({1, 2, 3});
    m3 = ones({2, 3, 4});
    i64 = arange(12.0).view({3, 4});
    idx = tensor_i64({0, 2});
    mask = b.gt(2.0);
    e = tensor({1, 2, 3, 4}).unsqueeze(0).expand({3, 4});
  }
  std::vector<Tensor*> all() { return {&a, &b, &h, &v, &m3, &i64, &idx, &mask, &e, &spent}; }
};

struct Snapshot {
  std::vector<double> values;
  Shape shape;
  uint32_t version;
  bool has_grad;
  std::vector<double> grad;
  bool requires_grad;
};

Snapshot snapshot(const Tensor& t) {
  Snapshot s;
  s.values = t.to_vector<double>();
  s.shape = t.shape();
  s.version = t.version();
  s.has_grad = t.grad().defined();
  if (s.has_grad) s.grad = t.grad().to_vector<double>();
  s.requires_grad = t.requires_grad();
  return s;
}

bool same(const Snapshot& x, const Snapshot& y) {
  return x.values == y.values && x.shape == y.shape && x.version == y.version && x.has_grad == y.has_grad &&
         x.grad == y.grad && x.requires_grad == y.requires_grad;
}

struct Row {
  const char* name;
  std::function<void(Inputs&)> call;
  ErrorKind kind;
  const char* message;
};

const char* kind_name(ErrorKind k) {
  switch (k) {
    case ErrorKind::Index: return "IndexError";
    case ErrorKind::Shape: return "ShapeError";
    case ErrorKind::Value: return "ValueError";
    case ErrorKind::State: return "StateError";
    case ErrorKind::Type: return "TypeError";
    case ErrorKind::Runtime: return "RuntimeError";
  }
  return "?";
}

void run_rows(const std::vector<Row>& rows) {
  for (const Row& r : rows) {
    INFO("row: " << r.name);
    Inputs in;
    std::vector<Snapshot> before;
    for (Tensor* t : in.all()) before.push_back(snapshot(*t));
    bool threw = false;
    try {
      r.call(in);
    } catch (const Error& err) {
      threw = true;
      INFO("message: " << err.what());
      CHECK(kind_name(err.kind()) == std::string(kind_name(r.kind)));
      CHECK(std::string(err.what()).find(r.message) != std::string::npos);
    } catch (const std::exception& err) {
      threw = true;
      FAIL_CHECK("not a kd::Error: " << err.what());
    }
    CHECK(threw);
    std::vector<Tensor*> now = in.all();
    for (size_t i = 0; i < now.size(); ++i) {
      INFO("input #" << i << " changed");
      CHECK(same(before[i], snapshot(*now[i])));
    }
  }
}

}  // namespace

TEST_CASE("errors: dims out of range", "[errors]") {
  const char* range2 = "Dimension out of range (expected to be in range of [-2, 1], but got ";
  run_rows({
      {"sum", [](Inputs& x) { x.a.sum({2}); }, ErrorKind::Index, "Dimension out of range (expected to be in range of [-2, 1], but got 2)"},
      {"sum negative", [](Inputs& x) { x.a.sum({-3}); }, ErrorKind::Index, "but got -3)"},
      {"sum duplicate dims", [](Inputs& x) { x.a.sum({0, -2}); }, ErrorKind::Shape, "dim 0 appears multiple times in the list of dims"},
      {"mean", [](Inputs& x) { x.b.mean({5}); }, ErrorKind::Index, range2},
      {"max dim", [](Inputs& x) { x.a.max(2); }, ErrorKind::Index, range2},
      {"min dim", [](Inputs& x) { x.a.min(-3); }, ErrorKind::Index, range2},
      {"argmax", [](Inputs& x) { x.b.argmax(4); }, ErrorKind::Index, range2},
      {"var", [](Inputs& x) { x.a.var(Shape{2}); }, ErrorKind::Index, range2},
      {"std", [](Inputs& x) { x.a.std(Shape{-3}); }, ErrorKind::Index, range2},
      {"norm", [](Inputs& x) { x.a.norm(2, Shape{3}); }, ErrorKind::Index, range2},
      {"softmax", [](Inputs& x) { x.a.softmax(2); }, ErrorKind::Index, range2},
      {"log_softmax", [](Inputs& x) { x.h.log_softmax(-3); }, ErrorKind::Index, range2},
      {"transpose", [](Inputs& x) { x.a.transpose(0, 2); }, ErrorKind::Index, range2},
      {"permute", [](Inputs& x) { x.a.permute({0, 2}); }, ErrorKind::Index, range2},
      {"unsqueeze", [](Inputs& x) { x.a.unsqueeze(3); }, ErrorKind::Index, "expected to be in range of [-3, 2], but got 3"},
      {"squeeze", [](Inputs& x) { x.a.squeeze(2); }, ErrorKind::Index, range2},
      {"flatten", [](Inputs& x) { x.a.flatten(0, 2); }, ErrorKind::Index, range2},
      {"narrow", [](Inputs& x) { x.a.narrow(2, 0, 1); }, ErrorKind::Index, range2},
      {"select", [](Inputs& x) { x.a.select(-3, 0); }, ErrorKind::Index, range2},
      {"slice", [](Inputs& x) { x.a.slice(2, 0, 1); }, ErrorKind::Index, range2},
      {"cat", [](Inputs& x) { cat({x.a, x.b}, 2); }, ErrorKind::Index, range2},
      {"stack", [](Inputs& x) { stack({x.a, x.b}, 3); }, ErrorKind::Index, "expected to be in range of [-3, 2], but got 3"},
      {"index_select", [](Inputs& x) { x.a.index_select(2, x.idx); }, ErrorKind::Index, range2},
      {"gather", [](Inputs& x) { x.a.gather(2, x.i64.clamp(0, 2)); }, ErrorKind::Index, range2},
      {"scatter_add", [](Inputs& x) { x.b.scatter_add(-3, x.i64.clamp(0, 2), x.b); }, ErrorKind::Index, range2},
      {"size()", [](Inputs& x) { x.a.size(2); }, ErrorKind::Index, range2},
  });
}

TEST_CASE("errors: bad indices", "[errors]") {
  run_rows({
      {"index_select too large", [](Inputs& x) { x.a.index_select(0, tensor_i64({0, 3})); }, ErrorKind::Index,
       "index out of range in self"},
      {"index_select negative", [](Inputs& x) { x.a.index_select(1, tensor_i64({-1})); }, ErrorKind::Index,
       "index out of range in self"},
      {"index_select 2-d index", [](Inputs& x) { x.a.index_select(0, tensor_i64({0, 1}, {1, 2})); }, ErrorKind::Shape,
       "Index is supposed to be a vector"},
      {"gather too large", [](Inputs& x) { x.a.gather(1, tensor_i64({5}, {1, 1})); }, ErrorKind::Index,
       "index 5 is out of bounds for dimension 1 with size 4"},
      {"gather negative", [](Inputs& x) { x.a.gather(0, tensor_i64({-1}, {1, 1})); }, ErrorKind::Index,
       "index -1 is out of bounds for dimension 0 with size 3"},
      {"gather index rank", [](Inputs& x) { x.a.gather(0, tensor_i64({0})); }, ErrorKind::Shape,
       "Index tensor must have the same number of dimensions as input tensor"},
      {"gather index larger than self", [](Inputs& x) { x.a.gather(0, zeros({1, 5}, DType::Int64)); }, ErrorKind::Shape,
       "Size does not match at dimension 1"},
      {"scatter_add too large", [](Inputs& x) { x.h.scatter_add(0, tensor_i64({3}, {1, 1}), ones({1, 1})); },
       ErrorKind::Index, "index 3 is out of bounds for dimension 0 with size 3"},
      {"scatter_add index rank", [](Inputs& x) { x.b.scatter_add(0, x.idx, x.b); }, ErrorKind::Shape,
       "Index tensor must have the same number of dimensions as self tensor"},
      {"scatter_add index larger than src", [](Inputs& x) { x.b.scatter_add(0, zeros({2, 2}, DType::Int64), ones({1, 2})); },
       ErrorKind::Shape, "to be smaller than src"},
      {"select", [](Inputs& x) { x.a.select(1, 4); }, ErrorKind::Index,
       "select(): index 4 out of range for tensor of size [3, 4] at dimension 1"},
      {"operator[] negative", [](Inputs& x) { x.h[-4]; }, ErrorKind::Index, "select(): index -4 out of range"},
      {"narrow length", [](Inputs& x) { x.a.narrow(0, 1, 3); }, ErrorKind::Shape, "start (1) + length (3) exceeds dimension size (3)."},
      {"narrow start", [](Inputs& x) { x.a.narrow(1, 5, 0); }, ErrorKind::Index,
       "Dimension out of range (expected to be in range of [-4, 3], but got 5)"},
      {"narrow start below", [](Inputs& x) { x.a.narrow(1, -5, 1); }, ErrorKind::Index,
       "Dimension out of range (expected to be in range of [-4, 3], but got -5)"},
      {"one_hot negative", [](Inputs& x) { one_hot(tensor_i64({1, -1}), 3); }, ErrorKind::Runtime, "Class values must be non-negative."},
      {"one_hot too large", [](Inputs& x) { one_hot(tensor_i64({3}), 3); }, ErrorKind::Runtime,
       "Class values must be smaller than num_classes."},
      {"one_hot num_classes -2", [](Inputs& x) { one_hot(tensor_i64({0, 1}), -2); }, ErrorKind::Runtime,
       "Class values must be smaller than num_classes."},
      {"one_hot empty, inferred", [](Inputs& x) { one_hot(zeros({0}, DType::Int64)); }, ErrorKind::Runtime,
       "Can not infer total number of classes from empty tensor."},
      {"as_strided past the storage", [](Inputs& x) { x.a.as_strided({3, 4}, {4, 1}, 1); }, ErrorKind::Index, "setStorage"},
  });
}

TEST_CASE("errors: shape mismatches", "[errors]") {
  run_rows({
      {"add broadcast", [](Inputs& x) { x.a + x.v; }, ErrorKind::Shape,
       "size of tensor a (4) must match the size of tensor b (3) at non-singleton dimension 1"},
      {"mul broadcast", [](Inputs& x) { x.m3 * x.v; }, ErrorKind::Shape, "must match the size of tensor b (3)"},
      {"sub broadcast", [](Inputs& x) { sub(x.a, ones({2, 4})); }, ErrorKind::Shape, "at non-singleton dimension 0"},
      {"div broadcast", [](Inputs& x) { x.h / x.v; }, ErrorKind::Shape, "must match"},
      {"pow broadcast", [](Inputs& x) { x.a.pow(x.v); }, ErrorKind::Shape, "must match"},
      {"comparison broadcast", [](Inputs& x) { x.a.lt(x.v); }, ErrorKind::Shape, "must match"},
      {"where broadcast", [](Inputs& x) { where(x.mask, x.a, x.v); }, ErrorKind::Shape, "must match"},
      {"masked_fill mask", [](Inputs& x) { x.a.masked_fill(tensor_bool({true, false, true}, {3}), 0); }, ErrorKind::Shape, "must match"},
      {"masked_fill mask larger than self", [](Inputs& x) { x.v.masked_fill(x.mask.narrow(1, 0, 3), 0); }, ErrorKind::Shape,
       "cannot be broadcast to the tensor's shape"},
      {"mm inner", [](Inputs& x) { x.a.mm(x.b); }, ErrorKind::Shape, "mat1 and mat2 shapes cannot be multiplied (3x4 and 3x4)"},
      {"mm 1-d", [](Inputs& x) { x.v.mm(x.a); }, ErrorKind::Shape, "self must be a matrix"},
      {"mm 3-d", [](Inputs& x) { x.a.mm(x.m3); }, ErrorKind::Shape, "mat2 must be a matrix"},
      {"bmm inner", [](Inputs& x) { x.m3.bmm(x.m3); }, ErrorKind::Shape,
       "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [2, 3]."},
      {"bmm batch", [](Inputs& x) { x.m3.bmm(ones({3, 4, 2})); }, ErrorKind::Shape, "Expected size for first two dimensions"},
      {"bmm 2-d", [](Inputs& x) { x.a.bmm(x.m3); }, ErrorKind::Shape, "batch1 must be a 3D tensor"},
      {"matmul 1-d", [](Inputs& x) { x.v.matmul(ones({4})); }, ErrorKind::Shape,
       "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements"},
      {"matmul 2x2", [](Inputs& x) { x.a.matmul(x.b); }, ErrorKind::Shape, "mat1 and mat2 shapes cannot be multiplied (3x4 and 3x4)"},
      {"matmul 1x2", [](Inputs& x) { x.v.matmul(x.b.t()); }, ErrorKind::Shape, "cannot be multiplied"},
      {"matmul 3x2", [](Inputs& x) { x.m3.matmul(x.b); }, ErrorKind::Shape, "cannot be multiplied"},
      {"matmul 3x3 batch", [](Inputs& x) { x.m3.matmul(ones({3, 4, 5})); }, ErrorKind::Shape,
       "size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0"},
      {"matmul 0-d", [](Inputs& x) { scalar_tensor(1).matmul(x.v); }, ErrorKind::Shape, "both arguments to matmul need to be at least 1D"},
      {"cat sizes", [](Inputs& x) { cat({x.a, ones({3, 3})}, 0); }, ErrorKind::Shape,
       "Sizes of tensors must match except in dimension 0. Expected size 4 but got size 3 for tensor number 1 in the list."},
      {"cat ranks", [](Inputs& x) { cat({x.a, x.v}); }, ErrorKind::Shape, "Tensors must have same number of dimensions: got 2 and 1"},
      {"cat 0-d", [](Inputs& x) { cat({scalar_tensor(1), scalar_tensor(2)}); }, ErrorKind::Shape,
       "zero-dimensional tensor (at position 0) cannot be concatenated"},
      {"cat empty", [](Inputs& x) { cat({}); }, ErrorKind::Value, "expected a non-empty list of Tensors"},
      {"stack sizes", [](Inputs& x) { stack({x.a, ones({3, 3})}); }, ErrorKind::Shape,
       "stack expects each tensor to be equal size, but got [3, 4] at entry 0 and [3, 3] at entry 1"},
      {"stack empty", [](Inputs& x) { stack({}); }, ErrorKind::Value, "stack expects a non-empty TensorList"},
      {"view", [](Inputs& x) { x.a.view({5, -1}); }, ErrorKind::Shape, "shape '[5, -1]' is invalid for input of size 12"},
      {"view non-contiguous", [](Inputs& x) { x.a.t().view({12}); }, ErrorKind::Shape,
       "view size is not compatible with input tensor's size and stride"},
      {"reshape", [](Inputs& x) { x.h.reshape({7}); }, ErrorKind::Shape, "shape '[7]' is invalid for input of size 12"},
      {"expand", [](Inputs& x) { x.v.expand({3, 4}); }, ErrorKind::Shape,
       "The expanded size of the tensor (4) must match the existing size (3) at non-singleton dimension 1"},
      {"copy_ broadcast", [](Inputs& x) { x.h.copy_(ones({5})); }, ErrorKind::Shape, "must match"},
      {"copy_ larger source", [](Inputs& x) { x.h.copy_(x.m3); }, ErrorKind::Shape, "doesn't match the broadcast shape"},
      {"add_ broadcast output", [](Inputs& x) { x.h.add_(x.m3); }, ErrorKind::Shape,
       "output with shape [3, 4] doesn't match the broadcast shape [2, 3, 4]"},
      {"mul_ broadcast output", [](Inputs& x) { x.b.mul_(x.m3); }, ErrorKind::Shape, "doesn't match the broadcast shape"},
      {"set_grad shape", [](Inputs& x) { x.a.set_grad(ones({4, 3})); }, ErrorKind::Shape, "assigned grad has data of a different size"},
      {"tensor values", [](Inputs& x) { tensor({1, 2, 3}, {2, 2}); }, ErrorKind::Shape, "needs 4 values but got 3"},
  });
}

TEST_CASE("errors: dtype errors", "[errors]") {
  run_rows({
      {"requires_grad on int64", [](Inputs& x) { x.i64.requires_grad_(); }, ErrorKind::State,
       "only Tensors of floating point dtype can require gradients"},
      {"mean of int64", [](Inputs& x) { x.i64.mean(); }, ErrorKind::Type, "mean(): could not infer output dtype"},
      {"var of int64", [](Inputs& x) { x.i64.var(); }, ErrorKind::Type, "var(): expected a float32 tensor"},
      {"norm of int64", [](Inputs& x) { x.i64.norm(); }, ErrorKind::Type, "norm(): input dtype should be float32"},
      {"exp of int64", [](Inputs& x) { x.i64.exp(); }, ErrorKind::Type, "exp: expected a float32 tensor"},
      {"index_select float index", [](Inputs& x) { x.a.index_select(0, x.v); }, ErrorKind::Type, "Expected dtype int64 for index"},
      {"index_select bool index", [](Inputs& x) { x.a.index_select(0, tensor_bool({true}, {1})); }, ErrorKind::Type,
       "Expected dtype int64 for index"},
      {"gather float index", [](Inputs& x) { x.a.gather(0, x.b); }, ErrorKind::Type, "Expected dtype int64 for index"},
      {"scatter_add float index", [](Inputs& x) { x.b.scatter_add(0, x.b, x.b); }, ErrorKind::Type, "Expected dtype int64 for index"},
      {"scatter_add src dtype", [](Inputs& x) { x.b.scatter_add(0, x.i64.clamp(0, 2), x.i64); }, ErrorKind::Type,
       "Expected self.dtype to be equal to src.dtype"},
      {"where condition", [](Inputs& x) { where(x.b, x.a, x.b); }, ErrorKind::Type, "where expected condition to be a boolean tensor"},
      {"masked_fill mask", [](Inputs& x) { x.a.masked_fill(x.i64, 0); }, ErrorKind::Type, "only supports boolean masks"},
      {"masked_fill_ mask", [](Inputs& x) { x.h.masked_fill_(x.b, 0); }, ErrorKind::Type, "only supports boolean masks"},
      {"mm int64", [](Inputs& x) { x.i64.mm(x.i64.t()); }, ErrorKind::Type, "mm: expected float32 tensors"},
      {"bmm int64", [](Inputs& x) { x.m3.to(DType::Int64).bmm(x.m3.transpose(1, 2)); }, ErrorKind::Type, "bmm: expected float32"},
      {"one_hot float", [](Inputs& x) { one_hot(x.v, 4); }, ErrorKind::Type, "one_hot is only applicable to index tensor"},
      {"add_ float into int64", [](Inputs& x) { x.i64.add_(x.b); }, ErrorKind::Type,
       "add_: result type Float can't be cast to the desired output type Long"},
      {"mul_ float into bool", [](Inputs& x) { x.mask.mul_(x.b); }, ErrorKind::Type, "mul_: result type Float can't be cast to the desired output type Bool"},
      {"sub of bools", [](Inputs& x) { x.mask - x.mask; }, ErrorKind::Type, "Subtraction, the `-` operator, with two bool tensors"},
      {"neg of bool", [](Inputs& x) { -x.mask; }, ErrorKind::Type, "Negation, the `-` operator, on a bool tensor"},
      {"data<float> of int64", [](Inputs& x) { x.i64.data<float>(); }, ErrorKind::Type, "expected a tensor of dtype float32"},
      {"set_grad dtype", [](Inputs& x) { x.a.set_grad(zeros({3, 4}, DType::Int64)); }, ErrorKind::Type,
       "assigned grad has data of a different type"},
      {"randn int64", [](Inputs& x) { randn({2}, DType::Int64); }, ErrorKind::Type, "randn: only float32"},
  });
}

TEST_CASE("errors: state errors", "[errors]") {
  run_rows({
      {"in-place on a leaf that requires grad", [](Inputs& x) { x.a.add_(1.0); }, ErrorKind::State,
       "a leaf Variable that requires grad is being used in an in-place operation."},
      {"in-place on a view of such a leaf", [](Inputs& x) { x.a[0].zero_(); }, ErrorKind::State,
       "a view of a leaf Variable that requires grad is being used in an in-place operation."},
      {"copy_ into a leaf", [](Inputs& x) { x.a.copy_(x.b); }, ErrorKind::State, "a leaf Variable that requires grad"},
      {"in-place on an expanded tensor", [](Inputs& x) { x.e.add_(1.0); }, ErrorKind::State,
       "unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please "
       "clone() the tensor before performing the operation."},
      {"fill_ on an expanded tensor", [](Inputs& x) { x.e.fill_(0); }, ErrorKind::State, "more than one element"},
      {"copy_ into an expanded tensor", [](Inputs& x) { x.e.copy_(x.b); }, ErrorKind::State, "more than one element"},
      {"in-place on an expanded tensor under no_grad", [](Inputs& x) { NoGradGuard g; x.e.mul_(2.0); }, ErrorKind::State,
       "more than one element"},
      {"backward twice", [](Inputs& x) { x.spent.backward(); }, ErrorKind::State, "Trying to backward through the graph a second time"},
      {"backward without grad", [](Inputs& x) { x.b.sum().backward(); }, ErrorKind::State,
       "element 0 of tensors does not require grad and does not have a grad_fn"},
      {"backward of non-scalar", [](Inputs& x) { x.h.backward(); }, ErrorKind::State, "grad can be implicitly created only for scalar outputs"},
      {"backward gradient shape", [](Inputs& x) { x.h.backward(ones({4, 3})); }, ErrorKind::Shape, "Mismatch in shape"},
      {"saved value modified", [](Inputs& x) { Tensor y = x.h.exp(); y.add_(1.0); y.sum().backward(); }, ErrorKind::State,
       "modified by an inplace operation"},
      {"retain_grad without requires_grad", [](Inputs& x) { x.b.retain_grad(); }, ErrorKind::State,
       "can't retain_grad on Tensor that has requires_grad=False"},
      {"requires_grad_(false) on a non-leaf", [](Inputs& x) { x.h.requires_grad_(false); }, ErrorKind::State,
       "you can only change requires_grad flags of leaf variables"},
      {"undefined tensor", [](Inputs& x) { Tensor().shape(); }, ErrorKind::State, "tensor is undefined"},
      {"undefined operand", [](Inputs& x) { x.a + Tensor(); }, ErrorKind::State, "tensor is undefined"},
      {"copy_ from itself", [](Inputs& x) { x.b.copy_(x.b); }, ErrorKind::Value, "source and destination are the same tensor"},
  });
}

TEST_CASE("errors: bad values", "[errors]") {
  run_rows({
      {"item of many", [](Inputs& x) { x.a.item(); }, ErrorKind::Value, "a Tensor with 12 elements cannot be converted to Scalar"},
      {"max of empty", [](Inputs& x) { zeros({0}).max(); }, ErrorKind::Index,
       "max(): Expected reduction dim to be specified for input.numel() == 0."},
      {"argmin of empty dim", [](Inputs& x) { zeros({2, 0}).argmin(1); }, ErrorKind::Index, "to have non-zero size"},
      {"clamp without bounds", [](Inputs& x) { x.a.clamp(std::nullopt, std::nullopt); }, ErrorKind::Value,
       "torch.clamp: At least one of 'min' or 'max' must not be None"},
      {"normal_ negative std", [](Inputs& x) { x.b.normal_(0, -1); }, ErrorKind::Value, "normal_ expects std >= 0.0, but found std -1"},
      {"uniform_ reversed", [](Inputs& x) { x.b.uniform_(1, 0); }, ErrorKind::Value, "uniform_ expects to return a [from, to) range"},
      {"arange step 0", [](Inputs& x) { arange(0, 1, 0); }, ErrorKind::Value, "step must be nonzero"},
      {"arange wrong direction", [](Inputs& x) { arange(0, 5, -1); }, ErrorKind::Value, "upper bound and larger bound inconsistent with step sign"},
      {"linspace negative steps", [](Inputs& x) { linspace(0, 1, -1); }, ErrorKind::Value, "number of steps must be non-negative"},
      {"randint empty range", [](Inputs& x) { randint(3, 3, {2}); }, ErrorKind::Value,
       "random_ expects 'from' to be less than 'to', but got from=3 >= to=3"},
      {"randperm negative", [](Inputs& x) { randperm(-1); }, ErrorKind::Value, "randperm: n must be non-negative"},
      {"zeros negative dim", [](Inputs& x) { zeros({2, -1}); }, ErrorKind::Value, "Trying to create tensor with negative dimension -1: [2, -1]"},
      {"eye negative", [](Inputs& x) { eye(-2); }, ErrorKind::Value, "n must be greater or equal to 0, got -2"},
      {"slice step 0", [](Inputs& x) { x.a.slice(0, 0, 2, 0); }, ErrorKind::Value, "slice step must be positive"},
      {"flatten reversed", [](Inputs& x) { x.a.flatten(1, 0); }, ErrorKind::Value, "start_dim cannot come after end_dim"},
  });
}

TEST_CASE("errors: a fractional alpha with integer tensors", "[errors]") {
  Tensor a = arange(3), b = arange(3);
  CHECK_THROWS_AS(add(a, b, 0.5), Error);
  CHECK_THROWS_AS(sub(a, b, 1.5), Error);
  CHECK(add(a, b, 2).to_vector<int64_t>() == std::vector<int64_t>{0, 3, 6});
  CHECK(add(a.to(DType::Float32), b, 0.5).to_vector<float>() == std::vector<float>{0, 1.5f, 3});
}
