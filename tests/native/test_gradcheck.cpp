// Every differentiable op against finite differences (see gradcheck.h), each with contiguous,
// transposed (non-contiguous) and broadcast (stride-0) inputs; and the gradient of its
// gradient (gradgradcheck: its backward recorded with create_graph, differentiated again).
#include <catch2/catch.hpp>

#include "gradcheck.h"

using namespace kd;
using kd::test::Domain;
using kd::test::Layout;

namespace {

// One input of a case: a random float tensor of `shape`, or a fixed tensor (index, mask).
struct Spec {
  Shape shape;
  Domain domain = Domain::Any;
  Tensor fixed;
};
Spec F(Shape shape, Domain domain = Domain::Any) { return Spec{std::move(shape), domain, Tensor()}; }
Spec Fixed(Tensor t) { return Spec{{}, Domain::Any, std::move(t)}; }

enum LayoutMask : unsigned { kContiguous = 1, kTransposed = 2, kBroadcast = 4, kMixed = 8, kAll = 15 };

struct Case {
  std::string name;
  std::vector<Spec> inputs;
  kd::test::TensorFn fn;
  unsigned layouts = kAll;
  // False where the gradient is not the derivative on purpose (embedding's padding_idx and
  // scale_grad_by_freq): only its recorded form is checked, by gradgradcheck.
  bool gradient_is_derivative = true;
};

using V = const std::vector<Tensor>&;

void run_cases(const std::vector<Case>& cases) {
  const std::pair<unsigned, const char*> variants[] = {
      {kContiguous, "contiguous"}, {kTransposed, "transposed"}, {kBroadcast, "broadcast"}, {kMixed, "mixed"}};
  for (const Case& c : cases) {
    for (auto [mask, variant] : variants) {
      if (!(c.layouts & mask)) continue;
      std::mt19937 rng(static_cast<uint32_t>(std::hash<std::string>()(c.name) & 0xffff));
      std::vector<Tensor> inputs;
      size_t float_index = 0;
      for (const Spec& s : c.inputs) {
        if (s.fixed.defined()) {
          inputs.push_back(s.fixed);
          continue;
        }
        Layout layout = mask == kContiguous   ? Layout::Contiguous
                        : mask == kTransposed ? Layout::Transposed
                        : mask == kBroadcast  ? Layout::Broadcast
                                              : (float_index % 2 == 0 ? Layout::Transposed : Layout::Broadcast);
        inputs.push_back(kd::test::make_input(s.shape, layout, s.domain, rng));
        float_index++;
      }
      INFO("case: " << c.name << " [" << variant << "]");
      // First derivatives, then second ones (the backward recorded with create_graph).
      for (auto check : {&kd::test::gradcheck, &kd::test::gradgradcheck}) {
        if (check == &kd::test::gradcheck && !c.gradient_is_derivative) continue;
        INFO((check == &kd::test::gradcheck ? "gradcheck" : "gradgradcheck"));
        kd::test::GradcheckResult r;
        try {
          r = check(c.fn, inputs, {});
        } catch (const std::exception& e) {
          FAIL_CHECK("threw: " << e.what());
          continue;
        }
        INFO(r.message);
        CHECK(r.ok);
      }
    }
  }
}

Tensor idx(std::vector<int64_t> v, Shape shape) { return tensor_i64(v, shape); }
Tensor mask23() { return tensor_bool({true, false, true, false, false, true}, {2, 3}); }

}  // namespace

TEST_CASE("gradcheck: the checker itself catches a wrong gradient", "[gradcheck]") {
  // A deliberately wrong backward: y = x * 2 in value, but gradient of x * 3 (detach trick).
  auto wrong = [](V x) { return x[0].mul(3.0).sub(x[0].detach()); };  // value 2x, gradient 3
  std::mt19937 rng(1);
  auto r = kd::test::gradcheck(wrong, {kd::test::make_input({2, 3}, Layout::Contiguous, Domain::Any, rng)});
  CHECK_FALSE(r.ok);
  CHECK(r.worst_ratio > 1);
  CHECK(r.worst_analytic / r.worst_numeric == Approx(1.5).epsilon(1e-3));
  CHECK(r.message.find("analytic") != std::string::npos);
  CHECK(r.message.find("numeric") != std::string::npos);
  // And passes a right one, for every layout.
  for (Layout l : {Layout::Contiguous, Layout::Transposed, Layout::Broadcast}) {
    auto ok = kd::test::gradcheck([](V x) { return x[0].mul(2.0); }, {kd::test::make_input({2, 3}, l, Domain::Any, rng)});
    INFO(kd::test::layout_name(l) << ": " << ok.message);
    CHECK(ok.ok);
  }
}

