// Helpers for the nn tests: load tests/fixtures/nn/*.json (written by generate_nn.py from
// PyTorch 1.13), turn fixture tensors into kd::Tensor, and compare with a message naming the
// worst element.
#pragma once

#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "kindling.h"
#include <functional>

#include "golden.h"
#include "util/json.h"

#ifndef KD_FIXTURES_DIR
#error "KD_FIXTURES_DIR must name tests/fixtures"
#endif

namespace nntest {

// The errors a comparison returned, one per line, for a failure message.
inline std::string joined(const std::vector<std::string>& errors) {
  std::string s;
  for (const auto& e : errors) s += e + "\n";
  return s;
}

// What f() threw, or "" when it did not throw.
inline std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

inline const kd::Json& load(const std::string& name) {
  return golden::load_fixture("nn/" + name, "tests/fixtures/nn/generate_nn.py");
}

inline kd::Shape shape_of(const kd::Json& j) {
  kd::Shape s;
  for (const auto& v : j.as_array()) s.push_back(v.as_int());
  return s;
}

// {"shape", "dtype", "data"} → a contiguous tensor without grad.
inline kd::Tensor make(const kd::Json& spec) {
  kd::Shape shape = shape_of(spec.at("shape"));
  const auto& data = spec.at("data").as_array();
  const std::string& dtype = spec.at("dtype").as_string();
  if (dtype == "int64") {
    std::vector<int64_t> v;
    for (const auto& x : data) v.push_back(x.as_int());
    return kd::tensor_i64(v, shape);
  }
  if (dtype == "bool") {
    std::vector<bool> v;
    for (const auto& x : data) v.push_back(x.as_bool());
    return kd::tensor_bool(v, shape);
  }
  std::vector<float> v;
  for (const auto& x : data) v.push_back(static_cast<float>(x.as_double()));
  return kd::tensor(v, shape);
}

// "" when |actual − expected| <= atol + rtol·|expected| everywhere (shapes equal), else a
// message naming `what`, the worst element and both values.
inline std::string compare(const kd::Tensor& actual, const kd::Tensor& expected, const std::string& what,
                           double rtol = 1e-5, double atol = 1e-6) {
  if (!actual.defined()) return what + ": actual is undefined";
  if (actual.shape() != expected.shape())
    return what + ": shape " + kd::shape_str(actual.shape()) + " != expected " + kd::shape_str(expected.shape());
  std::vector<double> a = actual.to_vector<double>(), e = expected.to_vector<double>();
  double worst = 0;
  size_t at = 0;
  bool bad = false;
  for (size_t i = 0; i < a.size(); ++i) {
    const double err = std::fabs(a[i] - e[i]);
    const double excess = err - (atol + rtol * std::fabs(e[i]));
    if (std::isnan(a[i]) != std::isnan(e[i]) || excess > 0) {
      if (!bad || excess > worst) {
        worst = excess;
        at = i;
      }
      bad = true;
    }
  }
  if (!bad) return "";
  std::ostringstream os;
  os.precision(9);
  os << what << ": element " << at << " is " << a[at] << ", expected " << e[at];
  return os.str();
}

}  // namespace nntest

#include "nn/nn.h"

