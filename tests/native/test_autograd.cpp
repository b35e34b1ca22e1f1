// Autograd semantics: leaves, accumulation, retain_graph, no_grad, detach/data, in-place
// checks, retain_grad, deep graphs and memory.
#include <catch2/catch.hpp>

#include <cmath>

#include "gradcheck.h"
#include "kindling.h"

using namespace kd;

namespace {

template <typename Fn>
std::pair<ErrorKind, std::string> error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return {e.kind(), e.what()};
  }
  return {ErrorKind::Value, "<no error>"};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::vector<float> approx_vector(const Tensor& t) { return t.to_vector<float>(); }

void check_close(const Tensor& actual, const std::vector<float>& expected, float tol = 1e-5f) {
  std::vector<float> a = actual.to_vector<float>();
  REQUIRE(a.size() == expected.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("element " << i);
    CHECK(a[i] == Approx(expected[i]).margin(tol));
  }
}

}  // namespace

TEST_CASE("autograd: leaves, non-leaves and requires_grad propagation", "[autograd]") {
  Tensor x = tensor({1, 2, 3}).requires_grad_();
  Tensor c = tensor({4, 5, 6});
  CHECK(x.is_leaf());
  CHECK(x.requires_grad());
  CHECK(c.is_leaf());
  CHECK_FALSE(c.requires_grad());

  Tensor y = x * c;
  CHECK_FALSE(y.is_leaf());
  CHECK(y.requires_grad());
  CHECK(y.grad_fn()->name() == "MulBackward0");

  Tensor z = c * 2.0;
  CHECK(z.is_leaf());
  CHECK_FALSE(z.requires_grad());
  CHECK(z.grad_fn() == nullptr);

  // Through views, reductions, indexing and comparisons.
  CHECK(x.view({3, 1}).requires_grad());
  CHECK(x.sum().requires_grad());
  CHECK(x.index_select(0, tensor_i64({0})).requires_grad());
  CHECK_FALSE(x.gt(1.0).requires_grad());  // bool results have no gradient
  CHECK_FALSE(x.argmax().requires_grad());
  CHECK(cat({c, x}).requires_grad());
  CHECK(where(x.gt(1.0), c, x).requires_grad());

  // requires_grad_(false) is for leaves only; ints cannot require grad.
  auto [kind, msg] = error_of([&] { y.requires_grad_(false); });
  CHECK(kind == ErrorKind::State);
  CHECK(contains(msg, "you can only change requires_grad flags of leaf variables"));
  auto [kind2, msg2] = error_of([&] { tensor_i64({1, 2}).requires_grad_(); });
  CHECK(kind2 == ErrorKind::State);
  CHECK(contains(msg2, "only Tensors of floating point dtype can require gradients"));
  Tensor w = tensor({1.0f}).requires_grad_();
  w.requires_grad_(false);
  CHECK_FALSE(w.requires_grad());
  CHECK(zeros({2}, TensorOptions().requires_grad()).requires_grad());
}