TEST_CASE("gradcheck: the layouts are what they claim", "[gradcheck]") {
  std::mt19937 rng(2);
  Tensor t = kd::test::make_input({2, 3, 4}, Layout::Transposed, Domain::Any, rng);
  CHECK(t.shape() == Shape{2, 3, 4});
  CHECK_FALSE(t.is_contiguous());
  Tensor b = kd::test::make_input({2, 3}, Layout::Broadcast, Domain::Any, rng);
  CHECK(b.shape() == Shape{2, 3});
  CHECK(b.strides()[0] == 0);
  Tensor v = kd::test::make_input({5}, Layout::Transposed, Domain::Any, rng);
  CHECK(v.strides()[0] == 2);
  CHECK(v.storage_offset() == 1);
}

TEST_CASE("gradcheck: element-wise ops", "[gradcheck]") {
  std::vector<Case> cases = {
      {"add", {F({2, 3}), F({2, 3})}, [](V x) { return x[0] + x[1]; }},
      {"add broadcast", {F({2, 3, 4}), F({3, 1})}, [](V x) { return x[0] + x[1]; }},
      {"add alpha", {F({2, 3}), F({2, 3})}, [](V x) { return add(x[0], x[1], 2.5); }},
      {"add scalar", {F({2, 3})}, [](V x) { return x[0] + 1.5; }},
      {"sub", {F({2, 3}), F({2, 3})}, [](V x) { return x[0] - x[1]; }},
      {"sub alpha broadcast", {F({3, 1}), F({1, 4})}, [](V x) { return sub(x[0], x[1], 0.5); }},
      {"rsub scalar", {F({2, 3})}, [](V x) { return 2.0 - x[0]; }},
      {"mul", {F({2, 3}), F({2, 3})}, [](V x) { return x[0] * x[1]; }},
      {"mul broadcast", {F({2, 3, 4}), F({3, 1})}, [](V x) { return x[0] * x[1]; }},
      {"mul self", {F({2, 3})}, [](V x) { return x[0] * x[0]; }},
      {"mul scalar", {F({2, 3})}, [](V x) { return x[0] * -1.5; }},
      {"div", {F({2, 3}), F({2, 3}, Domain::AwayFromZero)}, [](V x) { return x[0] / x[1]; }},
      {"div broadcast", {F({4, 3}), F({3}, Domain::AwayFromZero)}, [](V x) { return x[0] / x[1]; }},
      {"rdiv scalar", {F({2, 3}, Domain::AwayFromZero)}, [](V x) { return 2.0 / x[0]; }},
      {"neg", {F({2, 3})}, [](V x) { return -x[0]; }},
      {"pow 3", {F({2, 3})}, [](V x) { return x[0].pow(3.0); }},
      {"pow 2", {F({2, 3})}, [](V x) { return x[0].pow(2.0); }},
      {"pow 2.5", {F({2, 3}, Domain::Positive)}, [](V x) { return x[0].pow(2.5); }},
      {"pow 0", {F({2, 3})}, [](V x) { return x[0].pow(0.0); }},
      {"pow -1", {F({2, 3}, Domain::AwayFromZero)}, [](V x) { return x[0].pow(-1.0); }},
      {"pow tensor", {F({2, 3}, Domain::Positive), F({2, 3})}, [](V x) { return x[0].pow(x[1]); }},
      {"pow tensor broadcast", {F({3, 4}, Domain::Positive), F({4})}, [](V x) { return x[0].pow(x[1]); }},
      {"exp", {F({2, 3})}, [](V x) { return x[0].exp(); }},
      {"log", {F({2, 3}, Domain::Positive)}, [](V x) { return x[0].log(); }},
      {"sqrt", {F({2, 3}, Domain::Positive)}, [](V x) { return x[0].sqrt(); }},
      {"square", {F({2, 3})}, [](V x) { return x[0].square(); }},
      {"abs", {F({2, 3}, Domain::AwayFromZero)}, [](V x) { return x[0].abs(); }},
      {"clamp both", {F({3, 4})}, [](V x) { return x[0].clamp(-0.5, 0.7); }},
      {"clamp min", {F({3, 4})}, [](V x) { return x[0].clamp(0.1, std::nullopt); }},
      {"clamp max", {F({3, 4})}, [](V x) { return x[0].clamp(std::nullopt, -0.1); }},
      {"tanh", {F({2, 3})}, [](V x) { return x[0].tanh(); }},
      {"sigmoid", {F({2, 3})}, [](V x) { return x[0].sigmoid(); }},
      {"relu", {F({3, 4}, Domain::AwayFromZero)}, [](V x) { return x[0].relu(); }},
      {"gelu", {F({3, 4})}, [](V x) { return x[0].gelu(); }},
      {"where", {Fixed(mask23()), F({2, 3}), F({2, 3})}, [](V x) { return where(x[0], x[1], x[2]); }},
      {"where broadcast", {Fixed(tensor_bool({true, false, true}, {3})), F({2, 3}), F({2, 1})},
       [](V x) { return where(x[0], x[1], x[2]); }},
      {"masked_fill", {F({2, 3}), Fixed(mask23())}, [](V x) { return x[0].masked_fill(x[1], 0.5); }},
      {"masked_fill broadcast mask", {F({4, 3}), Fixed(tensor_bool({false, true, false}, {3}))},
       [](V x) { return x[0].masked_fill(x[1], -2.0); }},
      {"clone", {F({2, 3})}, [](V x) { return x[0].clone(); }},
      {"contiguous", {F({2, 3})}, [](V x) { return x[0].contiguous(); }},
      {"composition", {F({2, 3}), F({3})}, [](V x) { return (x[0] * x[1]).tanh() + x[0].sigmoid() * x[1].exp(); }},
  };
  run_cases(cases);
}

