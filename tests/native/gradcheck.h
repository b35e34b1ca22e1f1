// Finite-difference gradient checking for the native tests.
//
// gradcheck(f, inputs) compares the autograd gradient of L = (f(inputs) * g).sum(), for a
// fixed random g, with central differences of L.
//
// Inputs may be any strided float tensors: non-contiguous views, broadcast (stride-0)
// expansions, slices with an offset. Each float input is rebuilt from a leaf that holds a
// contiguous copy of its *storage*, and f receives leaf.as_strided(shape, strides, offset), so
// f sees exactly the geometry it was given (a contiguous, whole-storage input gets the leaf
// itself). The gradient is therefore checked per storage element: a broadcast input's one
// stored value must receive the sum over all its copies, and storage elements the input does
// not reach must receive exactly zero. Non-float inputs (indices, masks) pass through as they
// are.
//
// Numerics: the library computes in float32, so each side of the difference is one float32
// forward, but L is accumulated in double, and the step is the difference of the two
// perturbed float32 values as doubles (x + eps is not exact in float32). With eps = 1e-3 the
// rounding noise in (L+ - L-) / 2eps is about 1e-7 * |terms| * sqrt(n) / 1e-3, i.e. below
// 1e-3 for the small, O(1) tensors the tests use, and the truncation error is O(eps²).
// An element passes when |analytic - numeric| <= atol + rtol * |numeric|, with the defaults
// atol = rtol = 1e-2: an order of magnitude above the noise, far below the size of any real
// mistake (a dropped term, a wrong sign, a missing broadcast sum). Inputs must keep a distance
// larger than eps from kinks (abs/relu at 0, clamp bounds, ties of max) — see Domain.
//
// Besides the gradients it checks that f's value with autograd recording equals its value
// without (an in-place op on a view must compute the same thing either way), that f does not
// modify its inputs, and that every gradient is finite. On failure, `message` names the worst
// element with both values.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kindling.h"