TEST_CASE("autograd: .grad accumulates across backward calls and repeated uses", "[autograd]") {
  Tensor x = tensor({1, 2, 3}).requires_grad_();
  CHECK_FALSE(x.grad().defined());
  (x * 3.0).sum().backward();
  check_close(x.grad(), {3, 3, 3});
  (x * 3.0).sum().backward();
  check_close(x.grad(), {6, 6, 6});

  // A tensor used twice in one op, and in two branches.
  Tensor a = tensor({1, -2, 0.5f}).requires_grad_();
  (a * a).sum().backward();
  check_close(a.grad(), {2, -4, 1});

  Tensor b = tensor({0.1f, 0.2f}).requires_grad_();
  Tensor e = b.exp();
  Tensor loss = (e.tanh() + e * 3.0).sum();
  loss.backward();
  std::vector<float> expected;
  for (float v : {0.1f, 0.2f}) {
    float ev = std::exp(v), th = std::tanh(ev);
    expected.push_back(ev * (1 - th * th) + 3 * ev);
  }
  check_close(b.grad(), expected);

  // Broadcast use: a [3] bias added to a [2, 3] input gets the column sums.
  Tensor bias = zeros({3}).requires_grad_();
  (tensor({1, 2, 3, 4, 5, 6}, {2, 3}) + bias).mul(tensor({1, 10, 100})).sum().backward();
  check_close(bias.grad(), {2, 20, 200});

  // set_grad(undefined) clears; the next backward starts fresh.
  x.set_grad(Tensor());
  (x * 2.0).sum().backward();
  check_close(x.grad(), {2, 2, 2});
  // The grad is a tensor of its own: accumulating does not write into a gradient buffer that
  // the graph handed out, and the leaf's grad never requires grad.
  CHECK_FALSE(x.grad().requires_grad());
  CHECK(x.grad().is_contiguous());
}

TEST_CASE("autograd: backward with an explicit gradient", "[autograd]") {
  Tensor x = tensor({1, 2, 3, 4}, {2, 2}).requires_grad_();
  Tensor y = x * x;
  y.backward(tensor({1, 0, -1, 0.5f}, {2, 2}));
  check_close(x.grad(), {2, 0, -6, 4});

  Tensor y2 = x * 2.0;
  auto [kind, msg] = error_of([&] { y2.backward(ones({4})); });
  CHECK(kind == ErrorKind::Shape);
  CHECK(contains(msg, "Mismatch in shape: grad_output[0] has a shape of [4] and output[0] has a shape of [2, 2]"));
  auto [kind2, msg2] = error_of([&] { y2.backward(); });
  CHECK(kind2 == ErrorKind::State);
  CHECK(contains(msg2, "grad can be implicitly created only for scalar outputs"));
  auto [kind3, msg3] = error_of([&] { tensor({1.0f}).backward(); });
  CHECK(kind3 == ErrorKind::State);
  CHECK(contains(msg3, "element 0 of tensors does not require grad and does not have a grad_fn"));
  // The failed calls left x.grad alone.
  check_close(x.grad(), {2, 0, -6, 4});
  // A one-element non-scalar output is seeded with ones.
  Tensor one = (x.sum() * 1.0).view({1, 1});
  one.backward();
  check_close(x.grad(), {3, 1, -5, 5});
}

TEST_CASE("autograd: retain_graph", "[autograd]") {
  Tensor x = tensor({0.5f, -1}).requires_grad_();
  Tensor loss = x.exp().sum();
  loss.backward();
  std::vector<float> once = x.grad().to_vector<float>();
  auto [kind, msg] = error_of([&] { loss.backward(); });
  CHECK(kind == ErrorKind::State);
  CHECK(contains(msg, "Trying to backward through the graph a second time"));
  CHECK(x.grad().to_vector<float>() == once);  // nothing was added by the failed call

  Tensor x2 = tensor({0.5f, -1}).requires_grad_();
  Tensor loss2 = x2.exp().sum();
  loss2.backward(Tensor(), /*retain_graph=*/true);
  loss2.backward(Tensor(), true);
  check_close(x2.grad(), {2 * std::exp(0.5f), 2 * std::exp(-1.0f)});
  loss2.backward();  // the last one may free
  check_close(x2.grad(), {3 * std::exp(0.5f), 3 * std::exp(-1.0f)});
  CHECK(error_of([&] { loss2.backward(); }).first == ErrorKind::State);
}

