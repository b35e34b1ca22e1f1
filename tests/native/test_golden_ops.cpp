// Every tensor op against PyTorch 1.13: forward values, gradients, error kinds and messages, and
// repr strings, from the committed fixtures in tests/fixtures/ops.json (regenerate with
// `/usr/bin/python3 tests/fixtures/generate.py`). One fixture row = one DYNAMIC_SECTION named by
// the row's id, so a failure names the case; a mismatch prints the tensor, index and both values.
//
// Tolerance: a value passes when |ours - torch| <= atol + rtol * |torch|, with rtol = 1e-5 and
// atol = 1e-6 for every op; int64 and bool outputs must be equal. No op needs looser today:
//
//   op                      rtol   atol   note
//   (all ops)               1e-5   1e-6   includes matmul/mm/bmm (blocked AVX2 gemm, another
//                                          accumulation order than torch's BLAS), sum/mean,
//                                          var/std, norm and softmax (vectorized reductions),
//                                          pow and gelu (float erf/pow): all within a few ulps
//                                          at these sizes (up to K = 40, 1000-element sums)
//
// If a kernel change or a larger case needs more, give the fixture row its own "rtol"/"atol"
// (generate.py: case(..., rtol=, atol=)) or add the op to kLooser below, with the reason here.
#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "golden.h"

using kd::Json;
using kd::Tensor;