TEST_CASE("gradcheck: reductions", "[gradcheck]") {
  std::vector<Case> cases = {
      {"sum", {F({2, 3, 4})}, [](V x) { return x[0].sum(); }},
      {"sum dim 0", {F({2, 3, 4})}, [](V x) { return x[0].sum({0}); }},
      {"sum dim -1 keepdim", {F({2, 3, 4})}, [](V x) { return x[0].sum({-1}, true); }},
      {"sum dims 0,2", {F({2, 3, 4})}, [](V x) { return x[0].sum({0, 2}); }},
      {"mean", {F({2, 3, 4})}, [](V x) { return x[0].mean(); }},
      {"mean dim 1", {F({2, 3, 4})}, [](V x) { return x[0].mean({1}); }},
      {"mean dims keepdim", {F({2, 3, 4})}, [](V x) { return x[0].mean({0, -1}, true); }},
      {"max", {F({3, 4})}, [](V x) { return x[0].max(); }},
      {"min", {F({3, 4})}, [](V x) { return x[0].min(); }},
      {"max dim 1", {F({3, 4})}, [](V x) { return x[0].max(1).first; }},
      {"max dim 0 keepdim", {F({3, 4})}, [](V x) { return x[0].max(0, true).first; }},
      {"min dim -1", {F({2, 3, 4})}, [](V x) { return x[0].min(-1).first; }},
      {"min dim 1 keepdim", {F({2, 3, 4})}, [](V x) { return x[0].min(1, true).first; }},
      {"var", {F({3, 4})}, [](V x) { return x[0].var(); }},
      {"var dim 1 biased", {F({3, 4})}, [](V x) { return x[0].var(Shape{1}, false); }},
      {"var dim 0 keepdim", {F({3, 4})}, [](V x) { return x[0].var(Shape{0}, true, true); }},
      {"std", {F({3, 4})}, [](V x) { return x[0].std(); }},
      {"std dim 1 keepdim", {F({3, 4})}, [](V x) { return x[0].std(Shape{1}, true, true); }},
      {"norm 1", {F({3, 4}, Domain::AwayFromZero)}, [](V x) { return x[0].norm(1); }},
      {"norm 2", {F({3, 4})}, [](V x) { return x[0].norm(2); }},
      {"norm 3", {F({3, 4})}, [](V x) { return x[0].norm(3); }},
      {"norm inf", {F({3, 4})}, [](V x) { return x[0].norm(INFINITY); }},
      {"norm 1 dim 1", {F({3, 4}, Domain::AwayFromZero)}, [](V x) { return x[0].norm(1, Shape{1}); }},
      {"norm 2 dim 1", {F({3, 4})}, [](V x) { return x[0].norm(2, Shape{1}); }},
      {"norm 3 dim 0 keepdim", {F({3, 4})}, [](V x) { return x[0].norm(3, Shape{0}, true); }},
      {"norm inf dim 1", {F({3, 4})}, [](V x) { return x[0].norm(INFINITY, Shape{1}); }},
      {"softmax -1", {F({2, 3, 4})}, [](V x) { return x[0].softmax(-1); }},
      {"softmax 0", {F({3, 4})}, [](V x) { return x[0].softmax(0); }},
      {"log_softmax -1", {F({2, 3, 4})}, [](V x) { return x[0].log_softmax(-1); }},
      {"log_softmax 1", {F({2, 3, 4})}, [](V x) { return x[0].log_softmax(1); }},
  };
  run_cases(cases);
}