TEST_CASE("autograd: no_grad records nothing", "[autograd]") {
  Tensor x = tensor({1, 2}).requires_grad_();
  {
    NoGradGuard no_grad;
    CHECK_FALSE(GradMode::is_enabled());
    Tensor y = x * 2.0 + x.exp();
    CHECK_FALSE(y.requires_grad());
    CHECK(y.grad_fn() == nullptr);
    CHECK_FALSE(x.view({2, 1}).requires_grad());
    CHECK_FALSE(x.sum().requires_grad());
    CHECK_FALSE(cat({x, x}).requires_grad());
    // In-place on a leaf that requires grad is allowed here (the optimizer step).
    x.mul_(2);
    {
      EnableGradGuard enable;
      CHECK(GradMode::is_enabled());
      CHECK((x * 2.0).requires_grad());
    }
    CHECK_FALSE(GradMode::is_enabled());
  }
  CHECK(GradMode::is_enabled());
  CHECK(x.is_leaf());
  CHECK(x.to_vector<float>() == std::vector<float>{2, 4});
  CHECK_FALSE(x.grad().defined());
  CHECK((x * 2.0).requires_grad());
}

TEST_CASE("autograd: detach shares storage and drops history", "[autograd]") {
  Tensor x = tensor({1, 2, 3}).requires_grad_();
  Tensor y = x * 2.0;
  Tensor d = y.detach();
  CHECK(d.impl()->storage == y.impl()->storage);
  CHECK_FALSE(d.requires_grad());
  CHECK(d.is_leaf());
  CHECK(d.to_vector<float>() == y.to_vector<float>());
  // Gradient stops at a detached tensor.
  Tensor loss = (d * x).sum();
  loss.backward();
  check_close(x.grad(), {2, 4, 6});

  // detach shares the version counter: autograd sees writes through it.
  Tensor a = tensor({1, 2}).requires_grad_();
  Tensor sq = a * a;  // saves a
  a.detach().add_(1);
  CHECK(a.to_vector<float>() == std::vector<float>{2, 3});
  auto [kind, msg] = error_of([&] { sq.sum().backward(); });
  CHECK(kind == ErrorKind::State);
  CHECK(contains(msg, "modified by an inplace operation"));
  CHECK_FALSE(a.grad().defined());
}

TEST_CASE("autograd: data() changes are invisible to the version counter", "[autograd]") {
  Tensor a = tensor({1, 2}).requires_grad_();
  Tensor sq = a * a;
  uint32_t v = a.version();
  Tensor raw = a.data();
  CHECK(raw.impl()->storage == a.impl()->storage);
  CHECK_FALSE(raw.requires_grad());
  raw.add_(1);
  CHECK(a.version() == v);
  CHECK(a.to_vector<float>() == std::vector<float>{2, 3});
  sq.sum().backward();  // no error; uses the current (modified) values, as PyTorch does
  check_close(a.grad(), {4, 6});
}

TEST_CASE("autograd: in-place rules", "[autograd]") {
  Tensor leaf = tensor({1, 2, 3}).requires_grad_();
  const std::vector<std::pair<const char*, std::function<void()>>> forbidden = {
      {"add_", [&] { leaf.add_(1.0); }},
      {"mul_", [&] { leaf.mul_(tensor({2, 2, 2})); }},
      {"zero_", [&] { leaf.zero_(); }},
      {"fill_", [&] { leaf.fill_(1); }},
      {"copy_", [&] { leaf.copy_(tensor({0, 0, 0})); }},
      {"clamp_", [&] { leaf.clamp_(0.0, 1.0); }},
      {"normal_", [&] { leaf.normal_(); }},
  };
  for (const auto& [name, fn] : forbidden) {
    INFO(name);
    auto [kind, msg] = error_of(fn);
    CHECK(kind == ErrorKind::State);
    CHECK(contains(msg, "a leaf Variable that requires grad is being used in an in-place operation."));
  }
  auto [kind, msg] = error_of([&] { leaf.narrow(0, 0, 2).mul_(2.0); });
  CHECK(kind == ErrorKind::State);
  CHECK(contains(msg, "a view of a leaf Variable that requires grad is being used in an in-place operation."));
  CHECK(leaf.to_vector<float>() == std::vector<float>{1, 2, 3});
  CHECK(leaf.version() == 0);
  CHECK(leaf.is_leaf());

  // A non-leaf may be modified; its history moves to the in-place op.
  Tensor y = leaf * 1.0;
  y.mul_(leaf);
  CHECK(y.grad_fn()->name() == "MulBackward0");
  CHECK(y.version() == 1);
  y.sum().backward();
  check_close(leaf.grad(), {2, 4, 6});
}

