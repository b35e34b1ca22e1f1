// View semantics: storage sharing, contiguity, view vs reshape, -1 inference, the index rules
// of squeeze/unsqueeze/expand/narrow/select/slice, and shared version counters.
#include <catch2/catch.hpp>

#include <functional>

#include "kindling.h"

using namespace kd;

namespace {

Tensor arange12() { return arange(12.0, TensorOptions(DType::Float32)).view({3, 4}); }

bool shares_storage(const Tensor& a, const Tensor& b) { return a.impl()->storage == b.impl()->storage; }

template <typename Fn>
std::string error_message(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

template <typename Fn>
ErrorKind error_kind(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind();
  }
  FAIL("expected an error");
  return ErrorKind::Value;
}

}  // namespace

TEST_CASE("views: every view op shares storage with its base", "[views]") {
  Tensor base = arange12();
  const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> views = {
      {"view", [](const Tensor& t) { return t.view({2, 6}); }},
      {"reshape (contiguous)", [](const Tensor& t) { return t.reshape({6, 2}); }},
      {"flatten", [](const Tensor& t) { return t.flatten(); }},
      {"transpose", [](const Tensor& t) { return t.transpose(0, 1); }},
      {"permute", [](const Tensor& t) { return t.permute({1, 0}); }},
      {"t", [](const Tensor& t) { return t.t(); }},
      {"unsqueeze", [](const Tensor& t) { return t.unsqueeze(0); }},
      {"squeeze", [](const Tensor& t) { return t.unsqueeze(1).squeeze(); }},
      {"expand", [](const Tensor& t) { return t.unsqueeze(0).expand({2, 3, 4}); }},
      {"narrow", [](const Tensor& t) { return t.narrow(1, 1, 2); }},
      {"select", [](const Tensor& t) { return t.select(1, 3); }},
      {"slice", [](const Tensor& t) { return t.slice(1, 0, std::nullopt, 2); }},
      {"as_strided", [](const Tensor& t) { return t.as_strided({2, 2}, {1, 4}, 5); }},
      {"contiguous (already)", [](const Tensor& t) { return t.contiguous(); }},
  };
  for (const auto& [name, make] : views) {
    INFO(name);
    Tensor v = make(base);
    CHECK(shares_storage(v, base));
  }
}

TEST_CASE("views: writes through a view reach the base and vice versa", "[views]") {
  Tensor base = arange12();
  Tensor row = base[1];
  row.fill_(-1);
  CHECK(base.to_vector<float>() == std::vector<float>{0, 1, 2, 3, -1, -1, -1, -1, 8, 9, 10, 11});

  Tensor col = base.select(1, 2);
  col.add_(100);
  CHECK(base.to_vector<float>() == std::vector<float>{0, 1, 102, 3, -1, -1, 99, -1, 8, 9, 110, 11});

  Tensor strided = base.slice(1, 1, std::nullopt, 2);  // columns 1 and 3
  strided.zero_();
  CHECK(base.to_vector<float>() == std::vector<float>{0, 0, 102, 0, -1, 0, 99, 0, 8, 0, 110, 0});

  // Base to view: an in-place op on the base is visible in views made earlier.
  Tensor tv = base.t();
  base.mul_(2);
  CHECK(tv.to_vector<float>() == std::vector<float>{0, -2, 16, 0, 0, 0, 204, 198, 220, 0, 0, 0});
  CHECK(row.to_vector<float>() == std::vector<float>{-2, 0, 198, 0});

  // A view of a view writes into the original storage too.
  base.t().narrow(0, 0, 1).select(1, 2).fill_(7);  // element [2, 0]
  CHECK(base.to_vector<float>()[8] == 7);

  // copy_ into a transposed view.
  Tensor b2 = zeros({2, 3});
  b2.t().copy_(tensor({1, 2, 3, 4, 5, 6}, {3, 2}));
  CHECK(b2.to_vector<float>() == std::vector<float>{1, 3, 5, 2, 4, 6});
}