namespace kd::test {

using TensorFn = std::function<Tensor(const std::vector<Tensor>&)>;

// How random test values are shaped to stay clear of the points where an op is not
// differentiable (or not defined).
enum class Domain {
  Any,           // standard normal
  Positive,      // |x| + 0.5 (log, sqrt, fractional powers)
  AwayFromZero,  // sign(x) * (|x| + 0.2) (abs, relu, divisors, norm p=1)
};

// The memory layout a test input gets.
enum class Layout {
  Contiguous,  // a fresh row-major tensor
  Transposed,  // same shape, last two dims transposed in memory (1-D: every other element)
  Broadcast,   // the first dim of size > 1 is stored once and expanded (stride 0)
};

inline const char* layout_name(Layout l) {
  switch (l) {
    case Layout::Contiguous: return "contiguous";
    case Layout::Transposed: return "transposed";
    case Layout::Broadcast: return "broadcast";
  }
  return "?";
}

inline float apply_domain(float v, Domain d) {
  switch (d) {
    case Domain::Any: return v;
    case Domain::Positive: return std::fabs(v) + 0.5f;
    case Domain::AwayFromZero: return v < 0 ? v - 0.2f : v + 0.2f;
  }
  return v;
}

inline Tensor random_values(const Shape& shape, Domain domain, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values(static_cast<size_t>(shape_numel(shape)));
  for (float& v : values) v = apply_domain(normal(rng), domain);
  return kd::tensor(values, shape);
}

// A float tensor of `shape` with random values and the requested layout (no requires_grad).
inline Tensor make_input(const Shape& shape, Layout layout, Domain domain, std::mt19937& rng) {
  const int64_t n = static_cast<int64_t>(shape.size());
  if (layout == Layout::Transposed && n >= 2 && (shape[n - 1] > 1 || shape[n - 2] > 1)) {
    Shape swapped = shape;
    std::swap(swapped[n - 1], swapped[n - 2]);
    return random_values(swapped, domain, rng).transpose(-1, -2);
  }
  if (layout == Layout::Transposed && n >= 1 && shape[0] > 0) {
    Shape doubled = shape;
    doubled[0] *= 2;
    return random_values(doubled, domain, rng).slice(0, 1, std::nullopt, 2);
  }
  if (layout == Layout::Broadcast) {
    for (int64_t d = 0; d < n; ++d) {
      if (shape[d] <= 1) continue;
      Shape stored = shape;
      stored[d] = 1;
      return random_values(stored, domain, rng).expand(shape);
    }
  }
  return random_values(shape, domain, rng);
}

struct GradcheckOptions {
  double eps = 1e-3;
  double atol = 1e-2;
  double rtol = 1e-2;
  uint32_t seed = 20240601;  // for g
};

struct GradcheckResult {
  bool ok = true;
  double worst_ratio = 0;  // worst |analytic - numeric| / tolerance; <= 1 passes
  double worst_analytic = 0, worst_numeric = 0;  // the two values at that element
  std::string message;
};

namespace detail {

// One float input, rebuilt from a leaf over a copy of its storage.
struct LeafInput {
  bool is_float = false;
  bool direct = false;  // contiguous over the whole storage: f gets the leaf itself
  Shape shape, strides;
  int64_t offset = 0;
  std::vector<float> storage;  // the values of the leaf
};

inline LeafInput describe(const Tensor& x) {
  LeafInput in;
  in.is_float = x.dtype() == DType::Float32;
  if (!in.is_float) return in;
  in.shape = x.shape();
  in.strides = x.strides();
  in.offset = x.storage_offset();
  const int64_t capacity = static_cast<int64_t>(x.impl()->storage->bytes() / sizeof(float));
  in.direct = x.is_contiguous() && in.offset == 0 && x.numel() == capacity;
  NoGradGuard no_grad;
  Tensor whole = in.direct ? x : x.detach().as_strided({capacity}, {1}, 0);
  in.storage = whole.to_vector<float>();
  return in;
}

inline Tensor make_leaf(const LeafInput& in, bool requires_grad) {
  Shape leaf_shape = in.direct ? in.shape : Shape{static_cast<int64_t>(in.storage.size())};
  Tensor leaf = kd::tensor(in.storage, leaf_shape);
  if (requires_grad) leaf.requires_grad_(true);
  return leaf;
}

inline Tensor view_of_leaf(const LeafInput& in, const Tensor& leaf) {
  return in.direct ? leaf : leaf.as_strided(in.shape, in.strides, in.offset);
}

inline double weighted_sum(const Tensor& out, const std::vector<double>& g) {
  std::vector<double> v = out.to_vector<double>();
  double total = 0;
  for (size_t i = 0; i < v.size(); ++i) total += v[i] * g[i];
  return total;
}

inline std::string shape_of(const Shape& s) { return shape_str(s); }

}  // namespace detail

inline GradcheckResult gradcheck(const TensorFn& f, const std::vector<Tensor>& inputs, GradcheckOptions opt = {}) {
  GradcheckResult result;
  std::vector<detail::LeafInput> described;
  for (const Tensor& x : inputs) described.push_back(detail::describe(x));

  // Analytic side: leaves that require grad, L = (f * g).sum(), backward.
  std::vector<Tensor> leaves(inputs.size()), analytic_inputs(inputs.size());
  std::vector<uint32_t> versions(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!described[i].is_float) {
      analytic_inputs[i] = inputs[i];
      continue;
    }
    leaves[i] = detail::make_leaf(described[i], true);
    analytic_inputs[i] = detail::view_of_leaf(described[i], leaves[i]);
    versions[i] = leaves[i].version();
  }
  Tensor out = f(analytic_inputs);
  if (out.dtype() != DType::Float32) {
    result.ok = false;
    result.message = "f returned a non-float tensor";
    return result;
  }
  std::mt19937 rng(opt.seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> g_values(static_cast<size_t>(out.numel()));
  for (float& v : g_values) v = normal(rng);
  std::vector<double> g(g_values.begin(), g_values.end());
  std::vector<double> out_values = out.to_vector<double>();
  if (out.requires_grad()) {
    Tensor loss = out.mul(kd::tensor(g_values, out.shape())).sum();
    loss.backward();
  }

  std::ostringstream msg;
  // f must not write into its inputs.
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!described[i].is_float) continue;
    if (leaves[i].version() != versions[i] || leaves[i].to_vector<float>() != described[i].storage) {
      result.ok = false;
      msg << "f modified input " << i << "; ";
    }
  }

  // Numeric side: plain tensors (no history), one storage element perturbed at a time.
  auto evaluate = [&](const std::vector<std::vector<float>>& storages) {
    std::vector<Tensor> args(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!described[i].is_float) {
        args[i] = inputs[i];
        continue;
      }
      detail::LeafInput in = described[i];
      in.storage = storages[i];
      args[i] = detail::view_of_leaf(in, detail::make_leaf(in, false));
    }
    return f(args);
  };
  std::vector<std::vector<float>> storages;
  for (const auto& d : described) storages.push_back(d.storage);

  // The value with autograd recording must equal the value without.
  std::vector<double> plain = evaluate(storages).to_vector<double>();
  for (size_t k = 0; k < plain.size() && k < out_values.size(); ++k) {
    if (!(std::fabs(plain[k] - out_values[k]) <= 1e-5 * (1 + std::fabs(plain[k])))) {
      result.ok = false;
      msg << "forward value differs with autograd on: element " << k << " is " << out_values[k] << " vs " << plain[k]
          << " without; ";
      break;
    }
  }
  if (plain.size() != out_values.size()) {
    result.ok = false;
    msg << "forward size differs with autograd on; ";
  }

  struct Worst {
    double ratio = -1;
    size_t input = 0;
    size_t element = 0;
    double analytic = 0, numeric = 0, tolerance = 0;
  } worst;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!described[i].is_float) continue;
    Tensor grad = leaves[i].grad();
    std::vector<double> analytic = grad.defined() ? grad.to_vector<double>() : std::vector<double>(storages[i].size(), 0.0);
    if (analytic.size() != storages[i].size()) {
      result.ok = false;
      msg << "gradient of input " << i << " has " << analytic.size() << " elements, expected " << storages[i].size() << "; ";
      continue;
    }
    for (size_t k = 0; k < storages[i].size(); ++k) {
      const float x = storages[i][k];
      const float plus = static_cast<float>(x + opt.eps), minus = static_cast<float>(x - opt.eps);
      storages[i][k] = plus;
      double l_plus = detail::weighted_sum(evaluate(storages), g);
      storages[i][k] = minus;
      double l_minus = detail::weighted_sum(evaluate(storages), g);
      storages[i][k] = x;
      double numeric = (l_plus - l_minus) / (static_cast<double>(plus) - static_cast<double>(minus));
      double tolerance = opt.atol + opt.rtol * std::fabs(numeric);
      double err = std::fabs(analytic[k] - numeric);
      double ratio = std::isfinite(err) ? err / tolerance : INFINITY;
      if (ratio > worst.ratio) worst = {ratio, i, k, analytic[k], numeric, tolerance};
    }
  }
  result.worst_ratio = worst.ratio;
  result.worst_analytic = worst.analytic;
  result.worst_numeric = worst.numeric;
  if (worst.ratio > 1) result.ok = false;
  if (worst.ratio >= 0) {
    const detail::LeafInput& in = described[worst.input];
    msg << "worst element: input " << worst.input << " (shape " << detail::shape_of(in.shape) << ", strides "
        << detail::shape_of(in.strides) << ", offset " << in.offset << ") storage element " << worst.element
        << ": analytic " << worst.analytic << ", numeric " << worst.numeric << " (|diff| "
        << std::fabs(worst.analytic - worst.numeric) << ", tolerance " << worst.tolerance << ")";
  }
  result.message = msg.str();
  return result;
}