TEST_CASE("gradcheck: matmul, mm, bmm", "[gradcheck]") {
  auto mmul = [](V x) { return x[0].matmul(x[1]); };
  std::vector<Case> cases = {
      {"matmul 1x1", {F({4}), F({4})}, mmul},
      {"matmul 1x2", {F({3}), F({3, 4})}, mmul},
      {"matmul 2x1", {F({2, 3}), F({3})}, mmul},
      {"matmul 2x2", {F({2, 3}), F({3, 4})}, mmul},
      {"matmul 3x1", {F({2, 3, 4}), F({4})}, mmul},
      {"matmul 3x2", {F({2, 3, 4}), F({4, 5})}, mmul},
      {"matmul 1x3", {F({3}), F({2, 3, 4})}, mmul},
      {"matmul 2x3", {F({3, 4}), F({2, 4, 5})}, mmul},
      {"matmul 3x3", {F({2, 3, 4}), F({2, 4, 2})}, mmul},
      {"matmul 4x3 batch broadcast", {F({2, 1, 3, 4}), F({3, 4, 2})}, mmul},
      {"matmul 4x1", {F({2, 2, 3, 4}), F({4})}, mmul},
      {"mm", {F({2, 3}), F({3, 4})}, [](V x) { return x[0].mm(x[1]); }},
      {"mm self", {F({3, 3})}, [](V x) { return x[0].mm(x[0]); }},
      {"bmm", {F({2, 3, 4}), F({2, 4, 2})}, [](V x) { return x[0].bmm(x[1]); }},
  };
  run_cases(cases);
}

TEST_CASE("gradcheck: indexing, cat, stack", "[gradcheck]") {
  std::vector<Case> cases = {
      {"index_select dim 0", {F({4, 3}), Fixed(idx({2, 0, 2}, {3}))}, [](V x) { return x[0].index_select(0, x[1]); }},
      {"index_select dim 1", {F({2, 4}), Fixed(idx({3, 3, 1, 0}, {4}))}, [](V x) { return x[0].index_select(1, x[1]); }},
      {"index_select dim -1 3d", {F({2, 3, 4}), Fixed(idx({1, 3}, {2}))}, [](V x) { return x[0].index_select(-1, x[1]); }},
      {"gather dim 1", {F({3, 4}), Fixed(idx({0, 3, 3, 1, 2, 2}, {3, 2}))}, [](V x) { return x[0].gather(1, x[1]); }},
      {"gather dim 0", {F({3, 4}), Fixed(idx({2, 0, 1, 2, 0, 0, 1, 1}, {2, 4}))}, [](V x) { return x[0].gather(0, x[1]); }},
      {"scatter_add", {F({3, 4}), Fixed(idx({0, 2, 2, 1, 1, 1}, {2, 3})), F({2, 3})},
       [](V x) { return x[0].scatter_add(0, x[1], x[2]); }},
      {"scatter_add dim 1 src larger than index", {F({2, 5}), Fixed(idx({4, 0, 4, 1}, {2, 2})), F({2, 3})},
       [](V x) { return x[0].scatter_add(1, x[1], x[2]); }},
      {"cat dim 0", {F({2, 3}), F({1, 3}), F({3, 3})}, [](V x) { return cat({x[0], x[1], x[2]}, 0); }},
      {"cat dim 1", {F({2, 3}), F({2, 1}), F({2, 2})}, [](V x) { return cat({x[0], x[1], x[2]}, 1); }},
      {"cat dim -1 3d", {F({2, 3, 2}), F({2, 3, 3})}, [](V x) { return cat({x[0], x[1]}, -1); }},
      {"cat same tensor twice", {F({2, 3})}, [](V x) { return cat({x[0], x[0].mul(2.0)}, 0); }},
      {"stack dim 0", {F({2, 3}), F({2, 3})}, [](V x) { return stack({x[0], x[1]}, 0); }},
      {"stack dim 1", {F({2, 3}), F({2, 3})}, [](V x) { return stack({x[0], x[1]}, 1); }},
      {"stack dim -1", {F({2, 3}), F({2, 3}), F({2, 3})}, [](V x) { return stack({x[0], x[1], x[2]}, -1); }},
  };
  run_cases(cases);
}