TEST_CASE("views: is_contiguous rules", "[views]") {
  Tensor a = arange12();
  struct Row {
    const char* name;
    Tensor t;
    bool contiguous;
  };
  const std::vector<Row> rows = {
      {"fresh", a, true},
      {"transposed", a.t(), false},
      {"transposed twice", a.t().t(), true},
      {"row select", a[1], true},
      {"column select", a.select(1, 1), false},
      {"narrow dim 0", a.narrow(0, 1, 2), true},
      {"narrow dim 1", a.narrow(1, 1, 2), false},
      {"narrow dim 1 width 1", a.narrow(1, 1, 1), false},
      {"slice step 2", a.slice(1, 0, std::nullopt, 2), false},
      {"expand", a[0].unsqueeze(0).expand({3, 4}), false},
      {"expand of size-1 dim to 1", a[0].unsqueeze(0).expand({1, 4}), true},
      {"unsqueeze (size-1 stride is ignored)", a.unsqueeze(1), true},
      {"permute identity", a.permute({0, 1}), true},
      {"0-d", scalar_tensor(3), true},
      {"empty, transposed", zeros({0, 3}).t(), true},
      {"clone of transposed", a.t().clone(), true},
      {"contiguous of transposed", a.t().contiguous(), true},
  };
  for (const Row& r : rows) {
    INFO(r.name << " shape " << shape_str(r.t.shape()) << " strides " << shape_str(r.t.strides()));
    CHECK(r.t.is_contiguous() == r.contiguous);
  }
  CHECK(a.t().strides() == Shape{1, 4});
  CHECK(a.narrow(1, 1, 2).storage_offset() == 1);
  CHECK(a.select(0, 2).storage_offset() == 8);
}

TEST_CASE("views: view on a transposed tensor raises, reshape copies only when needed", "[views]") {
  Tensor a = arange12();
  Tensor t = a.t();
  std::string msg = error_message([&] { t.view({12}); });
  CHECK(msg.find("view size is not compatible with input tensor's size and stride") != std::string::npos);
  CHECK(msg.find("Use .reshape(...) instead.") != std::string::npos);
  CHECK(error_kind([&] { t.view({12}); }) == ErrorKind::Shape);

  // A view that does not merge the transposed dims is fine.
  Tensor split = t.view({2, 2, 3});
  CHECK(shares_storage(split, a));
  CHECK(split.to_vector<float>() == t.to_vector<float>());

  Tensor r = t.reshape({12});
  CHECK_FALSE(shares_storage(r, a));  // had to copy
  CHECK(r.to_vector<float>() == std::vector<float>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});
  CHECK(r.is_contiguous());
  a.fill_(0);
  CHECK(r.to_vector<float>()[1] == 4);  // a copy does not follow the base

  Tensor b = arange12();
  Tensor rv = b.reshape({2, 6});
  CHECK(shares_storage(rv, b));  // no copy needed
  Tensor row_view = b.narrow(0, 1, 2).reshape({8});  // contiguous rows: still a view
  CHECK(shares_storage(row_view, b));
  Tensor col_copy = b.narrow(1, 1, 2).reshape({6});  // strided columns: a copy
  CHECK_FALSE(shares_storage(col_copy, b));
  CHECK(col_copy.to_vector<float>() == std::vector<float>{1, 2, 5, 6, 9, 10});
  // Expanded tensors: reshape that keeps the broadcast dim is a view, flattening copies.
  Tensor e = b[0].unsqueeze(0).expand({3, 4});
  CHECK(shares_storage(e.reshape({3, 2, 2}), b));
  CHECK_FALSE(shares_storage(e.reshape({12}), b));
  CHECK(e.reshape({12}).to_vector<float>()[4] == 0);
}