// Second derivatives, as torch.autograd.gradgradcheck: gradcheck of
//   F(inputs, g) = ∂/∂inputs [(f(inputs) · g).sum()]   (autograd::grad with create_graph),
// flattened and concatenated. g, the gradient flowing into f's output, is an input of F of its
// own, so the recorded backward is checked against finite differences both with respect to
// f's inputs (the second derivative) and to the incoming gradient (the backward is linear in it).
inline GradcheckResult gradgradcheck(const TensorFn& f, const std::vector<Tensor>& inputs, GradcheckOptions opt = {}) {
  Shape out_shape;
  {
    NoGradGuard no_grad;
    out_shape = f(inputs).shape();
  }
  std::mt19937 rng(opt.seed + 1);
  std::vector<Tensor> all = inputs;
  all.push_back(random_values(out_shape, Domain::Any, rng));
  const size_t n = inputs.size();
  TensorFn first_derivative = [f, n](const std::vector<Tensor>& xs) {
    std::vector<Tensor> args(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(n));
    std::vector<Tensor> differentiated;
    for (Tensor& a : args) {
      if (a.dtype() != DType::Float32) continue;
      // The finite-difference side passes plain tensors: make them leaves to differentiate.
      if (!a.requires_grad()) a = a.detach().requires_grad_(true);
      differentiated.push_back(a);
    }
    Tensor out = f(args);
    std::vector<Tensor> grads(differentiated.size());
    if (out.requires_grad())
      grads = autograd::grad({out}, differentiated, {xs[n]}, std::nullopt, /*create_graph=*/true, /*allow_unused=*/true);
    std::vector<Tensor> flat;
    for (size_t i = 0; i < grads.size(); ++i)
      flat.push_back((grads[i].defined() ? grads[i] : zeros(differentiated[i].shape())).reshape({-1}));
    return cat(flat, 0);
  };
  return gradcheck(first_derivative, all, opt);
}

}  // namespace kd::test
