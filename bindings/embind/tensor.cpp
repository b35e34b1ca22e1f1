// The raw Embind block, tensor part: factories, the RawTensor class (every kd::Tensor method),
// free functions (cat, stack, where, one_hot) and nn.Parameter.
//
// Thin on purpose: argument handling, defaults and camelCase options live in
// bindings/js/tensor.mjs, which validates everything before calling in. Conventions (see
// convert.h): shapes are JS arrays of numbers, int64 scalars are doubles, an absent optional
// number is NaN, an absent optional shape is null, dtypes are names. In-place methods return
// nothing (the JS method returns `this`); methods returning two tensors return a JS array of
// two new handles. Every body runs inside guarded() (see boundary.h).
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <string>
#include <vector>

#include "autograd/node.h"
#include "boundary.h"
#include "convert.h"
#include "nn/module.h"
#include "ops/ops.h"
#include "tensor/tensor.h"

using emscripten::val;
using kd::Shape;
using kd::Tensor;
using kd::wasm::dtype_from_name;
using kd::wasm::guarded;
using kd::wasm::optional_int;
using kd::wasm::optional_number;
using kd::wasm::optional_shape_from_js;
using kd::wasm::shape_from_js;
using kd::wasm::shape_to_js;

// A JS number next to a tensor: whole numbers count as integers (JS cannot tell 2 from 2.0).
inline kd::Scalar js_number(double value) { return kd::Scalar::from_js_number(value); }

namespace {

int64_t i64(double x) { return static_cast<int64_t>(x); }

// ---- factories ----

// `values` is a Float32Array; copied into a new float32 tensor.
Tensor tensor_from_float32(const val& values, const val& dims) {
  std::vector<float> data = emscripten::convertJSArrayToNumberVector<float>(values);
  Shape shape = shape_from_js(dims);
  return guarded([&] { return kd::tensor(data, shape); });
}

// `values` is a Float64Array of integers (int64) or 0/1 (bool); copied into a new tensor.
Tensor tensor_from_float64(const val& values, const val& dims, const std::string& dtype) {
  std::vector<double> data = emscripten::convertJSArrayToNumberVector<double>(values);
  Shape shape = shape_from_js(dims);
  return guarded([&] {
    kd::DType d = dtype_from_name(dtype);
    if (d == kd::DType::Int64) return kd::tensor_i64(std::vector<int64_t>(data.begin(), data.end()), shape);
    if (d == kd::DType::Bool) {
      std::vector<bool> flags(data.size());
      for (size_t i = 0; i < data.size(); ++i) flags[i] = data[i] != 0;
      return kd::tensor_bool(flags, shape);
    }
    return kd::tensor(std::vector<float>(data.begin(), data.end()), shape);
  });
}

Tensor scalar_tensor(double value, const std::string& dtype) {
  return guarded([&] { return kd::scalar_tensor(value, dtype_from_name(dtype)); });
}

template <Tensor (*Make)(const Shape&, kd::TensorOptions)>
Tensor sized(const val& dims, const std::string& dtype) {
  Shape shape = shape_from_js(dims);
  return guarded([&] { return Make(shape, kd::TensorOptions(dtype_from_name(dtype))); });
}

Tensor full(const val& dims, double value, const std::string& dtype) {
  Shape shape = shape_from_js(dims);
  return guarded([&] { return kd::full(shape, value, kd::TensorOptions(dtype_from_name(dtype))); });
}

Tensor arange(double start, double end, double step, const std::string& dtype) {
  return guarded([&] { return kd::arange(start, end, step, kd::TensorOptions(dtype_from_name(dtype))); });
}

Tensor linspace(double start, double end, double steps, const std::string& dtype) {
  return guarded([&] { return kd::linspace(start, end, i64(steps), kd::TensorOptions(dtype_from_name(dtype))); });
}

Tensor eye(double n, double m, const std::string& dtype) {
  return guarded([&] { return kd::eye(i64(n), i64(m), kd::TensorOptions(dtype_from_name(dtype))); });
}

Tensor randint(double low, double high, const val& dims, const std::string& dtype) {
  Shape shape = shape_from_js(dims);
  return guarded([&] { return kd::randint(i64(low), i64(high), shape, kd::TensorOptions(dtype_from_name(dtype))); });
}

Tensor randperm(double n) {
  return guarded([&] { return kd::randperm(i64(n)); });
}

void manual_seed(double seed) {
  guarded([&] { kd::manual_seed(static_cast<uint64_t>(seed)); });
}

// ---- free functions over several tensors ----

Tensor cat(const val& handles, double dim) {
  std::vector<Tensor> tensors = kd::wasm::tensors_from_js(handles);
  return guarded([&] { return kd::cat(tensors, i64(dim)); });
}
Tensor stack(const val& handles, double dim) {
  std::vector<Tensor> tensors = kd::wasm::tensors_from_js(handles);
  return guarded([&] { return kd::stack(tensors, i64(dim)); });
}
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  return guarded([&] { return kd::where(condition, a, b); });
}
Tensor one_hot(const Tensor& indices, double num_classes) {
  return guarded([&] { return kd::one_hot(indices, i64(num_classes)); });
}