TEST_CASE("autograd: a saved tensor modified in place is detected at backward", "[autograd]") {
  struct Row {
    const char* name;
    std::function<Tensor(const Tensor&)> forward;  // returns the loss after an in-place change
    const char* saved_by;
  };
  const std::vector<Row> rows = {
      {"input of mul", [](const Tensor& x) { Tensor h = x * 1.0; Tensor y = h * h; h.add_(1.0); return y.sum(); }, "MulBackward0"},
      {"output of exp", [](const Tensor& x) { Tensor y = x.exp(); y.mul_(2.0); return y.sum(); }, "ExpBackward0"},
      {"output of tanh via a view", [](const Tensor& x) { Tensor y = x.tanh(); y[0].zero_(); return y.sum(); }, "TanhBackward0"},
      {"input of mm via its base", [](const Tensor& x) {
         Tensor h = x * 1.0; Tensor m = h.view({1, 3}).mm(ones({3, 1})); h.fill_(0.0); return m.sum(); }, "MmBackward0"},
  };
  for (const Row& r : rows) {
    INFO(r.name);
    Tensor x = tensor({0.5f, 1, 2}).requires_grad_();
    Tensor loss = r.forward(x);
    auto [kind, msg] = error_of([&] { loss.backward(); });
    CHECK(kind == ErrorKind::State);
    CHECK(contains(msg, "one of the variables needed for gradient computation has been modified by an inplace operation"));
    CHECK(contains(msg, r.saved_by));
    CHECK_FALSE(x.grad().defined());
  }
}

TEST_CASE("autograd: retain_grad on a non-leaf", "[autograd]") {
  Tensor x = tensor({1, 2}).requires_grad_();
  Tensor y = x * 3.0;
  Tensor z = x * 2.0;
  y.retain_grad();
  (y * y + z).sum().backward(Tensor(), /*retain_graph=*/true);  // y's own node is reused below
  check_close(y.grad(), {6, 12});  // d/dy of y² = 2y
  CHECK_FALSE(z.grad().defined());  // not retained
  check_close(x.grad(), {20, 38});
  // Accumulates like a leaf's grad.
  (y * 1.0).sum().backward();
  check_close(y.grad(), {7, 13});
  CHECK(error_of([&] { tensor({1.0f}).retain_grad(); }).first == ErrorKind::State);
}

TEST_CASE("autograd: a view read after its base was modified in place gets the new history", "[autograd]") {
  Tensor x = tensor({1, 2, 3, 4}, {2, 2}).requires_grad_();
  Tensor w = tensor({10, 20, 30, 40}, {2, 2}).requires_grad_();
  Tensor y = x * 2.0;
  Tensor row = y[0];  // made before the in-place op
  y.mul_(w);
  CHECK(row.to_vector<float>() == std::vector<float>{20, 80});
  row.sum().backward();
  check_close(x.grad(), {20, 40, 0, 0});
  check_close(w.grad(), {2, 4, 0, 0});
}