namespace {

struct Tolerance {
  double rtol = 1e-5;
  double atol = 1e-6;
};

Tolerance tolerance_for(const Json& row) {
  // Ops that need more than the default, with the reason in the table at the top (none today).
  static const std::map<std::string, Tolerance> kLooser = {};
  Tolerance tol;
  auto it = kLooser.find(row.at("op").as_string());
  if (it != kLooser.end()) tol = it->second;
  if (const Json* r = row.find("rtol")) tol.rtol = r->as_double();
  if (const Json* a = row.find("atol")) tol.atol = a->as_double();
  return tol;
}

// ---- argument helpers ----

double num(const Json& args, const char* key, double fallback) {
  const Json* j = args.find(key);
  return j ? golden::number(*j) : fallback;
}
std::optional<double> opt_num(const Json& args, const char* key) {
  const Json* j = args.find(key);
  if (!j || j->is_null()) return std::nullopt;
  return golden::number(*j);
}
int64_t integer(const Json& args, const char* key) { return args.at(key).as_int(); }
std::optional<int64_t> opt_integer(const Json& args, const char* key) {
  const Json* j = args.find(key);
  if (!j || j->is_null()) return std::nullopt;
  return j->as_int();
}
bool flag(const Json& args, const char* key, bool fallback) {
  const Json* j = args.find(key);
  return j ? j->as_bool() : fallback;
}
kd::Shape shape(const Json& args, const char* key) { return golden::shape_of(args.at(key)); }
std::optional<kd::Shape> opt_shape(const Json& args, const char* key) {
  const Json* j = args.find(key);
  if (!j || j->is_null()) return std::nullopt;
  return golden::shape_of(*j);
}

// A chain of views and a scale (generate.py: chain).
Tensor run_chain(Tensor t, const Json& steps) {
  for (const auto& step : steps.as_array()) {
    const std::string& kind = step[0].as_string();
    if (kind == "view") t = t.view(golden::shape_of(step[1]));
    else if (kind == "reshape") t = t.reshape(golden::shape_of(step[1]));
    else if (kind == "unsqueeze") t = t.unsqueeze(step[1].as_int());
    else if (kind == "squeeze") t = t.squeeze(step[1].as_int());
    else if (kind == "narrow") t = t.narrow(step[1].as_int(), step[2].as_int(), step[3].as_int());
    else if (kind == "flatten") t = t.flatten(step[1].as_int(), step[2].as_int());
    else if (kind == "mul_scalar") t = t.mul(golden::number(step[1]));
    else t = golden::apply_step(t, step);
  }
  return t;
}

// ---- the dispatcher: fixture op name -> kd:: call ----

using Inputs = std::vector<Tensor>;
using Outputs = std::vector<Tensor>;
using OpFn = std::function<Outputs(const Inputs&, const Json&)>;

Outputs pair_out(const std::pair<Tensor, Tensor>& p) { return {p.first, p.second}; }

const std::map<std::string, OpFn>& dispatcher() {
  static const std::map<std::string, OpFn> ops = {
      {"add", [](const Inputs& x, const Json& a) { return Outputs{kd::add(x[0], x[1], num(a, "alpha", 1))}; }},
      {"add_scalar", [](const Inputs& x, const Json& a) { return Outputs{x[0].add(num(a, "other", 0))}; }},
      {"sub", [](const Inputs& x, const Json& a) { return Outputs{kd::sub(x[0], x[1], num(a, "alpha", 1))}; }},
      {"sub_scalar", [](const Inputs& x, const Json& a) { return Outputs{x[0].sub(num(a, "other", 0))}; }},
      {"rsub_scalar", [](const Inputs& x, const Json& a) { return Outputs{num(a, "other", 0) - x[0]}; }},
      {"mul", [](const Inputs& x, const Json&) { return Outputs{kd::mul(x[0], x[1])}; }},
      {"mul_scalar", [](const Inputs& x, const Json& a) { return Outputs{x[0].mul(num(a, "other", 0))}; }},
      {"div", [](const Inputs& x, const Json&) { return Outputs{kd::div(x[0], x[1])}; }},
      {"div_scalar", [](const Inputs& x, const Json& a) { return Outputs{x[0].div(num(a, "other", 0))}; }},
      {"rdiv_scalar", [](const Inputs& x, const Json& a) { return Outputs{num(a, "other", 0) / x[0]}; }},
      {"neg", [](const Inputs& x, const Json&) { return Outputs{kd::neg(x[0])}; }},
      {"pow", [](const Inputs& x, const Json&) { return Outputs{kd::pow(x[0], x[1])}; }},
      {"pow_scalar", [](const Inputs& x, const Json& a) { return Outputs{kd::pow(x[0], num(a, "exponent", 0))}; }},
      {"exp", [](const Inputs& x, const Json&) { return Outputs{kd::exp(x[0])}; }},
      {"log", [](const Inputs& x, const Json&) { return Outputs{kd::log(x[0])}; }},
      {"sqrt", [](const Inputs& x, const Json&) { return Outputs{kd::sqrt(x[0])}; }},
      {"square", [](const Inputs& x, const Json&) { return Outputs{x[0].square()}; }},
      {"abs", [](const Inputs& x, const Json&) { return Outputs{kd::abs(x[0])}; }},
      {"clamp", [](const Inputs& x, const Json& a) { return Outputs{kd::clamp(x[0], opt_num(a, "min"), opt_num(a, "max"))}; }},
      {"tanh", [](const Inputs& x, const Json&) { return Outputs{kd::tanh(x[0])}; }},
      {"sigmoid", [](const Inputs& x, const Json&) { return Outputs{kd::sigmoid(x[0])}; }},
      {"relu", [](const Inputs& x, const Json&) { return Outputs{kd::relu(x[0])}; }},
      {"gelu", [](const Inputs& x, const Json&) { return Outputs{kd::gelu(x[0])}; }},
      {"eq", [](const Inputs& x, const Json&) { return Outputs{kd::eq(x[0], x[1])}; }},
      {"ne", [](const Inputs& x, const Json&) { return Outputs{kd::ne(x[0], x[1])}; }},
      {"lt", [](const Inputs& x, const Json&) { return Outputs{kd::lt(x[0], x[1])}; }},
      {"le", [](const Inputs& x, const Json&) { return Outputs{kd::le(x[0], x[1])}; }},
      {"gt", [](const Inputs& x, const Json&) { return Outputs{kd::gt(x[0], x[1])}; }},
      {"ge", [](const Inputs& x, const Json&) { return Outputs{kd::ge(x[0], x[1])}; }},
      {"eq_scalar", [](const Inputs& x, const Json& a) { return Outputs{x[0].eq(num(a, "other", 0))}; }},
      {"ne_scalar", [](const Inputs& x, const Json& a) { return Outputs{x[0].ne(num(a, "other", 0))}; }},
      {"lt_scalar", [](const Inputs& x, const Json& a) { return Outputs{x[0].lt(num(a, "other", 0))}; }},
      {"le_scalar", [](const Inputs& x, const Json& a) { return Outputs{x[0].le(num(a, "other", 0))}; }},
      {"gt_scalar", [](const Inputs& x, const Json& a) { return Outputs{x[0].gt(num(a, "other", 0))}; }},
      {"ge_scalar", [](const Inputs& x, const Json& a) { return Outputs{x[0].ge(num(a, "other", 0))}; }},
      {"logical_not", [](const Inputs& x, const Json&) { return Outputs{kd::logical_not(x[0])}; }},
      {"where", [](const Inputs& x, const Json&) { return Outputs{kd::where(x[0], x[1], x[2])}; }},
      {"masked_fill", [](const Inputs& x, const Json& a) { return Outputs{kd::masked_fill(x[0], x[1], num(a, "value", 0))}; }},
      {"sum", [](const Inputs& x, const Json& a) {
         if (!a.contains("dims")) return Outputs{kd::sum(x[0])};
         return Outputs{kd::sum(x[0], shape(a, "dims"), flag(a, "keepdim", false))};
       }},
      {"mean", [](const Inputs& x, const Json& a) {
         if (!a.contains("dims")) return Outputs{kd::mean(x[0])};
         return Outputs{kd::mean(x[0], shape(a, "dims"), flag(a, "keepdim", false))};
       }},
      {"max", [](const Inputs& x, const Json& a) {
         if (!a.contains("dim")) return Outputs{kd::max(x[0])};
         return pair_out(kd::max(x[0], integer(a, "dim"), flag(a, "keepdim", false)));
       }},
      {"min", [](const Inputs& x, const Json& a) {
         if (!a.contains("dim")) return Outputs{kd::min(x[0])};
         return pair_out(kd::min(x[0], integer(a, "dim"), flag(a, "keepdim", false)));
       }},
      {"argmax", [](const Inputs& x, const Json& a) { return Outputs{kd::argmax(x[0], opt_integer(a, "dim"), flag(a, "keepdim", false))}; }},
      {"argmin", [](const Inputs& x, const Json& a) { return Outputs{kd::argmin(x[0], opt_integer(a, "dim"), flag(a, "keepdim", false))}; }},
      {"var", [](const Inputs& x, const Json& a) {
         return Outputs{kd::var(x[0], opt_shape(a, "dims"), flag(a, "unbiased", true), flag(a, "keepdim", false))};
       }},
      {"std", [](const Inputs& x, const Json& a) {
         return Outputs{kd::std(x[0], opt_shape(a, "dims"), flag(a, "unbiased", true), flag(a, "keepdim", false))};
       }},
      {"norm", [](const Inputs& x, const Json& a) {
         return Outputs{kd::norm(x[0], num(a, "p", 2), opt_shape(a, "dims"), flag(a, "keepdim", false))};
       }},
      {"softmax", [](const Inputs& x, const Json& a) { return Outputs{kd::softmax(x[0], integer(a, "dim"))}; }},
      {"log_softmax", [](const Inputs& x, const Json& a) { return Outputs{kd::log_softmax(x[0], integer(a, "dim"))}; }},
      {"matmul", [](const Inputs& x, const Json&) { return Outputs{kd::matmul(x[0], x[1])}; }},
      {"mm", [](const Inputs& x, const Json&) { return Outputs{kd::mm(x[0], x[1])}; }},
      {"bmm", [](const Inputs& x, const Json&) { return Outputs{kd::bmm(x[0], x[1])}; }},
      {"index_select", [](const Inputs& x, const Json& a) { return Outputs{kd::index_select(x[0], integer(a, "dim"), x[1])}; }},
      {"gather", [](const Inputs& x, const Json& a) { return Outputs{kd::gather(x[0], integer(a, "dim"), x[1])}; }},
      {"scatter_add", [](const Inputs& x, const Json& a) { return Outputs{kd::scatter_add(x[0], integer(a, "dim"), x[1], x[2])}; }},
      {"cat", [](const Inputs& x, const Json& a) { return Outputs{kd::cat(x, integer(a, "dim"))}; }},
      {"stack", [](const Inputs& x, const Json& a) { return Outputs{kd::stack(x, integer(a, "dim"))}; }},
      {"one_hot", [](const Inputs& x, const Json& a) { return Outputs{kd::one_hot(x[0], opt_integer(a, "num_classes").value_or(-1))}; }},
      {"clone", [](const Inputs& x, const Json&) { return Outputs{kd::clone(x[0])}; }},
      {"contiguous", [](const Inputs& x, const Json&) { return Outputs{kd::contiguous(x[0])}; }},
      {"reshape", [](const Inputs& x, const Json& a) { return Outputs{kd::reshape(x[0], shape(a, "shape"))}; }},
      {"view", [](const Inputs& x, const Json& a) { return Outputs{kd::view(x[0], shape(a, "shape"))}; }},
      {"transpose", [](const Inputs& x, const Json& a) { return Outputs{kd::transpose(x[0], integer(a, "dim0"), integer(a, "dim1"))}; }},
      {"permute", [](const Inputs& x, const Json& a) { return Outputs{kd::permute(x[0], shape(a, "dims"))}; }},
      {"t", [](const Inputs& x, const Json&) { return Outputs{kd::t(x[0])}; }},
      {"unsqueeze", [](const Inputs& x, const Json& a) { return Outputs{kd::unsqueeze(x[0], integer(a, "dim"))}; }},
      {"squeeze", [](const Inputs& x, const Json& a) {
         if (!a.contains("dim")) return Outputs{kd::squeeze(x[0])};
         return Outputs{kd::squeeze(x[0], integer(a, "dim"))};
       }},
      {"expand", [](const Inputs& x, const Json& a) { return Outputs{kd::expand(x[0], shape(a, "shape"))}; }},
      {"narrow", [](const Inputs& x, const Json& a) {
         return Outputs{kd::narrow(x[0], integer(a, "dim"), integer(a, "start"), integer(a, "length"))};
       }},
      {"select", [](const Inputs& x, const Json& a) { return Outputs{kd::select(x[0], integer(a, "dim"), integer(a, "index"))}; }},
      {"slice", [](const Inputs& x, const Json& a) {
         return Outputs{kd::slice(x[0], integer(a, "dim"), opt_integer(a, "start"), opt_integer(a, "end"),
                                  opt_integer(a, "step").value_or(1))};
       }},
      {"flatten", [](const Inputs& x, const Json& a) {
         return Outputs{kd::flatten(x[0], opt_integer(a, "start_dim").value_or(0), opt_integer(a, "end_dim").value_or(-1))};
       }},
      {"sum_to", [](const Inputs& x, const Json& a) { return Outputs{kd::sum_to(x[0], shape(a, "shape"))}; }},
      {"view_chain", [](const Inputs& x, const Json& a) { return Outputs{run_chain(x[0], a.at("steps"))}; }},
  };
  return ops;
}

Outputs run_op(const Json& row, const std::vector<golden::Input>& inputs) {
  Inputs xs;
  for (const auto& in : inputs) xs.push_back(in.value);
  return dispatcher().at(row.at("op").as_string())(xs, row.at("args"));
}

std::vector<golden::Input> make_inputs(const Json& row) {
  std::vector<golden::Input> inputs;
  for (const auto& spec : row.at("inputs").as_array()) inputs.push_back(golden::make_input(spec));
  return inputs;
}

void report(const std::string& id, const std::string& mismatch) {
  if (mismatch.empty()) {
    SUCCEED();
  } else {
    FAIL_CHECK(id << ": " << mismatch);
  }
}

// Forward values, requires_grad of each output, then the gradient of every input that has one.
void check_op_row(const Json& row) {
  const std::string& id = row.at("id").as_string();
  Tolerance tol = tolerance_for(row);
  std::vector<golden::Input> inputs = make_inputs(row);
  Outputs outs = run_op(row, inputs);
  const auto& expected = row.at("outputs").as_array();
  REQUIRE(outs.size() == expected.size());
  std::vector<Tensor> differentiable;
  for (size_t i = 0; i < outs.size(); ++i) {
    std::string what = "output " + std::to_string(i);
    report(id, golden::compare(what, outs[i], expected[i], tol.rtol, tol.atol));
    bool want_grad = expected[i].at("requires_grad").as_bool();
    if (outs[i].requires_grad() != want_grad)
      report(id, what + ": requires_grad " + (outs[i].requires_grad() ? "true" : "false") + ", torch has " +
                     (want_grad ? "true" : "false"));
    if (want_grad && expected[i].at("dtype").as_string() == "float32") differentiable.push_back(outs[i]);
  }
  const Json* upstream = row.find("upstream");
  if (!upstream) {
    CHECK(differentiable.empty());
    return;
  }
  REQUIRE(upstream->size() == differentiable.size());
  Tensor loss;
  for (size_t i = 0; i < differentiable.size(); ++i) {
    if (!differentiable[i].requires_grad()) return;  // reported above
    Tensor term = (differentiable[i] * golden::make_tensor((*upstream)[i])).sum();
    loss = loss.defined() ? loss + term : term;
  }
  loss.backward();
  const auto& grads = row.at("grads").as_array();
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string what = "grad of input " + std::to_string(i);
    if (grads[i].is_null()) {
      // torch gives no gradient (input unused or not requiring grad): ours is none or zeros.
      Tensor g = inputs[i].leaf.grad();
      if (g.defined())
        for (float v : g.to_vector<float>())
          if (v != 0) {
            report(id, what + ": torch has none, ours has a nonzero gradient");
            break;
          }
      continue;
    }
    report(id, golden::compare(what, inputs[i].leaf.grad(), grads[i], tol.rtol, tol.atol));
  }
}