TEST_CASE("gradcheck: view ops", "[gradcheck]") {
  std::vector<Case> cases = {
      // Splitting the last dim is a valid view for every layout the checker makes.
      {"view split last dim", {F({2, 3, 4})}, [](V x) { return x[0].view({2, 3, 2, 2}); }},
      {"view -1", {F({2, 3, 4})}, [](V x) { return x[0].view({2, 3, -1, 1}); }},
      // Merging dims is only a view of contiguous memory.
      {"view merge", {F({2, 3, 4})}, [](V x) { return x[0].view({6, 4}); }, kContiguous},
      {"reshape merge (copies when needed)", {F({2, 3, 4})}, [](V x) { return x[0].reshape({6, 4}); }},
      {"reshape all", {F({2, 3, 4})}, [](V x) { return x[0].reshape({4, -1}); }},
      {"transpose", {F({2, 3, 4})}, [](V x) { return x[0].transpose(0, 2); }},
      {"transpose negative", {F({2, 3, 4})}, [](V x) { return x[0].transpose(-1, -2); }},
      {"permute", {F({2, 3, 4})}, [](V x) { return x[0].permute({1, 2, 0}); }},
      {"t", {F({3, 4})}, [](V x) { return x[0].t(); }},
      {"t then mm", {F({3, 4}), F({3, 2})}, [](V x) { return x[0].t().mm(x[1]); }},
      {"unsqueeze", {F({3, 4})}, [](V x) { return x[0].unsqueeze(1); }},
      {"unsqueeze -1", {F({3, 4})}, [](V x) { return x[0].unsqueeze(-1); }},
      {"squeeze", {F({3, 1, 4})}, [](V x) { return x[0].squeeze(); }},
      {"squeeze dim", {F({3, 1, 4})}, [](V x) { return x[0].squeeze(1); }},
      {"expand", {F({3, 1})}, [](V x) { return x[0].expand({2, 3, 4}); }},
      {"expand -1", {F({1, 4})}, [](V x) { return x[0].expand({3, -1}); }},
      {"narrow", {F({3, 5})}, [](V x) { return x[0].narrow(1, 1, 3); }},
      {"narrow negative start", {F({4, 3})}, [](V x) { return x[0].narrow(0, -3, 2); }},
      {"select", {F({3, 4})}, [](V x) { return x[0].select(1, 2); }},
      {"select negative", {F({3, 4})}, [](V x) { return x[0].select(0, -1); }},
      {"operator[]", {F({3, 4})}, [](V x) { return x[0][1]; }},
      {"slice step 2", {F({3, 5})}, [](V x) { return x[0].slice(1, 0, std::nullopt, 2); }},
      {"slice step 3 negative start", {F({7, 2})}, [](V x) { return x[0].slice(0, -6, 100, 3); }},
      {"flatten", {F({2, 3, 4})}, [](V x) { return x[0].flatten(); }},
      {"flatten 1..2", {F({2, 3, 4})}, [](V x) { return x[0].flatten(1); }},
      {"as_strided", {F({3, 4})}, [](V x) { return x[0].contiguous().as_strided({3, 2}, {1, 3}, 1); }},
      {"as_strided overlapping windows", {F({3, 4})}, [](V x) { return x[0].contiguous().as_strided({4, 3}, {2, 1}, 0); }},
      {"view of view chain", {F({2, 3, 4})},
       [](V x) { return x[0].transpose(0, 1).select(2, 1).unsqueeze(0).expand({2, 3, 2}).narrow(1, 1, 2); }},
      {"view then op", {F({2, 3, 4})}, [](V x) { return x[0].permute({2, 0, 1}).reshape({4, 6}).softmax(1); }},
  };
  run_cases(cases);
}