TEST_CASE("views: -1 inference and its errors", "[views]") {
  Tensor a = arange12();
  CHECK(a.view({-1}).shape() == Shape{12});
  CHECK(a.view({2, -1}).shape() == Shape{2, 6});
  CHECK(a.view({-1, 3, 2}).shape() == Shape{2, 3, 2});
  CHECK(a.reshape({1, -1, 1}).shape() == Shape{1, 12, 1});
  CHECK(zeros({0, 4}).view({-1, 2}).shape() == Shape{0, 2});
  CHECK(scalar_tensor(5).view({-1}).shape() == Shape{1});
  CHECK(zeros({1}).view({}).shape() == Shape{});

  struct Bad {
    Shape shape;
    const char* message;
  };
  const std::vector<Bad> bad = {
      {{-1, -1}, "only one dimension can be inferred"},
      {{-1, 5}, "shape '[-1, 5]' is invalid for input of size 12"},
      {{5, 3}, "shape '[5, 3]' is invalid for input of size 12"},
      {{-2, 6}, "invalid shape dimension -2"},
      {{13}, "shape '[13]' is invalid for input of size 12"},
  };
  for (const Bad& b : bad) {
    INFO(shape_str(b.shape));
    CHECK(error_kind([&] { a.view(b.shape); }) == ErrorKind::Shape);
    CHECK(error_message([&] { a.view(b.shape); }).find(b.message) != std::string::npos);
    CHECK(error_message([&] { a.reshape(b.shape); }).find(b.message) != std::string::npos);
  }
}

TEST_CASE("views: squeeze and unsqueeze with negative dims", "[views]") {
  Tensor a = zeros({1, 3, 1, 4});
  CHECK(a.squeeze().shape() == Shape{3, 4});
  CHECK(a.squeeze(0).shape() == Shape{3, 1, 4});
  CHECK(a.squeeze(-2).shape() == Shape{1, 3, 4});
  CHECK(a.squeeze(1).shape() == Shape{1, 3, 1, 4});  // not size 1: unchanged
  CHECK(a.squeeze(-3).shape() == Shape{1, 3, 1, 4});
  CHECK(scalar_tensor(1).squeeze().shape() == Shape{});
  CHECK(scalar_tensor(1).squeeze(0).shape() == Shape{});
  CHECK(scalar_tensor(1).squeeze(-1).shape() == Shape{});

  Tensor b = zeros({3, 4});
  CHECK(b.unsqueeze(0).shape() == Shape{1, 3, 4});
  CHECK(b.unsqueeze(2).shape() == Shape{3, 4, 1});
  CHECK(b.unsqueeze(-1).shape() == Shape{3, 4, 1});
  CHECK(b.unsqueeze(-3).shape() == Shape{1, 3, 4});
  CHECK(b.unsqueeze(-2).shape() == Shape{3, 1, 4});
  CHECK(scalar_tensor(1).unsqueeze(0).shape() == Shape{1});
  CHECK(scalar_tensor(1).unsqueeze(-1).shape() == Shape{1});

  const std::vector<std::pair<std::function<void()>, const char*>> bad = {
      {[&] { b.unsqueeze(3); }, "Dimension out of range (expected to be in range of [-3, 2], but got 3)"},
      {[&] { b.unsqueeze(-4); }, "Dimension out of range (expected to be in range of [-3, 2], but got -4)"},
      {[&] { b.squeeze(2); }, "Dimension out of range (expected to be in range of [-2, 1], but got 2)"},
      {[&] { scalar_tensor(1).squeeze(1); }, "Dimension out of range (expected to be in range of [-1, 0], but got 1)"},
  };
  for (const auto& [fn, msg] : bad) {
    INFO(msg);
    CHECK(error_kind(fn) == ErrorKind::Index);
    CHECK(error_message(fn).find(msg) != std::string::npos);
  }
}