void check_error_row(const Json& row) {
  const std::string& id = row.at("id").as_string();
  const std::string& kind = row.at("kind").as_string();
  const std::string& contains = row.at("contains").as_string();
  try {
    std::vector<golden::Input> inputs = make_inputs(row);
    run_op(row, inputs);
  } catch (const kd::Error& e) {
    std::string message = e.what();
    if (kind != e.kind_name()) report(id, "raised " + std::string(e.kind_name()) + " (\"" + message + "\"), expected " + kind);
    else if (message.find(contains) == std::string::npos)
      report(id, "message \"" + message + "\" does not contain torch's \"" + contains + "\"");
    else SUCCEED();
    return;
  } catch (const std::exception& e) {
    report(id, std::string("raised a non-kd exception: ") + e.what());
    return;
  }
  report(id, "did not raise; torch raises " + row.at("python").as_string() + ": " + row.at("torch_message").as_string());
}

void check_repr_row(const Json& row) {
  const std::string& id = row.at("id").as_string();
  std::vector<golden::Input> inputs = make_inputs(row);
  Tensor out = row.at("op").as_string() == "leaf" ? inputs[0].leaf : run_op(row, inputs)[0];
  std::string ours = out.to_string();
  const std::string& want = row.at("repr").as_string();
  if (ours != want) report(id, "repr differs\n--- torch:\n" + want + "\n--- ours:\n" + ours);
  else SUCCEED();
}