TEST_CASE("autograd: 1000-step unrolled RNN", "[autograd]") {
  const int64_t hidden = 8, steps = 1000;
  manual_seed(7);
  Tensor W = randn({hidden, hidden}).mul(0.3).detach().requires_grad_();
  Tensor xs = randn({steps, hidden}).mul(0.5);
  Tensor h = zeros({1, hidden});
  for (int64_t t = 0; t < steps; ++t) h = (h.mm(W) + xs.narrow(0, t, 1)).tanh();
  h.sum().backward();
  REQUIRE(W.grad().defined());
  bool finite = true;
  for (float g : W.grad().to_vector<float>()) finite &= std::isfinite(g);
  CHECK(finite);

  // A small unroll against finite differences, for W and the initial state.
  Tensor xs_small = randn({6, 3});
  auto rnn = [xs_small](const std::vector<Tensor>& in) {
    Tensor hh = in[1];
    for (int64_t t = 0; t < 6; ++t) hh = hh.matmul(in[0]).add(xs_small[t]).tanh();
    return hh;
  };
  std::mt19937 rng(3);
  auto r = kd::test::gradcheck(rnn, {kd::test::make_input({3, 3}, kd::test::Layout::Contiguous, kd::test::Domain::Any, rng),
                                     kd::test::make_input({2, 3}, kd::test::Layout::Transposed, kd::test::Domain::Any, rng)});
  INFO(r.message);
  CHECK(r.ok);
}

TEST_CASE("autograd: a 100k-deep chain builds, backprops and is destroyed", "[autograd]") {
  const int64_t depth = 100000;
  int64_t before = memory_stats().live_storages;
  {
    Tensor x = tensor({1.0f, 2.0f}).requires_grad_();
    Tensor y = x;
    for (int64_t i = 0; i < depth; ++i) y = y * 0.99999 + 0.0;
    y.sum().backward();
    double expected = std::pow(0.99999, static_cast<double>(depth));
    check_close(x.grad(), {static_cast<float>(expected), static_cast<float>(expected)}, 1e-3f);
    // And a second, deeper chain that is never backpropagated, only dropped.
    Tensor z = x * 1.0;
    for (int64_t i = 0; i < depth; ++i) z = z.neg();
    CHECK_FALSE(z.is_leaf());
  }
  CHECK(memory_stats().live_storages == before);
}

TEST_CASE("autograd: memory is released after forward and backward", "[autograd]") {
  int64_t before = memory_stats().live_storages;
  int64_t bytes_before = memory_stats().live_bytes;
  {
    Tensor x = randn({16, 8}).requires_grad_();
    Tensor w = randn({8, 4}).requires_grad_();
    Tensor y = x.mm(w).relu().softmax(1);
    Tensor v = y.narrow(1, 0, 2) * 3.0;
    Tensor loss = v.log_softmax(1).mean() + y.norm(2) + x.t().reshape({-1}).sum();
    loss.backward();
    CHECK(memory_stats().live_storages > before);
  }
  CHECK(memory_stats().live_storages == before);
  CHECK(memory_stats().live_bytes == bytes_before);
  {
    // A graph never backpropagated is freed too.
    Tensor x = randn({4}).requires_grad_();
    Tensor y = (x.exp() * x).sum();
  }
  CHECK(memory_stats().live_storages == before);
}

TEST_CASE("autograd: an in-place op whose operand is self leaks no graph", "[autograd]") {
  int64_t before = memory_stats().live_storages;
  {
    Tensor w = tensor({1, 2, 3}).requires_grad_();
    Tensor a = w * 1.0;
    a.mul_(a);  // self saved by its own new grad_fn would be a reference cycle
    Tensor b = w * 1.0;
    b.div_(b.view({3}));  // the same through a full-overlap view of self
  }
  CHECK(memory_stats().live_storages == before);
  {
    // add_ of self: twice the gradient, as PyTorch.
    Tensor w = tensor({1, 2, 3}).requires_grad_();
    Tensor a = w * 1.0;
    a.add_(a);
    check_close(a, {2, 4, 6});
    a.sum().backward();
    check_close(w.grad(), {2, 2, 2});
  }
  CHECK(memory_stats().live_storages == before);
}

