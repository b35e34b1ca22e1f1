// A number next to a tensor against PyTorch 1.13 (tests/fixtures/promotion/promotion.json, made
// by tests/fixtures/promotion/generate_promotion.py): for every op, tensor dtype and scalar (a
// C++ integer or double, as Python's int and float), the result's dtype and values, or torch's
// error (kind and message). Values: exact for integers and bools, 1e-6 relative for floats.
#include <catch2/catch.hpp>

#include "golden.h"

#include <cmath>
#include <functional>
#include <string>

#include "kindling.h"

using kd::Json;
using kd::Scalar;
using kd::Tensor;

namespace {

const Json& fixture() {
  return golden::load_fixture("promotion/promotion.json", "tests/fixtures/promotion/generate_promotion.py");
}

Tensor make_tensor(const Json& row) {
  const std::string& dtype = row["dtype"].as_string();
  std::vector<double> values;
  for (const Json& v : row["values"].as_array()) values.push_back(v.is_bool() ? (v.as_bool() ? 1 : 0) : v.as_double());
  Tensor t = kd::tensor(std::vector<float>(values.begin(), values.end()));
  return t.to(dtype == "int64" ? kd::DType::Int64 : dtype == "bool" ? kd::DType::Bool : kd::DType::Float32);
}

Tensor apply(const std::string& op, Tensor t, Scalar s) {
  if (op == "add") return t.add(s);
  if (op == "sub") return t - s;
  if (op == "rsub") return s - t;
  if (op == "mul") return t * s;
  if (op == "div") return t.div(s);
  if (op == "rdiv") return s / t;
  if (op == "pow") return t.pow(s);
  if (op == "eq") return t.eq(s);
  if (op == "ne") return t.ne(s);
  if (op == "lt") return t.lt(s);
  if (op == "le") return t.le(s);
  if (op == "gt") return t.gt(s);
  if (op == "ge") return t.ge(s);
  if (op == "add_") return t.add_(s);
  if (op == "mul_") return t.mul_(s);
  if (op == "div_") return t.div_(s);
  FAIL("unknown op " << op);
  return t;
}

}  // namespace

TEST_CASE("promotion: an int or a float next to an int64, bool or float32 tensor, as torch 1.13", "[promotion][golden]") {
  const Json& rows = fixture()["rows"];
  REQUIRE(rows.size() > 200);
  for (const Json& row : rows.as_array()) {
    const bool integral = row["scalar_kind"].as_string() == "int";
    const Scalar s = integral ? Scalar(row["scalar"].as_int()) : Scalar(row["scalar"].as_double());
    const std::string op = row["op"].as_string();
    INFO(op << " " << row["dtype"].as_string() << " tensor, " << row["scalar_kind"].as_string() << " "
            << row["scalar"].dump());
    Tensor t = make_tensor(row);
    if (row.contains("error")) {
      const Json& e = row["error"];
      try {
        apply(op, t, s);
        FAIL("did not raise; torch raises " << e["python"].as_string() << ": " << e["message"].as_string());
      } catch (const kd::Error& err) {
        CHECK(std::string(err.kind_name()) == e["kind"].as_string());
        CHECK_THAT(err.what(), Catch::Contains(e["message"].as_string()));
      }
      continue;
    }
    Tensor out = apply(op, t, s);
    CHECK(kd::dtype_name(out.dtype()) == row["result_dtype"].as_string());
    const std::vector<double> got = out.to_vector<double>();
    const Json& want = row["result"];
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      const double w = want[i].is_bool() ? (want[i].as_bool() ? 1 : 0) : want[i].as_double();
      CHECK(std::fabs(got[i] - w) <= 1e-6 * std::fabs(w));
    }
  }
}

TEST_CASE("promotion: integers beyond 2^53 stay exact next to an int64 tensor", "[promotion]") {
  const int64_t big = (int64_t{1} << 60) + 1;
  Tensor t = kd::tensor_i64({1, 2});
  CHECK(t.add(big).to_vector<int64_t>() == std::vector<int64_t>{big + 1, big + 2});
  CHECK(Scalar::from_js_number(3.0).is_integral());
  CHECK_FALSE(Scalar::from_js_number(2.5).is_integral());
  CHECK_FALSE(Scalar::from_js_number(1e300).is_integral());
}