TEST_CASE("gradcheck: in-place ops on non-leaves", "[gradcheck]") {
  std::vector<Case> cases = {
      {"add_", {F({2, 3}), F({2, 3})}, [](V x) { Tensor y = x[0] * 1.0; y.add_(x[1]); return y; }},
      {"add_ alpha broadcast", {F({2, 3}), F({3})}, [](V x) { Tensor y = x[0] * 1.0; y.add_(x[1], -2.0); return y * x[0]; }},
      {"add_ scalar", {F({2, 3})}, [](V x) { Tensor y = x[0] * 2.0; y.add_(3.0); return y * y; }},
      {"sub_", {F({2, 3}), F({2, 3})}, [](V x) { Tensor y = x[0] + 1.0; y.sub_(x[1], 0.5); return y.exp(); }},
      {"mul_", {F({2, 3}), F({2, 3})}, [](V x) { Tensor y = x[0] * 1.0; y.mul_(x[1]); return y; }},
      {"mul_ self-referential", {F({2, 3})}, [](V x) { Tensor y = x[0] * 1.0; y.mul_(x[0]); return y + x[0]; }},
      {"mul_ scalar after tanh", {F({2, 3})}, [](V x) { Tensor y = x[0].sigmoid() + 0.0; y.mul_(3.0); return y; }},
      {"div_", {F({2, 3}), F({2, 3}, Domain::AwayFromZero)}, [](V x) { Tensor y = x[0] * 1.0; y.div_(x[1]); return y; }},
      {"div_ scalar", {F({2, 3})}, [](V x) { Tensor y = x[0] * 1.0; y.div_(4.0); return y; }},
      {"clamp_", {F({3, 4})}, [](V x) { Tensor y = x[0] * 1.0; y.clamp_(-0.5, 0.5); return y; }},
      {"masked_fill_", {F({2, 3}), Fixed(mask23())}, [](V x) { Tensor y = x[0] * 1.0; y.masked_fill_(x[1], 7.0); return y * x[0]; }},
      {"copy_", {F({2, 3}), F({2, 3})}, [](V x) { Tensor y = x[0] * 1.0; y.copy_(x[1]); return y + x[0]; }},
      {"copy_ broadcast", {F({2, 3}), F({3})}, [](V x) { Tensor y = x[0] * 1.0; y.copy_(x[1]); return y * x[0]; }},
      {"zero_ then add_", {F({2, 3}), F({2, 3})}, [](V x) { Tensor y = x[0] * 1.0; y.zero_(); y.add_(x[1]); return y + x[0]; }},
      {"fill_", {F({2, 3})}, [](V x) { Tensor y = x[0] * 1.0; y.fill_(2.0); return y * x[0]; }},
      {"chain of in-place", {F({2, 3}), F({2, 3})},
       [](V x) { Tensor y = x[0] * 1.0; y.mul_(x[1]); y.add_(x[0]); y.clamp_(-1.0, 1.0); return y.exp(); }},
  };
  run_cases(cases);
}