TEST_CASE("autograd: in-place ops reject partially overlapping operands", "[autograd]") {
  const std::string overlap = "some elements of the input tensor and the written-to tensor refer to a single memory location";
  Tensor x = arange(6).to(DType::Float32);
  const std::vector<std::pair<const char*, std::function<void()>>> cases = {
      {"add_", [&] { x.narrow(0, 1, 5).add_(x.narrow(0, 0, 5)); }},
      {"sub_", [&] { x.narrow(0, 1, 5).sub_(x.narrow(0, 0, 5)); }},
      {"mul_", [&] { x.narrow(0, 1, 5).mul_(x.narrow(0, 0, 5)); }},
      {"copy_", [&] { x.narrow(0, 1, 5).copy_(x.narrow(0, 0, 5)); }},
  };
  for (const auto& [name, fn] : cases) {
    INFO(name);
    auto [kind, msg] = error_of(fn);
    CHECK(kind == ErrorKind::State);
    CHECK(contains(msg, overlap));
    CHECK(x.to_vector<float>() == std::vector<float>{0, 1, 2, 3, 4, 5});
    CHECK(x.version() == 0);
  }
  // Disjoint parts of one storage, and self with itself, are fine.
  x.narrow(0, 0, 3).add_(x.narrow(0, 3, 3));
  CHECK(x.to_vector<float>() == std::vector<float>{3, 5, 7, 3, 4, 5});
  x.add_(x);
  CHECK(x.to_vector<float>() == std::vector<float>{6, 10, 14, 6, 8, 10});
}

TEST_CASE("autograd: pow(tensor, tensor) gradients at base 0 follow PyTorch", "[autograd]") {
  // torch 1.13: d/dbase is 0 where exponent == 0; d/dexp is 0 only where base == 0 and exp >= 0.
  Tensor b = tensor({0, 0, 2, 0}).requires_grad_();
  Tensor e = tensor({0, -1, 1, 1}).requires_grad_();
  b.pow(e).sum().backward();
  std::vector<float> gb = b.grad().to_vector<float>(), ge = e.grad().to_vector<float>();
  CHECK(gb[0] == 0.0f);
  CHECK(std::isinf(gb[1]));
  CHECK(gb[1] < 0);
  CHECK(gb[2] == Approx(1.0f));
  CHECK(gb[3] == Approx(1.0f));
  CHECK(ge[0] == 0.0f);
  CHECK(std::isinf(ge[1]));
  CHECK(ge[1] < 0);
  CHECK(ge[2] == Approx(2 * std::log(2.0f)));
  CHECK(ge[3] == 0.0f);
}

TEST_CASE("autograd: retain_grad follows a tensor through an in-place op", "[autograd]") {
  // torch 1.13: y.grad is the gradient of the value y holds after mul_, not before.
  Tensor x = tensor({1, 2}).requires_grad_();
  Tensor y = x * 2.0;
  y.retain_grad();
  y.mul_(3.0);
  y.sum().backward();
  REQUIRE(y.grad().defined());
  check_close(y.grad(), {1, 1});
  check_close(x.grad(), {6, 6});
}

TEST_CASE("autograd: a view made under no_grad cannot be modified in place with grad mode on", "[autograd]") {
  // Writing through it would change the base's values behind its history (a silently wrong
  // gradient); torch 1.13 forbids it.
  Tensor x = tensor({1, 2}).requires_grad_();
  Tensor b = x * 2.0;
  Tensor v;
  {
    NoGradGuard no_grad;
    v = b.narrow(0, 0, 1);
  }
  auto [kind, msg] = error_of([&] { v.mul_(3.0); });
  CHECK(kind == ErrorKind::State);
  CHECK(contains(msg, "A view was created in no_grad mode and is being modified inplace with grad mode enabled."));
  CHECK(b.to_vector<float>() == std::vector<float>{2, 4});
  {
    NoGradGuard no_grad;
    v.mul_(3.0);  // both inside no_grad: allowed, untracked
  }
  CHECK(b.to_vector<float>() == std::vector<float>{6, 4});
}