TEST_CASE("views: expand", "[views]") {
  Tensor a = tensor({1, 2, 3}, {3, 1});
  Tensor e = a.expand({2, 3, 4});
  CHECK(e.shape() == Shape{2, 3, 4});
  CHECK(e.strides() == Shape{0, 1, 0});
  CHECK(e.to_vector<float>()[5] == 2);  // [0, 1, 1]
  CHECK(a.expand({-1, 2}).shape() == Shape{3, 2});
  CHECK(a.expand({3, 1}).strides() == a.strides());
  CHECK(a.expand_as(zeros({5, 3, 2})).shape() == Shape{5, 3, 2});
  CHECK(scalar_tensor(4).expand({2, 2}).to_vector<float>() == std::vector<float>{4, 4, 4, 4});

  std::string msg = error_message([&] { a.expand({2, 4}); });
  CHECK(msg.find("The expanded size of the tensor (2) must match the existing size (3) at non-singleton dimension 0.  "
                 "Target sizes: [2, 4].  Tensor sizes: [3, 1]") != std::string::npos);
  CHECK(error_kind([&] { a.expand({4}); }) == ErrorKind::Shape);
  CHECK(error_message([&] { a.expand({4}); }).find("must be greater or equal to the number of dimensions") != std::string::npos);
  CHECK(error_message([&] { a.expand({-1, 3, 1}); }).find("isn't allowed in a leading, non-existing dimension 0") !=
        std::string::npos);
}

TEST_CASE("views: narrow and select with negative indices", "[views]") {
  Tensor a = arange12();
  CHECK(a.narrow(1, -2, 2).to_vector<float>() == std::vector<float>{2, 3, 6, 7, 10, 11});
  CHECK(a.narrow(-1, 0, 0).shape() == Shape{3, 0});
  CHECK(a.narrow(0, 3, 0).shape() == Shape{0, 4});
  CHECK(a.select(0, -1).to_vector<float>() == std::vector<float>{8, 9, 10, 11});
  CHECK(a.select(-1, -4).to_vector<float>() == std::vector<float>{0, 4, 8});
  CHECK(a[2].select(0, 1).item<float>() == 9);
  CHECK(a[2][1].dim() == 0);

  struct Bad {
    std::function<void()> fn;
    ErrorKind kind;
    const char* message;
  };
  const std::vector<Bad> bad = {
      {[&] { a.select(0, 3); }, ErrorKind::Index, "select(): index 3 out of range for tensor of size [3, 4] at dimension 0"},
      {[&] { a.select(1, -5); }, ErrorKind::Index, "select(): index -5 out of range for tensor of size [3, 4] at dimension 1"},
      {[&] { a.select(2, 0); }, ErrorKind::Index, "Dimension out of range"},
      {[&] { scalar_tensor(1).select(0, 0); }, ErrorKind::Index, "select() cannot be applied to a 0-dim tensor."},
      {[&] { a.narrow(1, 3, 2); }, ErrorKind::Shape, "start (3) + length (2) exceeds dimension size (4)."},
      {[&] { a.narrow(1, -5, 1); }, ErrorKind::Index, "Dimension out of range (expected to be in range of [-4, 3], but got -5)"},
      {[&] { a.narrow(1, 0, -1); }, ErrorKind::Shape, "exceeds dimension size"},
      {[&] { scalar_tensor(1).narrow(0, 0, 1); }, ErrorKind::Shape, "narrow() cannot be applied to a 0-dim tensor."},
  };
  for (const Bad& b : bad) {
    INFO(b.message);
    CHECK(error_kind(b.fn) == b.kind);
    CHECK(error_message(b.fn).find(b.message) != std::string::npos);
  }
}