// Runs `check` on every row of the fixture table `table`, one DYNAMIC_SECTION per row. Catch2
// re-enters the test case once per section; the run that enters the last row's section also
// checks that every row ran, so a skipped or lost row fails the test.
void run_table(const char* table, const std::function<void(const Json&)>& check) {
  const Json& doc = golden::fixtures();
  const auto& rows = doc.at(table).as_array();
  static std::map<std::string, std::set<std::string>> ran;
  REQUIRE(static_cast<int64_t>(rows.size()) == doc.at("counts").at(table).as_int());
  REQUIRE(!rows.empty());
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string& id = rows[i].at("id").as_string();
    DYNAMIC_SECTION(table << ": " << id) {
      ran[table].insert(id);
      check(rows[i]);
      // (Unless only some sections were selected with -c, in which case the first did not run.)
      if (i + 1 == rows.size() && ran[table].count(rows[0].at("id").as_string()))
        CHECK(static_cast<int64_t>(ran[table].size()) == doc.at("counts").at(table).as_int());
    }
  }
}

}  // namespace

TEST_CASE("golden: every fixture op has a dispatcher entry", "[golden]") {
  const Json& doc = golden::fixtures();
  std::set<std::string> seen;
  for (const char* table : {"ops", "errors", "repr"})
    for (const auto& row : doc.at(table).as_array()) {
      const std::string& op = row.at("op").as_string();
      if (op == "leaf") continue;
      INFO(table << ": " << row.at("id").as_string());
      CHECK(dispatcher().count(op) == 1);
      seen.insert(op);
    }
  // The fixtures exercise every op of the dispatcher.
  for (const auto& entry : dispatcher()) {
    INFO("dispatcher op " << entry.first);
    CHECK(seen.count(entry.first) == 1);
  }
  CHECK(doc.at("counts").at("ops").as_int() >= 400);
}

TEST_CASE("golden: ops forward and backward match torch", "[golden]") { run_table("ops", check_op_row); }

TEST_CASE("golden: errors match torch's kind and message", "[golden]") { run_table("errors", check_error_row); }

TEST_CASE("golden: repr matches torch", "[golden]") { run_table("repr", check_repr_row); }
