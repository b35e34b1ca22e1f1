// Helpers to load the golden fixtures (tests/fixtures/ops.json, written by
// tests/fixtures/generate.py from PyTorch 1.13) and compare Kindling tensors against them.
#pragma once

#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "kindling.h"
#include "util/json.h"

#ifndef KD_FIXTURES_DIR
#error "KD_FIXTURES_DIR must name tests/fixtures"
#endif

namespace golden {

// A fixture file under tests/fixtures/, parsed once per test process. `generator` names the
// script that writes it, for the error message when it is missing.
inline const kd::Json& load_fixture(const std::string& relative_path, const std::string& generator) {
  static std::map<std::string, kd::Json> cache;
  auto it = cache.find(relative_path);
  if (it != cache.end()) return it->second;
  std::string path = std::string(KD_FIXTURES_DIR) + "/" + relative_path;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path + " (run " + generator + ")");
  std::stringstream ss;
  ss << in.rdbuf();
  return cache.emplace(relative_path, kd::parse_json(ss.str())).first->second;
}

// The op fixtures (tests/fixtures/ops.json).
inline const kd::Json& fixtures() { return load_fixture("ops.json", "tests/fixtures/generate.py"); }

// A fixture number; NaN and infinities are spelled as the strings "nan", "inf", "-inf".
inline double number(const kd::Json& j) {
  if (j.is_string()) {
    const std::string& s = j.as_string();
    if (s == "nan") return NAN;
    if (s == "inf") return INFINITY;
    if (s == "-inf") return -INFINITY;
    throw std::runtime_error("fixture: not a number: " + s);
  }
  if (j.is_bool()) return j.as_bool() ? 1 : 0;
  return j.as_double();
}

inline kd::Shape shape_of(const kd::Json& j) {
  kd::Shape s;
  for (const auto& v : j.as_array()) s.push_back(v.as_int());
  return s;
}

inline kd::DType dtype_of(const std::string& name) {
  if (name == "float32") return kd::DType::Float32;
  if (name == "int64") return kd::DType::Int64;
  if (name == "bool") return kd::DType::Bool;
  throw std::runtime_error("fixture: unknown dtype " + name);
}

// The tensor a spec {"dtype", "shape", "values"} describes, contiguous and without grad.
inline kd::Tensor make_tensor(const kd::Json& spec) {
  kd::Shape shape = shape_of(spec.at("shape"));
  const auto& values = spec.at("values").as_array();
  switch (dtype_of(spec.at("dtype").as_string())) {
    case kd::DType::Float32: {
      std::vector<float> v;
      for (const auto& x : values) v.push_back(static_cast<float>(number(x)));
      return kd::tensor(v, shape);
    }
    case kd::DType::Int64: {
      std::vector<int64_t> v;
      for (const auto& x : values) v.push_back(x.as_int());
      return kd::tensor_i64(v, shape);
    }
    case kd::DType::Bool: {
      std::vector<bool> v;
      for (const auto& x : values) v.push_back(x.as_bool());
      return kd::tensor_bool(v, shape);
    }
  }
  return {};
}

inline std::optional<int64_t> opt_int(const kd::Json& j) {
  if (j.is_null()) return std::nullopt;
  return j.as_int();
}

// One view step of an input's "layout" (see generate.py: apply_step).
inline kd::Tensor apply_step(const kd::Tensor& t, const kd::Json& step) {
  const std::string& kind = step[0].as_string();
  if (kind == "t") return t.t();
  if (kind == "permute") return t.permute(shape_of(step[1]));
  if (kind == "transpose") return t.transpose(step[1].as_int(), step[2].as_int());
  if (kind == "slice") return t.slice(step[1].as_int(), opt_int(step[2]), opt_int(step[3]), opt_int(step[4]).value_or(1));
  if (kind == "expand") return t.expand(shape_of(step[1]));
  if (kind == "select") return t.select(step[1].as_int(), step[2].as_int());
  throw std::runtime_error("fixture: unknown layout step " + kind);
}

// An op input: the leaf (requires_grad as the spec says) and the tensor after its layout steps.
struct Input {
  kd::Tensor leaf;
  kd::Tensor value;
};

inline Input make_input(const kd::Json& spec) {
  Input in;
  in.leaf = make_tensor(spec);
  if (const kd::Json* rg = spec.find("requires_grad"); rg && rg->as_bool()) in.leaf.requires_grad_(true);
  in.value = in.leaf;
  if (const kd::Json* layout = spec.find("layout"))
    for (const auto& step : layout->as_array()) in.value = apply_step(in.value, step);
  return in;
}

inline std::string fmt(double v) {
  std::ostringstream os;
  os.precision(9);
  os << v;
  return os.str();
}

// "" when `ours` matches `expected` (dtype, shape, and every value within
// |ours - torch| <= atol + rtol * |torch|; NaN matches NaN, infinities must be equal), else a
// description naming `what`, the first bad index and both values.
inline std::string compare(const std::string& what, const kd::Tensor& ours, const kd::Json& expected, double rtol,
                           double atol) {
  if (!ours.defined()) return what + ": undefined, expected a tensor";
  kd::DType dtype = dtype_of(expected.at("dtype").as_string());
  if (ours.dtype() != dtype)
    return what + ": dtype " + kd::dtype_name(ours.dtype()) + ", torch has " + kd::dtype_name(dtype);
  kd::Shape shape = shape_of(expected.at("shape"));
  if (ours.shape() != shape)
    return what + ": shape " + kd::shape_str(ours.shape()) + ", torch has " + kd::shape_str(shape);
  const auto& values = expected.at("values").as_array();
  std::vector<double> got = ours.to_vector<double>();
  if (got.size() != values.size()) return what + ": wrong number of values";
  for (size_t i = 0; i < got.size(); ++i) {
    double want = number(values[i]);
    double have = got[i];
    bool ok;
    if (dtype != kd::DType::Float32) ok = have == want;
    else if (std::isnan(want)) ok = std::isnan(have);
    else if (std::isinf(want)) ok = have == want;
    else ok = std::fabs(have - want) <= atol + rtol * std::fabs(want);
    if (!ok) {
      std::ostringstream os;
      os << what << ": index " << i << " (of " << got.size() << "): ours " << fmt(have) << ", torch " << fmt(want);
      if (dtype == kd::DType::Float32 && std::isfinite(want))
        os << " (|diff| " << fmt(std::fabs(have - want)) << " > " << fmt(atol + rtol * std::fabs(want)) << ")";
      return os.str();
    }
  }
  return "";
}

}  // namespace golden