TEST_CASE("gradcheck: in-place ops on views of non-leaves", "[gradcheck]") {
  std::vector<Case> cases = {
      {"y[1].mul_(w)", {F({3, 4}), F({4})}, [](V x) { Tensor y = x[0] * 2.0; y[1].mul_(x[1]); return y; }},
      {"y.narrow(...).copy_(z)", {F({3, 4}), F({3, 2})}, [](V x) { Tensor y = x[0] * 2.0; y.narrow(1, 1, 2).copy_(x[1]); return y; }},
      {"y.narrow(...).copy_(broadcast z)", {F({3, 4}), F({2})},
       [](V x) { Tensor y = x[0] * 2.0; y.narrow(1, 1, 2).copy_(x[1]); return y * x[0]; }},
      {"slice with step add_", {F({3, 5}), F({3, 3})},
       [](V x) { Tensor y = x[0] * 1.5; y.slice(1, 0, std::nullopt, 2).add_(x[1]); return y.exp(); }},
      {"transposed view div_", {F({3, 4}), F({3}, Domain::AwayFromZero)},
       [](V x) { Tensor y = x[0] * 1.0; y.t()[2].div_(x[1]); return y; }},
      {"view of view clamp_", {F({2, 3, 4})}, [](V x) { Tensor y = x[0] * 3.0; y[0].narrow(0, 1, 2).clamp_(-0.5, 0.5); return y; }},
      {"masked_fill_ on a view", {F({3, 2, 3}), Fixed(mask23())},
       [](V x) { Tensor y = x[0].tanh() * 1.0; y[2].masked_fill_(x[1], 0.0); return y; }},
      {"view used after its in-place op", {F({3, 4}), F({4})},
       [](V x) { Tensor y = x[0] * 2.0; Tensor v = y[1]; v.mul_(x[1]); return v * 3.0 + y.sum({0}); }},
      {"two in-place ops on different views", {F({3, 4}), F({4}), F({3})},
       [](V x) { Tensor y = x[0] * 1.0; y[0].mul_(x[1]); y.select(1, 2).add_(x[2]); return y; }},
      {"in-place on view of a buffer without grad", {F({3, 4}), F({3, 2})},
       [](V x) { Tensor buf = zeros({3, 4}); buf.narrow(1, 1, 2).copy_(x[1]); return buf * x[0]; }},
      {"earlier view read after base in-place", {F({3, 4}), F({3, 4})},
       [](V x) { Tensor y = x[0] * 2.0; Tensor a = y[0]; y.mul_(x[1]); return a * 1.0; }},
      {"earlier overlapping view read after another view's in-place op", {F({3, 4}), F({4})},
       [](V x) { Tensor y = x[0] * 2.0; Tensor col = y.select(1, 0); y[0].mul_(x[1]); return col * 1.0 + y.sum(); }},
      {"flattened view in-place", {F({2, 3}), F({6})},
       [](V x) { Tensor y = x[0] * 1.0; y.view({6}).mul_(x[1]); return y; }},
  };
  run_cases(cases);
}

TEST_CASE("gradcheck: nn functionals (losses, norms, embedding)", "[gradcheck]") {
  namespace nnf = kd::nn::functional;
  Tensor classes = idx({2, 0, 1}, {3});
  Tensor rows = idx({3, 0, 3, 1, 0}, {5});
  std::vector<Case> cases = {
      {"linear", {F({3, 4}), F({2, 4}), F({2})}, [](V x) { return nnf::linear(x[0], x[1], x[2]); }, kContiguous | kTransposed},
      {"silu", {F({3, 4})}, [](V x) { return nnf::silu(x[0]); }},
      {"gelu tanh", {F({3, 4})}, [](V x) { return nnf::gelu(x[0], "tanh"); }},
      {"leaky_relu", {F({3, 4}, Domain::AwayFromZero)}, [](V x) { return nnf::leaky_relu(x[0], 0.1); }},
      {"layer_norm", {F({3, 4}), F({4}), F({4})}, [](V x) { return nnf::layer_norm(x[0], {4}, x[1], x[2]); }, kContiguous | kTransposed},
      {"batch_norm (training)", {F({5, 3}), F({3}), F({3})},
       [](V x) { return nnf::batch_norm(x[0], Tensor(), Tensor(), x[1], x[2], true); }, kContiguous | kTransposed},
      {"mse_loss", {F({3, 4}), F({3, 4})}, [](V x) { return nnf::mse_loss(x[0], x[1]); }},
      {"cross_entropy", {F({3, 4}), Fixed(classes)}, [](V x) { return nnf::cross_entropy(x[0], x[1]); }},
      {"cross_entropy label smoothing", {F({3, 4}), Fixed(classes)},
       [](V x) { return nnf::cross_entropy(x[0], x[1], Tensor(), -100, kd::nn::Reduction::Mean, 0.1); }},
      {"nll_loss of log_softmax", {F({3, 4}), Fixed(classes)}, [](V x) { return nnf::nll_loss(x[0].log_softmax(1), x[1]); }},
      {"binary_cross_entropy_with_logits", {F({3, 4}), F({3, 4}, Domain::Positive)},
       [](V x) { return nnf::binary_cross_entropy_with_logits(x[0], x[1].sigmoid()); }},
      {"embedding", {Fixed(rows), F({4, 3})}, [](V x) { return nnf::embedding(x[0], x[1]); }, kContiguous},
      {"embedding padding_idx, scale_grad_by_freq", {Fixed(rows), F({4, 3})},
       [](V x) { return nnf::embedding(x[0], x[1], 0, std::nullopt, 2.0, true); }, kContiguous, false},
      {"negative_sampling_loss", {F({2, 3}), F({2, 3}), F({2, 2, 3})},
       [](V x) { return nnf::negative_sampling_loss(x[0], x[1], x[2]); }},
  };
  run_cases(cases);
}