namespace nntest {

inline double num(const kd::Json& config, const char* key, double fallback) {
  const kd::Json* v = config.find(key);
  return v && !v->is_null() ? v->as_double() : fallback;
}
inline int64_t integer(const kd::Json& config, const char* key, int64_t fallback) {
  const kd::Json* v = config.find(key);
  return v && !v->is_null() ? v->as_int() : fallback;
}
inline bool flag(const kd::Json& config, const char* key, bool fallback) {
  const kd::Json* v = config.find(key);
  return v ? v->as_bool() : fallback;
}
inline std::optional<int64_t> opt_int(const kd::Json& config, const char* key) {
  const kd::Json* v = config.find(key);
  if (!v || v->is_null()) return std::nullopt;
  return v->as_int();
}
inline std::optional<double> opt_num(const kd::Json& config, const char* key) {
  const kd::Json* v = config.find(key);
  if (!v || v->is_null()) return std::nullopt;
  return v->as_double();
}

// The module a fixture case describes (weights are loaded afterwards from its state_dict).
inline kd::nn::ModulePtr make_module(const std::string& type, const kd::Json& c, const std::string& name) {
  using namespace kd::nn;
  if (type == "Linear")
    return std::make_shared<Linear>(LinearOptions(integer(c, "in", 0), integer(c, "out", 0)).bias(flag(c, "bias", true)));
  if (type == "Bilinear")
    return std::make_shared<Bilinear>(
        BilinearOptions(integer(c, "in1", 0), integer(c, "in2", 0), integer(c, "out", 0)).bias(flag(c, "bias", true)));
  if (type == "Identity") return std::make_shared<Identity>();
  if (type == "ReLU") return std::make_shared<ReLU>();
  if (type == "LeakyReLU") return std::make_shared<LeakyReLU>(num(c, "negative_slope", 0.01));
  if (type == "Tanh") return std::make_shared<Tanh>();
  if (type == "Sigmoid") return std::make_shared<Sigmoid>();
  if (type == "GELU") return std::make_shared<GELU>(c.contains("approximate") ? c.at("approximate").as_string() : "none");
  if (type == "SiLU") return std::make_shared<SiLU>();
  if (type == "Softmax") return std::make_shared<Softmax>(opt_int(c, "dim"));
  if (type == "LogSoftmax") return std::make_shared<LogSoftmax>(opt_int(c, "dim"));
  if (type == "Flatten")
    return std::make_shared<Flatten>(FlattenOptions().start_dim(integer(c, "start_dim", 1)).end_dim(integer(c, "end_dim", -1)));
  if (type == "Dropout") return std::make_shared<Dropout>(DropoutOptions(num(c, "p", 0.5)));
  if (type == "BatchNorm1d") {
    BatchNormOptions o(integer(c, "num_features", 0));
    o.eps(num(c, "eps", 1e-5)).affine(flag(c, "affine", true)).track_running_stats(flag(c, "track_running_stats", true));
    o.momentum(c.contains("momentum") ? opt_num(c, "momentum") : std::optional<double>(0.1));
    return std::make_shared<BatchNorm1d>(o);
  }
  if (type == "LayerNorm")
    return std::make_shared<LayerNorm>(LayerNormOptions(shape_of(c.at("normalized_shape")))
                                           .eps(num(c, "eps", 1e-5))
                                           .elementwise_affine(flag(c, "elementwise_affine", true)));
  if (type == "Embedding")
    return std::make_shared<Embedding>(EmbeddingOptions(integer(c, "num_embeddings", 0), integer(c, "embedding_dim", 0))
                                           .padding_idx(opt_int(c, "padding_idx"))
                                           .max_norm(opt_num(c, "max_norm"))
                                           .norm_type(num(c, "norm_type", 2))
                                           .scale_grad_by_freq(flag(c, "scale_grad_by_freq", false)));
  if (type == "EmbeddingBag")
    return std::make_shared<EmbeddingBag>(
        EmbeddingBagOptions(integer(c, "num_embeddings", 0), integer(c, "embedding_dim", 0))
            .mode(c.contains("mode") ? c.at("mode").as_string() : "mean")
            .padding_idx(opt_int(c, "padding_idx"))
            .max_norm(opt_num(c, "max_norm"))
            .norm_type(num(c, "norm_type", 2))
            .scale_grad_by_freq(flag(c, "scale_grad_by_freq", false))
            .include_last_offset(flag(c, "include_last_offset", false)));
  if (type == "Sequential" && name == "sequential")
    return std::make_shared<Sequential>(std::initializer_list<ModulePtr>{
        std::make_shared<Linear>(3, 4), std::make_shared<ReLU>(), std::make_shared<Linear>(4, 2)});
  throw std::runtime_error("no factory for fixture module " + type + " (" + name + ")");
}

inline kd::nn::NamedTensors state_of(const kd::Json& state) {
  kd::nn::NamedTensors out;
  for (const auto& [k, v] : state.as_object()) out.emplace_back(k, make(v));
  return out;
}

// Runs one module fixture case: same weights, same inputs, same upstream gradient; returns
// the failures (empty when everything matches).
inline std::vector<std::string> run_module_case(const kd::Json& c, double rtol = 1e-5, double atol = 1e-6) {
  using namespace kd;
  std::vector<std::string> errors;
  const std::string name = c.at("name").as_string();
  const std::string type = c.at("type").as_string();
  nn::ModulePtr m = make_module(type, c.at("config"), name);
  m->load_state_dict(state_of(c.at("state")));
  m->train(c.at("training").as_bool());
  std::vector<Tensor> inputs;
  for (const auto& spec : c.at("inputs").as_array()) {
    if (spec.is_null()) {
      inputs.emplace_back();
      continue;
    }
    Tensor t = make(spec);
    if (t.dtype() == DType::Float32) t.requires_grad_(true);
    inputs.push_back(t);
  }
  Tensor out;
  if (type == "Bilinear") out = std::static_pointer_cast<nn::Bilinear>(m)->forward(inputs[0], inputs[1]);
  else if (type == "EmbeddingBag")
    out = std::static_pointer_cast<nn::EmbeddingBag>(m)->forward(inputs[0], inputs.size() > 1 ? inputs[1] : Tensor(),
                                                                 inputs.size() > 2 ? inputs[2] : Tensor());
  else out = m->forward(inputs[0]);
  auto check = [&](const std::string& msg) {
    if (!msg.empty()) errors.push_back(name + ": " + msg);
  };
  check(compare(out, make(c.at("output")), "output", rtol, atol));
  if (c.contains("upstream")) {
    out.backward(make(c.at("upstream")));
    const auto& grads = c.at("input_grads").as_array();
    for (size_t i = 0; i < grads.size(); ++i)
      if (!grads[i].is_null()) check(compare(inputs[i].grad(), make(grads[i]), "grad of input " + std::to_string(i), rtol, atol));
    for (const auto& [k, v] : c.at("param_grads").as_object()) {
      Tensor p;
      for (auto& [pk, pv] : m->named_parameters())
        if (pk == k) p = pv;
      check(compare(p.grad(), make(v), "grad of " + k, rtol, atol));
    }
    // Parameters PyTorch left without gradient must have none here either.
    for (auto& [pk, pv] : m->named_parameters())
      if (!c.at("param_grads").contains(pk) && pv.grad().defined()) errors.push_back(name + ": unexpected grad of " + pk);
  }
  for (const auto& [k, v] : m->state_dict()) {
    const kd::Json* expected = c.at("state_after").find(k);
    if (!expected) {
      errors.push_back(name + ": state key " + k + " not in PyTorch's state_dict");
      continue;
    }
    check(compare(v, make(*expected), "state_after " + k, rtol, atol));
  }
  if (m->state_dict().size() != c.at("state_after").size()) errors.push_back(name + ": state_dict sizes differ");
  if (m->to_string() != c.at("repr").as_string())
    errors.push_back(name + ": repr " + m->to_string() + " != " + c.at("repr").as_string());
  return errors;
}

}  // namespace nntest