// nn.Parameter(data, requires_grad): shares data's storage, a leaf, prints "Parameter containing:".
Tensor make_parameter(const Tensor& data, bool requires_grad) {
  return guarded([&] { return kd::nn::Parameter(data, requires_grad); });
}

// ---- values out ----

val to_float32(const Tensor& t) {
  return guarded([&] {
    std::vector<float> values = t.to_vector<float>();
    return val::global("Float32Array").new_(emscripten::typed_memory_view(values.size(), values.data()));
  });
}
val to_float64(const Tensor& t) {
  return guarded([&] {
    std::vector<double> values = t.to_vector<double>();
    return val::global("Float64Array").new_(emscripten::typed_memory_view(values.size(), values.data()));
  });
}

val pair_to_js(const std::pair<Tensor, Tensor>& p) {
  val out = val::array();
  out.set(0, val(p.first));
  out.set(1, val(p.second));
  return out;
}

}  // namespace

// Method bodies, one line each: G(expr) runs expr guarded and returns its value.
#define G(...) guarded([&] { return __VA_ARGS__; })
#define GV(...) guarded([&] { __VA_ARGS__; })

EMSCRIPTEN_BINDINGS(kindling_tensor) {
  using emscripten::function;

  function("tensorFromFloat32", &tensor_from_float32);
  function("tensorFromFloat64", &tensor_from_float64);
  function("scalarTensor", &scalar_tensor);
  function("empty", &sized<kd::empty>);
  function("zeros", &sized<kd::zeros>);
  function("ones", &sized<kd::ones>);
  function("randn", &sized<kd::randn>);
  function("rand", &sized<kd::rand>);
  function("full", &full);
  function("arange", &arange);
  function("linspace", &linspace);
  function("eye", &eye);
  function("randint", &randint);
  function("randperm", &randperm);
  function("manualSeed", &manual_seed);

  function("cat", &cat);
  function("stack", &stack);
  function("where", &where);
  function("oneHot", &one_hot);
  function("makeParameter", &make_parameter);

  emscripten::class_<Tensor>("RawTensor")
      // identity and geometry
      .function("defined", +[](const Tensor& t) { return t.defined(); })
      .function("implId", +[](const Tensor& t) { return static_cast<double>(reinterpret_cast<uintptr_t>(t.impl())); })
      .function("isParameter", +[](const Tensor& t) { return t.defined() && t.impl()->is_parameter; })
      .function("shape", +[](const Tensor& t) { return G(shape_to_js(t.shape())); })
      .function("strides", +[](const Tensor& t) { return G(shape_to_js(t.strides())); })
      .function("dtype", +[](const Tensor& t) { return G(std::string(kd::dtype_name(t.dtype()))); })
      .function("dim", +[](const Tensor& t) { return G(static_cast<double>(t.dim())); })
      .function("numel", +[](const Tensor& t) { return G(static_cast<double>(t.numel())); })
      .function("storageOffset", +[](const Tensor& t) { return G(static_cast<double>(t.storage_offset())); })
      .function("isContiguous", +[](const Tensor& t) { return G(t.is_contiguous()); })
      // values out
      .function("toFloat32Array", &to_float32)
      .function("toFloat64Array", &to_float64)
      .function("item", +[](const Tensor& t) { return G(t.item<double>()); })
      .function("toString", +[](const Tensor& t) { return G(t.to_string()); })
      // autograd
      .function("requiresGrad", +[](const Tensor& t) { return G(t.requires_grad()); })
      .function("setRequiresGrad", +[](Tensor& t, bool flag) { GV(t.requires_grad_(flag)); })
      .function("grad", +[](const Tensor& t) { return G(t.grad()); })
      .function("setGrad", +[](Tensor& t, const Tensor& g) { GV(t.set_grad(g)); })
      .function("clearGrad", +[](Tensor& t) { GV(t.set_grad(Tensor())); })
      .function("isLeaf", +[](const Tensor& t) { return G(t.is_leaf()); })
      .function("gradFnName", +[](const Tensor& t) { return G(t.grad_fn() ? t.grad_fn()->name() : std::string()); })
      .function("version", +[](const Tensor& t) { return G(static_cast<double>(t.version())); })
      .function("retainGrad", +[](Tensor& t) { GV(t.retain_grad()); })
      .function("retainsGrad", +[](const Tensor& t) { return G(t.impl() != nullptr && t.impl()->retains_grad); })
      .function("backward", +[](const Tensor& t, bool retain_graph, bool create_graph) { GV(t.backward(Tensor(), retain_graph, create_graph)); })
      .function("backwardWith", +[](const Tensor& t, const Tensor& g, bool retain_graph, bool create_graph) { GV(t.backward(g, retain_graph, create_graph)); })
      .function("detach", +[](const Tensor& t) { return G(t.detach()); })
      .function("detach_", +[](Tensor& t) { GV(t.detach_()); })
      .function("data", +[](const Tensor& t) { return G(t.data()); })
      // views
      .function("view", +[](const Tensor& t, const val& s) { Shape shape = shape_from_js(s); return G(t.view(shape)); })
      .function("reshape", +[](const Tensor& t, const val& s) { Shape shape = shape_from_js(s); return G(t.reshape(shape)); })
      .function("contiguous", +[](const Tensor& t) { return G(t.contiguous()); })
      .function("transpose", +[](const Tensor& t, double d0, double d1) { return G(t.transpose(i64(d0), i64(d1))); })
      .function("permute", +[](const Tensor& t, const val& d) { Shape dims = shape_from_js(d); return G(t.permute(dims)); })
      .function("t", +[](const Tensor& t) { return G(t.t()); })
      .function("unsqueeze", +[](const Tensor& t, double d) { return G(t.unsqueeze(i64(d))); })
      .function("squeeze", +[](const Tensor& t) { return G(t.squeeze()); })
      .function("squeezeDim", +[](const Tensor& t, double d) { return G(t.squeeze(i64(d))); })
      .function("expand", +[](const Tensor& t, const val& s) { Shape shape = shape_from_js(s); return G(t.expand(shape)); })
      .function("expandAs", +[](const Tensor& t, const Tensor& o) { return G(t.expand_as(o)); })
      .function("narrow", +[](const Tensor& t, double d, double s, double n) { return G(t.narrow(i64(d), i64(s), i64(n))); })
      .function("select", +[](const Tensor& t, double d, double i) { return G(t.select(i64(d), i64(i))); })
      .function("slice", +[](const Tensor& t, double d, double s, double e, double step) {
        return G(t.slice(i64(d), optional_int(s), optional_int(e), i64(step)));
      })
      .function("flatten", +[](const Tensor& t, double s, double e) { return G(t.flatten(i64(s), i64(e))); })
      .function("asStrided", +[](const Tensor& t, const val& s, const val& st, double off) {
        Shape shape = shape_from_js(s);
        Shape strides = shape_from_js(st);
        return G(t.as_strided(shape, strides, i64(off)));
      })
      // copies
      .function("clone", +[](const Tensor& t) { return G(t.clone()); })
      .function("to", +[](const Tensor& t, const std::string& d) { return G(t.to(dtype_from_name(d))); })
      .function("indexSelect", +[](const Tensor& t, double d, const Tensor& i) { return G(t.index_select(i64(d), i)); })
      .function("gather", +[](const Tensor& t, double d, const Tensor& i) { return G(t.gather(i64(d), i)); })
      .function("scatterAdd", +[](const Tensor& t, double d, const Tensor& i, const Tensor& s) { return G(t.scatter_add(i64(d), i, s)); })
      .function("maskedFill", +[](const Tensor& t, const Tensor& m, double v) { return G(t.masked_fill(m, v)); })
      // element-wise
      .function("add", +[](const Tensor& a, const Tensor& b, double alpha) { return G(a.add(b, alpha)); })
      .function("addScalar", +[](const Tensor& a, double b) { return G(a.add(js_number(b))); })
      .function("sub", +[](const Tensor& a, const Tensor& b, double alpha) { return G(a.sub(b, alpha)); })
      .function("subScalar", +[](const Tensor& a, double b) { return G(a.sub(js_number(b))); })
      .function("rsubScalar", +[](const Tensor& a, double b) { return G(js_number(b) - a); })
      .function("rdivScalar", +[](const Tensor& a, double b) { return G(js_number(b) / a); })
      .function("mul", +[](const Tensor& a, const Tensor& b) { return G(a.mul(b)); })
      .function("mulScalar", +[](const Tensor& a, double b) { return G(a.mul(js_number(b))); })
      .function("div", +[](const Tensor& a, const Tensor& b) { return G(a.div(b)); })
      .function("divScalar", +[](const Tensor& a, double b) { return G(a.div(js_number(b))); })
      .function("pow", +[](const Tensor& a, const Tensor& b) { return G(a.pow(b)); })
      .function("powScalar", +[](const Tensor& a, double b) { return G(a.pow(js_number(b))); })
      .function("neg", +[](const Tensor& t) { return G(t.neg()); })
      .function("exp", +[](const Tensor& t) { return G(t.exp()); })
      .function("log", +[](const Tensor& t) { return G(t.log()); })
      .function("sqrt", +[](const Tensor& t) { return G(t.sqrt()); })
      .function("abs", +[](const Tensor& t) { return G(t.abs()); })
      .function("tanh", +[](const Tensor& t) { return G(t.tanh()); })
      .function("sigmoid", +[](const Tensor& t) { return G(t.sigmoid()); })
      .function("relu", +[](const Tensor& t) { return G(t.relu()); })
      .function("gelu", +[](const Tensor& t) { return G(t.gelu()); })
      .function("clamp", +[](const Tensor& t, double lo, double hi) { return G(t.clamp(optional_number(lo), optional_number(hi))); })
      .function("eq", +[](const Tensor& a, const Tensor& b) { return G(a.eq(b)); })
      .function("ne", +[](const Tensor& a, const Tensor& b) { return G(a.ne(b)); })
      .function("lt", +[](const Tensor& a, const Tensor& b) { return G(a.lt(b)); })
      .function("le", +[](const Tensor& a, const Tensor& b) { return G(a.le(b)); })
      .function("gt", +[](const Tensor& a, const Tensor& b) { return G(a.gt(b)); })
      .function("ge", +[](const Tensor& a, const Tensor& b) { return G(a.ge(b)); })
      .function("eqScalar", +[](const Tensor& a, double b) { return G(a.eq(js_number(b))); })
      .function("neScalar", +[](const Tensor& a, double b) { return G(a.ne(js_number(b))); })
      .function("ltScalar", +[](const Tensor& a, double b) { return G(a.lt(js_number(b))); })
      .function("leScalar", +[](const Tensor& a, double b) { return G(a.le(js_number(b))); })
      .function("gtScalar", +[](const Tensor& a, double b) { return G(a.gt(js_number(b))); })
      .function("geScalar", +[](const Tensor& a, double b) { return G(a.ge(js_number(b))); })
      .function("logicalNot", +[](const Tensor& t) { return G(t.logical_not()); })
      // reductions
      .function("sum", +[](const Tensor& t) { return G(t.sum()); })
      .function("sumDims", +[](const Tensor& t, const val& d, bool k) { Shape dims = shape_from_js(d); return G(t.sum(dims, k)); })
      .function("mean", +[](const Tensor& t) { return G(t.mean()); })
      .function("meanDims", +[](const Tensor& t, const val& d, bool k) { Shape dims = shape_from_js(d); return G(t.mean(dims, k)); })
      .function("max", +[](const Tensor& t) { return G(t.max()); })
      .function("maxDim", +[](const Tensor& t, double d, bool k) { return G(pair_to_js(t.max(i64(d), k))); })
      .function("min", +[](const Tensor& t) { return G(t.min()); })
      .function("minDim", +[](const Tensor& t, double d, bool k) { return G(pair_to_js(t.min(i64(d), k))); })
      .function("argmax", +[](const Tensor& t, double d, bool k) { return G(t.argmax(optional_int(d), k)); })
      .function("argmin", +[](const Tensor& t, double d, bool k) { return G(t.argmin(optional_int(d), k)); })
      .function("var", +[](const Tensor& t, const val& d, bool unbiased, bool k) {
        std::optional<Shape> dims = optional_shape_from_js(d);
        return G(t.var(dims, unbiased, k));
      })
      .function("std", +[](const Tensor& t, const val& d, bool unbiased, bool k) {
        std::optional<Shape> dims = optional_shape_from_js(d);
        return G(t.std(dims, unbiased, k));
      })
      .function("norm", +[](const Tensor& t, double p, const val& d, bool k) {
        std::optional<Shape> dims = optional_shape_from_js(d);
        return G(t.norm(p, dims, k));
      })
      .function("softmax", +[](const Tensor& t, double d) { return G(t.softmax(i64(d))); })
      .function("logSoftmax", +[](const Tensor& t, double d) { return G(t.log_softmax(i64(d))); })
      // linear algebra
      .function("matmul", +[](const Tensor& a, const Tensor& b) { return G(a.matmul(b)); })
      .function("mm", +[](const Tensor& a, const Tensor& b) { return G(a.mm(b)); })
      .function("bmm", +[](const Tensor& a, const Tensor& b) { return G(a.bmm(b)); })
      // in place
      .function("add_", +[](Tensor& t, const Tensor& o, double alpha) { GV(t.add_(o, alpha)); })
      .function("addScalar_", +[](Tensor& t, double o) { GV(t.add_(js_number(o))); })
      .function("sub_", +[](Tensor& t, const Tensor& o, double alpha) { GV(t.sub_(o, alpha)); })
      .function("mul_", +[](Tensor& t, const Tensor& o) { GV(t.mul_(o)); })
      .function("mul_Scalar", +[](Tensor& t, double o) { GV(t.mul_(js_number(o))); })
      .function("div_", +[](Tensor& t, const Tensor& o) { GV(t.div_(o)); })
      .function("div_Scalar", +[](Tensor& t, double o) { GV(t.div_(js_number(o))); })
      .function("zero_", +[](Tensor& t) { GV(t.zero_()); })
      .function("fill_", +[](Tensor& t, double v) { GV(t.fill_(v)); })
      .function("copy_", +[](Tensor& t, const Tensor& s) { GV(t.copy_(s)); })
      .function("normal_", +[](Tensor& t, double mean, double std) { GV(t.normal_(mean, std)); })
      .function("uniform_", +[](Tensor& t, double from, double to) { GV(t.uniform_(from, to)); })
      .function("clamp_", +[](Tensor& t, double lo, double hi) { GV(t.clamp_(optional_number(lo), optional_number(hi))); })
      .function("maskedFill_", +[](Tensor& t, const Tensor& m, double v) { GV(t.masked_fill_(m, v)); });
}
