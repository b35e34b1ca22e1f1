// Tensor basics: factories and their dtype rules, the seeded generator, values out, dtype
// conversion, and in-place ops (values, broadcasting, version counter).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <set>

#include "kindling.h"

using namespace kd;

namespace {

double mean_of(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += x;
  return s / static_cast<double>(v.size());
}

double std_of(const std::vector<float>& v) {
  double m = mean_of(v), s = 0;
  for (float x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

}  // namespace

TEST_CASE("tensor: zeros, ones, full, empty", "[tensor]") {
  Tensor z = zeros({2, 3});
  CHECK(z.dtype() == DType::Float32);
  CHECK(z.shape() == Shape{2, 3});
  CHECK(z.strides() == Shape{3, 1});
  CHECK(z.to_vector<float>() == std::vector<float>(6, 0.0f));
  CHECK_FALSE(z.requires_grad());
  CHECK(ones({4}, DType::Int64).to_vector<int64_t>() == std::vector<int64_t>{1, 1, 1, 1});
  CHECK(ones({2}, DType::Bool).to_vector<bool>() == std::vector<bool>{true, true});
  CHECK(full({2, 2}, 2.5).to_vector<float>() == std::vector<float>{2.5, 2.5, 2.5, 2.5});
  CHECK(full({2}, 2.7, DType::Int64).to_vector<int64_t>() == std::vector<int64_t>{2, 2});  // truncates, as PyTorch
  CHECK(full({3}, -1.9, DType::Int64).to_vector<int64_t>() == std::vector<int64_t>{-1, -1, -1});
  CHECK(full({}, 7).shape() == Shape{});
  CHECK(full({}, 7).item<float>() == 7);
  CHECK(empty({3, 0, 2}).numel() == 0);
  CHECK(empty({3, 0, 2}).shape() == Shape{3, 0, 2});
  CHECK(zeros({2}, TensorOptions().requires_grad()).requires_grad());
  CHECK(ones({2}, TensorOptions(DType::Float32).requires_grad()).is_leaf());

  Tensor base = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(zeros_like(base).shape() == base.shape());
  CHECK(ones_like(tensor_i64({5, 6})).dtype() == DType::Int64);
  CHECK(full_like(base.t(), 3).shape() == Shape{3, 2});
  CHECK(full_like(base.t(), 3).is_contiguous());
  CHECK(scalar_tensor(2.5).shape() == Shape{});
  CHECK(scalar_tensor(3, DType::Int64).item<int64_t>() == 3);
  CHECK(tensor_bool({true, false, true}, {3}).to_vector<bool>() == std::vector<bool>{true, false, true});
  CHECK(tensor_i64({4, 5, 6}, {3, 1}).shape() == Shape{3, 1});
  CHECK(tensor({1.5f, -2}, {2}, DType::Int64).to_vector<int64_t>() == std::vector<int64_t>{1, -2});
}

TEST_CASE("tensor: arange dtype rules and lengths", "[tensor]") {
  struct Row {
    double start, end, step;
    DType dtype;
    std::vector<double> values;
  };
  const std::vector<Row> rows = {
      {0, 5, 1, DType::Int64, {0, 1, 2, 3, 4}},
      {2, 5, 1, DType::Int64, {2, 3, 4}},
      {10, 0, -3, DType::Int64, {10, 7, 4, 1}},
      {0.5, 3, 1, DType::Float32, {0.5, 1.5, 2.5}},
      {1, 2.5, 0.5, DType::Float32, {1, 1.5, 2}},
      {0, 1, 0.25, DType::Float32, {0, 0.25, 0.5, 0.75}},
      {3, 3, 1, DType::Int64, {}},
      {0, -1, -0.5, DType::Float32, {0, -0.5}},
  };
  for (const Row& r : rows) {
    INFO("arange(" << r.start << ", " << r.end << ", " << r.step << ")");
    Tensor t = arange(r.start, r.end, r.step);
    CHECK(t.dtype() == r.dtype);
    CHECK(t.shape() == Shape{static_cast<int64_t>(r.values.size())});
    CHECK(t.to_vector<double>() == r.values);
  }
  CHECK(arange(5).dtype() == DType::Int64);
  CHECK(arange(0, 1, 0.1).numel() == 10);
  CHECK(arange(4, TensorOptions(DType::Float32)).to_vector<float>() == std::vector<float>{0, 1, 2, 3});
  CHECK(arange(0, 3, 1, TensorOptions(DType::Float32).requires_grad()).requires_grad());
}

TEST_CASE("tensor: linspace hits both ends exactly", "[tensor]") {
  struct Row {
    double start, end;
    int64_t steps;
  };
  for (const Row& r : std::vector<Row>{{0, 1, 7}, {-3.3, 7.7, 11}, {0.1, 0.9, 4}, {5, -5, 100}, {1e-3, 1e3, 33}}) {
    INFO("linspace(" << r.start << ", " << r.end << ", " << r.steps << ")");
    std::vector<float> v = linspace(r.start, r.end, r.steps).to_vector<float>();
    REQUIRE(static_cast<int64_t>(v.size()) == r.steps);
    CHECK(v.front() == static_cast<float>(r.start));
    CHECK(v.back() == static_cast<float>(r.end));
    double step = (r.end - r.start) / static_cast<double>(r.steps - 1);
    for (int64_t i = 0; i < r.steps; ++i) CHECK(v[i] == Approx(r.start + step * static_cast<double>(i)).margin(1e-5));
  }
  CHECK(linspace(2, 3, 1).to_vector<float>() == std::vector<float>{2});
  CHECK(linspace(2, 3, 0).numel() == 0);
  CHECK(linspace(0, 4, 5, DType::Int64).to_vector<int64_t>() == std::vector<int64_t>{0, 1, 2, 3, 4});
}

TEST_CASE("tensor: eye", "[tensor]") {
  CHECK(eye(3).to_vector<float>() == std::vector<float>{1, 0, 0, 0, 1, 0, 0, 0, 1});
  CHECK(eye(2, 4).to_vector<float>() == std::vector<float>{1, 0, 0, 0, 0, 1, 0, 0});
  CHECK(eye(3, 2).to_vector<float>() == std::vector<float>{1, 0, 0, 1, 0, 0});
  CHECK(eye(2, -1, DType::Int64).to_vector<int64_t>() == std::vector<int64_t>{1, 0, 0, 1});
  CHECK(eye(0).shape() == Shape{0, 0});
}

TEST_CASE("tensor: random factories and manual_seed", "[tensor][random]") {
  manual_seed(123);
  std::vector<float> n = randn({20000}).to_vector<float>();
  CHECK(std::fabs(mean_of(n)) < 0.03);
  CHECK(std::fabs(std_of(n) - 1) < 0.03);

  std::vector<float> u = rand({20000}).to_vector<float>();
  CHECK(*std::min_element(u.begin(), u.end()) >= 0.0f);
  CHECK(*std::max_element(u.begin(), u.end()) < 1.0f);
  CHECK(std::fabs(mean_of(u) - 0.5) < 0.01);

  std::vector<int64_t> ri = randint(-3, 4, {5000}).to_vector<int64_t>();
  std::set<int64_t> seen(ri.begin(), ri.end());
  CHECK(seen == std::set<int64_t>{-3, -2, -1, 0, 1, 2, 3});
  CHECK(randint(0, 5, {3}).dtype() == DType::Int64);
  CHECK(randint(0, 5, {3}, DType::Float32).dtype() == DType::Float32);

  std::vector<int64_t> perm = randperm(50).to_vector<int64_t>();
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> expected(50);
  std::iota(expected.begin(), expected.end(), 0);
  CHECK(sorted == expected);
  CHECK(perm != expected);  // shuffled (probability of identity is 1/50!)
  CHECK(randperm(0).numel() == 0);

  // Same seed, same draws, for every random source; another seed differs.
  auto draw = [] {
    std::vector<float> out = randn({7}).to_vector<float>();
    for (float v : rand({5}).to_vector<float>()) out.push_back(v);
    for (int64_t v : randint(0, 1000, {5}).to_vector<int64_t>()) out.push_back(static_cast<float>(v));
    for (int64_t v : randperm(10).to_vector<int64_t>()) out.push_back(static_cast<float>(v));
    for (float v : zeros({5}).normal_(1, 2).to_vector<float>()) out.push_back(v);
    for (float v : zeros({5}).uniform_(-1, 1).to_vector<float>()) out.push_back(v);
    return out;
  };
  manual_seed(42);
  std::vector<float> first = draw();
  manual_seed(42);
  std::vector<float> second = draw();
  manual_seed(43);
  std::vector<float> third = draw();
  CHECK(first == second);
  CHECK(first != third);
  CHECK(default_generator().initial_seed() == 43);
}

TEST_CASE("tensor: item and to_vector", "[tensor]") {
  Tensor a = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(a.t().to_vector<float>() == std::vector<float>{1, 4, 2, 5, 3, 6});  // row-major in the view's order
  CHECK(a.to_vector<int64_t>() == std::vector<int64_t>{1, 2, 3, 4, 5, 6});
  CHECK(a.gt(3.0).to_vector<bool>() == std::vector<bool>{false, false, false, true, true, true});
  CHECK(a.select(1, 2).to_vector<double>() == std::vector<double>{3, 6});
  CHECK(a[1][2].item<float>() == 6);
  CHECK(a.narrow(0, 1, 1).narrow(1, 0, 1).item<int64_t>() == 4);  // any one-element shape
  CHECK(tensor_i64({-7}).item<int64_t>() == -7);
  CHECK(tensor_i64({(int64_t{1} << 40) + 1}).item<int64_t>() == (int64_t{1} << 40) + 1);
  CHECK(tensor_bool({true}, {1, 1}).item<bool>());
  CHECK(scalar_tensor(0.25).item<double>() == 0.25);
  CHECK(zeros({0}).to_vector<float>().empty());
  CHECK(a.sum().item<float>() == 21);
}

TEST_CASE("tensor: dtype conversion", "[tensor]") {
  Tensor f = tensor({-1.7f, 2.9f, 0.0f, -0.2f});
  CHECK(f.to(DType::Int64).to_vector<int64_t>() == std::vector<int64_t>{-1, 2, 0, 0});  // toward zero
  CHECK(f.to(DType::Bool).to_vector<bool>() == std::vector<bool>{true, true, false, true});
  CHECK(tensor_bool({true, false}, {2}).to(DType::Float32).to_vector<float>() == std::vector<float>{1, 0});
  CHECK(tensor_i64({3, -4}).to(DType::Float32).to_vector<float>() == std::vector<float>{3, -4});
  CHECK(f.to(DType::Float32).same(f));  // no conversion, no copy (as PyTorch's .to)
  Tensor ft = tensor({1, 2, 3, 4}, {2, 2}).t();
  CHECK(ft.to(DType::Int64).to_vector<int64_t>() == std::vector<int64_t>{1, 3, 2, 4});

  // Promotion in arithmetic.
  CHECK((tensor_i64({1, 2}) + tensor_i64({3, 4})).dtype() == DType::Int64);
  CHECK((tensor_i64({1, 2}) + tensor({0.5f, 0.5f})).dtype() == DType::Float32);
  CHECK((tensor_i64({1, 2}) / tensor_i64({2, 2})).to_vector<float>() == std::vector<float>{0.5, 1});
  CHECK(tensor_i64({1, 2}).sum().dtype() == DType::Int64);
  CHECK(tensor_bool({true, true, false}, {3}).sum().item<int64_t>() == 2);
}

TEST_CASE("tensor: in-place ops write values and bump the version", "[tensor]") {
  struct Row {
    const char* name;
    std::function<void(Tensor&)> op;
    std::vector<float> expected;  // empty: only the version is checked
  };
  const std::vector<Row> rows = {
      {"add_", [](Tensor& t) { t.add_(tensor({1, 1, 1, 1}, {2, 2})); }, {2, 3, 4, 5}},
      {"add_ alpha broadcast", [](Tensor& t) { t.add_(tensor({1, 2}), 10); }, {11, 22, 13, 24}},
      {"add_ scalar", [](Tensor& t) { t.add_(0.5); }, {1.5, 2.5, 3.5, 4.5}},
      {"sub_", [](Tensor& t) { t.sub_(tensor({1, 2}), 2); }, {-1, -2, 1, 0}},
      {"mul_", [](Tensor& t) { t.mul_(tensor({2, 3}, {2, 1})); }, {2, 4, 9, 12}},
      {"mul_ scalar", [](Tensor& t) { t.mul_(-1); }, {-1, -2, -3, -4}},
      {"div_", [](Tensor& t) { t.div_(tensor({2, 4})); }, {0.5, 0.5, 1.5, 1}},
      {"div_ scalar", [](Tensor& t) { t.div_(4); }, {0.25, 0.5, 0.75, 1}},
      {"zero_", [](Tensor& t) { t.zero_(); }, {0, 0, 0, 0}},
      {"fill_", [](Tensor& t) { t.fill_(9); }, {9, 9, 9, 9}},
      {"copy_", [](Tensor& t) { t.copy_(tensor({5, 6, 7, 8}, {2, 2})); }, {5, 6, 7, 8}},
      {"copy_ broadcast", [](Tensor& t) { t.copy_(tensor({5, 6})); }, {5, 6, 5, 6}},
      {"copy_ from int64", [](Tensor& t) { t.copy_(tensor_i64({7, 8})); }, {7, 8, 7, 8}},
      {"copy_ from bool", [](Tensor& t) { t.copy_(tensor_bool({true, false, false, true}, {2, 2})); }, {1, 0, 0, 1}},
      {"copy_ from transposed", [](Tensor& t) { t.copy_(tensor({1, 2, 3, 4}, {2, 2}).t()); }, {1, 3, 2, 4}},
      {"clamp_", [](Tensor& t) { t.clamp_(1.5, 3.5); }, {1.5, 2, 3, 3.5}},
      {"clamp_ min only", [](Tensor& t) { t.clamp_(2.5, std::nullopt); }, {2.5, 2.5, 3, 4}},
      {"masked_fill_", [](Tensor& t) { t.masked_fill_(tensor_bool({true, false}, {2}), -1); }, {-1, 2, -1, 4}},
      {"normal_", [](Tensor& t) { t.normal_(); }, {}},
      {"uniform_", [](Tensor& t) { t.uniform_(); }, {}},
  };
  for (const Row& r : rows) {
    INFO(r.name);
    Tensor t = tensor({1, 2, 3, 4}, {2, 2});
    Tensor view = t.t();
    uint32_t v = t.version();
    r.op(t);
    CHECK(t.version() == v + 1);
    CHECK(view.version() == v + 1);
    if (!r.expected.empty()) CHECK(t.to_vector<float>() == r.expected);
  }
  // Returns self, so calls chain.
  Tensor c = zeros({2});
  CHECK(&c.add_(1.0).mul_(3.0) == &c);
  CHECK(c.to_vector<float>() == std::vector<float>{3, 3});
  CHECK(c.version() == 2);
  // In-place through a non-contiguous view writes the right elements.
  Tensor m = zeros({2, 3});
  m.t().add_(tensor({1, 2, 3}, {3, 1}));
  CHECK(m.to_vector<float>() == std::vector<float>{1, 2, 3, 1, 2, 3});
}

TEST_CASE("tensor: copy_ converts dtypes", "[tensor]") {
  Tensor i = zeros({3}, DType::Int64);
  i.copy_(tensor({-1.7f, 2.9f, 0.4f}));
  CHECK(i.to_vector<int64_t>() == std::vector<int64_t>{-1, 2, 0});
  Tensor b = zeros({3}, DType::Bool);
  b.copy_(tensor({0.0f, 0.1f, -3}));
  CHECK(b.to_vector<bool>() == std::vector<bool>{false, true, true});
  Tensor i2 = zeros({2, 2}, DType::Int64);
  i2.copy_(tensor_bool({true, false}, {2}));
  CHECK(i2.to_vector<int64_t>() == std::vector<int64_t>{1, 0, 1, 0});
  // Integer in-place arithmetic stays integer.
  Tensor k = tensor_i64({1, 2, 3});
  k.add_(tensor_i64({10, 10, 10}), 2);
  CHECK(k.to_vector<int64_t>() == std::vector<int64_t>{21, 22, 23});
  k.mul_(tensor_i64({2}));
  CHECK(k.to_vector<int64_t>() == std::vector<int64_t>{42, 44, 46});
  CHECK(k.dtype() == DType::Int64);
}

TEST_CASE("tensor: normal_ and uniform_ statistics with a seed", "[tensor][random]") {
  manual_seed(2024);
  std::vector<float> n = zeros({40000}).normal_(2, 0.5).to_vector<float>();
  CHECK(std::fabs(mean_of(n) - 2) < 0.01);
  CHECK(std::fabs(std_of(n) - 0.5) < 0.01);
  std::vector<float> u = zeros({40000}).uniform_(-1, 3).to_vector<float>();
  CHECK(*std::min_element(u.begin(), u.end()) >= -1.0f);
  CHECK(*std::max_element(u.begin(), u.end()) < 3.0f);
  CHECK(std::fabs(mean_of(u) - 1) < 0.03);
  CHECK(std::fabs(std_of(u) - 4 / std::sqrt(12.0)) < 0.02);
  // std 0 and from == to are allowed and constant.
  CHECK(zeros({3}).normal_(5, 0).to_vector<float>() == std::vector<float>{5, 5, 5});
  CHECK(zeros({3}).uniform_(2, 2).to_vector<float>() == std::vector<float>{2, 2, 2});
  // Through a strided view only the view's elements change.
  Tensor m = zeros({4, 4});
  m.select(1, 0).normal_(10, 1);
  CHECK(m.select(1, 1).abs().sum().item<float>() == 0);
  CHECK(m.select(1, 0).min().item<float>() > 5);
}

TEST_CASE("tensor: in-place on expanded tensors is rejected", "[tensor]") {
  Tensor v = tensor({1, 2, 3});
  Tensor e = v.expand({2, 3});
  const std::vector<std::function<void()>> ops = {
      [&] { e.add_(1.0); }, [&] { e.mul_(2.0); }, [&] { e.zero_(); }, [&] { e.fill_(1); },
      [&] { e.copy_(ones({2, 3})); }, [&] { e.clamp_(0.0, 1.0); }, [&] { e.normal_(); }, [&] { e.uniform_(); },
      [&] { e.masked_fill_(tensor_bool({true, false, true}, {3}), 0); }, [&] { e.sub_(ones({2, 3})); },
      [&] { e.div_(2.0); }};
  for (size_t i = 0; i < ops.size(); ++i) {
    INFO("op #" << i);
    try {
      ops[i]();
      FAIL_CHECK("no error");
    } catch (const Error& err) {
      CHECK(err.kind() == ErrorKind::State);
      CHECK(std::string(err.what()).find("more than one element of the written-to tensor refers to a single memory location") !=
            std::string::npos);
    }
  }
  CHECK(v.to_vector<float>() == std::vector<float>{1, 2, 3});
  CHECK(v.version() == 0);
  // No overlap: expanding a size-1 dim to 1, and an expanded tensor's clone.
  Tensor one = v.unsqueeze(0).expand({1, 3});
  one.add_(1.0);
  CHECK(v.to_vector<float>() == std::vector<float>{2, 3, 4});
  Tensor c = e.clone();
  c.add_(1.0);
  CHECK(c.to_vector<float>() == std::vector<float>{3, 4, 5, 3, 4, 5});
}

TEST_CASE("tensor: reductions over empty dims", "[tensor]") {
  Tensor z = zeros({0, 3});
  CHECK(z.sum().item<float>() == 0);
  CHECK(z.sum({0}).to_vector<float>() == std::vector<float>{0, 0, 0});
  CHECK(z.argmax(1).shape() == Shape{0});  // reducing a non-empty dim of an empty tensor is fine
  CHECK(z.max(1).first.shape() == Shape{0});
  CHECK(z.sum({1}).shape() == Shape{0});
}

TEST_CASE("tensor: a size whose byte count overflows is refused before allocating", "[tensor]") {
  // 2^21 cubed float32 elements need 2^65 bytes: the product wraps in 64 bits (and far sooner
  // in wasm32's 32-bit size_t), so the check must run before the multiplication is used.
  const int64_t big = int64_t{1} << 21;
  MemoryStats before = memory_stats();
  CHECK_THROWS_WITH(zeros({big, big, big}), Catch::Contains("out of memory") && Catch::Contains("[2097152, 2097152, 2097152]"));
  // An op that materializes such a shape (here a copy of an expanded view) is refused too.
  CHECK_THROWS_AS(ones({1}).expand({big, big, big}).contiguous(), ValueError);
  CHECK(memory_stats().live_storages == before.live_storages);
  CHECK(zeros({0, big, big}).numel() == 0);  // an empty tensor of any shape is fine
}

TEST_CASE("storage: freed blocks are reused by size class, zeroed, and counted", "[tensor][allocator]") {
  // Blocks an earlier test left in the cache would make the fresh and reused counts below
  // depend on which tests ran before.
  empty_cache();
  CHECK(memory_stats().cached_blocks == 0);
  const size_t bytes = 3000 * sizeof(float);  // class 12 KiB (8 KiB · 1.5)
  void* first;
  {
    Storage s(bytes);
    first = s.data();
    static_cast<float*>(s.data())[7] = 42.0f;
  }
  MemoryStats freed = memory_stats();
  CHECK(freed.cached_blocks >= 1);
  CHECK(freed.cached_bytes >= 12288);
  {
    Storage again(2900 * sizeof(float));  // another size in the same class
    CHECK(again.data() == first);         // the block just freed (the last in its list)
    CHECK(static_cast<float*>(again.data())[7] == 0.0f);
    MemoryStats now = memory_stats();
    CHECK(now.reused_blocks == freed.reused_blocks + 1);
    CHECK(now.fresh_blocks == freed.fresh_blocks);
    CHECK(now.cached_blocks == freed.cached_blocks - 1);
    CHECK(now.live_bytes == freed.live_bytes + static_cast<int64_t>(2900 * sizeof(float)));
    CHECK(reinterpret_cast<uintptr_t>(again.data()) % 64 == 0);
  }
  {
    Storage bigger(3100 * sizeof(float));  // the next class (14 KiB): a fresh block
    CHECK(memory_stats().fresh_blocks == freed.fresh_blocks + 1);
    CHECK(reinterpret_cast<uintptr_t>(bigger.data()) % 64 == 0);
  }
}