TEST_CASE("views: slice follows Python's clamping rules", "[views]") {
  Tensor a = arange(10.0, TensorOptions(DType::Float32));
  struct Row {
    std::optional<int64_t> start, end;
    int64_t step;
    std::vector<float> expected;
  };
  const std::vector<Row> rows = {
      {std::nullopt, std::nullopt, 1, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
      {2, 5, 1, {2, 3, 4}},
      {-3, std::nullopt, 1, {7, 8, 9}},
      {std::nullopt, -7, 1, {0, 1, 2}},
      {-100, 100, 1, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
      {5, 2, 1, {}},
      {12, 20, 1, {}},
      {1, 100, 3, {1, 4, 7}},
      {std::nullopt, std::nullopt, 4, {0, 4, 8}},
      {-4, -1, 2, {6, 8}},
      {9, 10, 5, {9}},
      {-1, std::nullopt, 1, {9}},
  };
  for (const Row& r : rows) {
    INFO("start " << (r.start ? std::to_string(*r.start) : "None") << " end " << (r.end ? std::to_string(*r.end) : "None")
                  << " step " << r.step);
    Tensor s = a.slice(0, r.start, r.end, r.step);
    CHECK(s.shape() == Shape{static_cast<int64_t>(r.expected.size())});
    CHECK(s.to_vector<float>() == r.expected);
  }
  Tensor m = arange12();
  CHECK(m.slice(-1, 1, std::nullopt, 2).to_vector<float>() == std::vector<float>{1, 3, 5, 7, 9, 11});
  CHECK(m.slice(0, -2, std::nullopt).shape() == Shape{2, 4});
  CHECK(error_kind([&] { a.slice(0, 0, 5, 0); }) == ErrorKind::Value);
  CHECK(error_kind([&] { a.slice(0, 0, 5, -1); }) == ErrorKind::Value);
  CHECK(error_kind([&] { a.slice(1, 0, 5); }) == ErrorKind::Index);
}

TEST_CASE("views: transpose, permute, t, flatten", "[views]") {
  Tensor a = arange(24.0, TensorOptions(DType::Float32)).view({2, 3, 4});
  CHECK(a.transpose(0, 2).shape() == Shape{4, 3, 2});
  CHECK(a.transpose(-1, 0).strides() == Shape{1, 4, 12});
  CHECK(a.permute({2, 0, 1}).shape() == Shape{4, 2, 3});
  CHECK(a.permute({-1, 0, 1}).strides() == Shape{1, 12, 4});
  CHECK(a.permute({2, 0, 1}).to_vector<float>()[1] == 4);  // [0, 0, 1] -> a[0, 1, 0]
  CHECK(arange12().t().shape() == Shape{4, 3});
  CHECK(tensor({1, 2, 3}).t().shape() == Shape{3});
  CHECK(scalar_tensor(2).t().shape() == Shape{});
  CHECK(a.flatten().shape() == Shape{24});
  CHECK(a.flatten(1).shape() == Shape{2, 12});
  CHECK(a.flatten(0, 1).shape() == Shape{6, 4});
  CHECK(a.flatten(-2, -1).shape() == Shape{2, 12});
  CHECK(scalar_tensor(2).flatten().shape() == Shape{1});
  CHECK(a.transpose(0, 1).flatten().to_vector<float>()[4] == 12);

  CHECK(error_message([&] { a.t(); }).find("t() expects a tensor with <= 2 dimensions, but self is 3D") != std::string::npos);
  CHECK(error_message([&] { a.permute({0, 0, 1}); }).find("permute(): duplicate dims are not allowed") != std::string::npos);
  CHECK(error_message([&] { a.permute({0, 1}); }).find("does not match the length of the desired ordering of dimensions") != std::string::npos);
  CHECK(error_kind([&] { a.transpose(0, 3); }) == ErrorKind::Index);
  CHECK(error_kind([&] { a.flatten(2, 1); }) == ErrorKind::Value);
}

TEST_CASE("views: as_strided", "[views]") {
  Tensor a = arange12();
  Tensor w = a.as_strided({3, 3}, {1, 1}, 2);  // sliding windows
  CHECK(w.to_vector<float>() == std::vector<float>{2, 3, 4, 3, 4, 5, 4, 5, 6});
  // as_strided is relative to the storage, not to the view it is called on.
  CHECK(a[1].as_strided({2}, {1}, 0).to_vector<float>() == std::vector<float>{0, 1});
  CHECK(error_kind([&] { a.as_strided({4, 4}, {4, 1}, 0); }) == ErrorKind::Index);
  CHECK(error_kind([&] { a.as_strided({2}, {1}, 11); }) == ErrorKind::Index);
  CHECK(error_kind([&] { a.as_strided({2, 2}, {1}, 0); }) == ErrorKind::Shape);
  CHECK(a.as_strided({0}, {1}, 12).numel() == 0);
}

TEST_CASE("views: version counters are shared between views", "[views]") {
  Tensor base = arange12();
  Tensor v = base.t();
  Tensor row = base[0];
  Tensor det = base.detach();
  Tensor dat = base.data();
  Tensor cl = base.clone();
  uint32_t start = base.version();
  CHECK(v.version() == start);

  row.add_(1);
  CHECK(base.version() == start + 1);
  CHECK(v.version() == start + 1);
  CHECK(det.version() == start + 1);  // detach shares the counter
  CHECK(dat.version() == 0);          // .data() does not
  CHECK(cl.version() == 0);

  v.mul_(2);
  det.zero_();
  CHECK(row.version() == start + 3);
  dat.fill_(1);  // invisible to the base's counter, but writes the same memory
  CHECK(base.version() == start + 3);
  CHECK(base.to_vector<float>()[0] == 1);
  CHECK(cl.to_vector<float>()[1] == 1);  // the clone kept its values
  // Views made later see the current count.
  CHECK(base.narrow(0, 1, 1).version() == start + 3);
  // Out-of-place ops do not bump.
  Tensor sum = base + v.t();
  CHECK(base.version() == start + 3);
  CHECK(sum.version() == 0);
}

TEST_CASE("views: expand rejects a negative size at a singleton dim", "[views]") {
  Tensor x = ones({1, 1});
  CHECK_THROWS_AS(x.expand({3, -2}), Error);
  CHECK_THROWS_AS(ones({1}).expand({-3}), Error);
  CHECK(x.expand({3, -1}).shape() == Shape{3, 1});
}

TEST_CASE("views: grad_fn after the base or a sibling changes in place is torch's", "[views][autograd]") {
  // torch 1.13 (printed by `v.grad_fn.name()`): a view whose storage was written in place
  // since it was made reports AsStridedBackward0; the base written through a view reports
  // CopySlices.
  Tensor x = ones({3, 4}).requires_grad_();
  Tensor b = x.mul(1.0);
  Tensor row = b.select(0, 0), t = b.t();
  CHECK(row.grad_fn()->name() == "SelectBackward0");
  CHECK(t.grad_fn()->name() == "TBackward0");
  b.mul_(2.0);
  CHECK(row.grad_fn()->name() == "AsStridedBackward0");
  CHECK(t.grad_fn()->name() == "AsStridedBackward0");
  CHECK(b.grad_fn()->name() == "MulBackward0");
  CHECK(row.to_string() == "tensor([2., 2., 2., 2.], grad_fn=<AsStridedBackward0>)");

  Tensor c = x.mul(1.0);
  Tensor first = c.select(0, 0), second = c.select(0, 1);
  first.add_(1.0);
  CHECK(first.grad_fn()->name() == "AsStridedBackward0");
  CHECK(second.grad_fn()->name() == "AsStridedBackward0");
  CHECK(c.grad_fn()->name() == "CopySlices");

  // The regenerated history carries the right gradient: d(sum(second * 3))/dx = 3 on row 1.
  second.mul(3.0).sum().backward();
  CHECK(x.grad().select(0, 1).to_vector<float>() == std::vector<float>{3, 3, 3, 3});
  CHECK(x.grad().select(0, 0).to_vector<float>() == std::vector<float>{0, 0, 0, 0});
}
