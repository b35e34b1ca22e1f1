// The raw Embind block, tensor part: factories, free functions (cat, stack, where, one_hot),
// nn.Parameter, the RawTensor handle class, and the tensor methods of the op table
// (tensor_ops.inc, generated from bindings/optable/tensor_ops.mjs).
//
// Thin on purpose: argument handling, defaults and camelCase options live in bindings/js/,
// which validates everything before calling in. Conventions (see convert.h): shapes are JS
// arrays of numbers, int64 scalars are doubles, an absent optional number is NaN, an absent
// optional shape is null, dtypes are names. Every body runs inside guarded() (see boundary.h).
//
// The address ABI (convert.h): the table's functions ('Tensor.add', 'Tensor.mul.Scalar', ...),
// like nn's forward and functional forms, take and return tensor addresses. The raw functions
// off the hot path (factories here, serialization, module registration) take RawTensor handles:
// JS makes one from an address when it needs one (tensorHandle), and turns a returned handle
// into an address (tensorAddress).
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
using kd::wasm::TensorAddress;
using kd::wasm::at;
using kd::wasm::guarded;
using kd::wasm::optional_at;
using kd::wasm::owned;
using kd::wasm::optional_int;
using kd::wasm::optional_number;
using kd::wasm::optional_shape_from_js;
using kd::wasm::shape_from_js;
using kd::wasm::shape_to_js;

namespace {

int64_t i64(double x) { return static_cast<int64_t>(x); }

val owned_pair(std::pair<Tensor, Tensor> p) {
  val out = val::array();
  out.set(0, static_cast<double>(owned(std::move(p.first))));
  out.set(1, static_cast<double>(owned(std::move(p.second))));
  return out;
}

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

val to_float32(TensorAddress address) {
  return guarded([&] {
    std::vector<float> values = at(address).to_vector<float>();
    return val::global("Float32Array").new_(emscripten::typed_memory_view(values.size(), values.data()));
  });
}
val to_float64(TensorAddress address) {
  return guarded([&] {
    std::vector<double> values = at(address).to_vector<double>();
    return val::global("Float64Array").new_(emscripten::typed_memory_view(values.size(), values.data()));
  });
}

}  // namespace

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

  // Handles and addresses (the address ABI, above).
  emscripten::class_<Tensor>("RawTensor");
  function("tensorAddress", +[](const Tensor& handle) { return guarded([&] { return owned(handle); }); });
  function("tensorHandle", +[](TensorAddress address) { return guarded([&] { return at(address); }); });
  function("tensorRelease", +[](TensorAddress address) { delete &at(address); });
  // Two wrappers share a TensorImpl when this is equal (x.grad gives a new wrapper each time).
  function("tensorImplId", +[](TensorAddress address) { return static_cast<double>(reinterpret_cast<uintptr_t>(at(address).impl())); });
  function("tensorToFloat32Array", &to_float32);
  function("tensorToFloat64Array", &to_float64);

  // The table's methods, one raw function per overload.
#include "tensor_ops.inc"
}
