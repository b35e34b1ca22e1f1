// Conversions shared by the Embind sources (tensor.cpp, nn.cpp, optim.cpp, serialize.cpp), and
// the address ABI of tensors (below).
//
// Shapes and int64 scalars cross as JS numbers (Embind has no int64 without BigInt); dtypes as
// their names. The JS layer validates every argument first, so these never see bad input
// except where noted (dtype_from_name throws kd::TypeError: call it inside guarded()).
#pragma once

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "boundary.h"
#include "tensor/tensor.h"

namespace kd::wasm {

inline Shape shape_from_js(const emscripten::val& dims) {
  std::vector<double> values = emscripten::vecFromJSArray<double>(dims);
  Shape shape;
  shape.reserve(values.size());
  for (double d : values) shape.push_back(static_cast<int64_t>(d));
  return shape;
}

// null/undefined -> nullopt, else a shape.
inline std::optional<Shape> optional_shape_from_js(const emscripten::val& dims) {
  if (dims.isNull() || dims.isUndefined()) return std::nullopt;
  return shape_from_js(dims);
}

// Bytes as a Uint8Array owned by JS (a view into the wasm heap would die with `bytes`).
inline emscripten::val bytes_to_js(const std::vector<uint8_t>& bytes) {
  return emscripten::val::global("Uint8Array")
      .new_(emscripten::typed_memory_view(bytes.size(), bytes.data()))
      .call<emscripten::val>("slice");
}

inline emscripten::val shape_to_js(const Shape& shape) {
  emscripten::val out = emscripten::val::array();
  for (size_t i = 0; i < shape.size(); ++i) out.set(i, static_cast<double>(shape[i]));
  return out;
}

// NaN stands for "none" in optional numeric arguments (clamp bounds, slice ends, argmax dim).
inline std::optional<double> optional_number(double x) {
  if (std::isnan(x)) return std::nullopt;
  return x;
}
inline std::optional<int64_t> optional_int(double x) {
  if (std::isnan(x)) return std::nullopt;
  return static_cast<int64_t>(x);
}

inline DType dtype_from_name(const std::string& name) {
  if (name == "float32") return DType::Float32;
  if (name == "int64") return DType::Int64;
  if (name == "bool") return DType::Bool;
  throw kd::TypeError("unknown dtype '" + name + "' (expected 'float32', 'int64' or 'bool')");
}

// A JS array of RawTensor handles -> tensors (copies of the handles: shared_ptr copies).
inline std::vector<Tensor> tensors_from_js(const emscripten::val& handles) {
  const unsigned n = handles["length"].as<unsigned>();
  std::vector<Tensor> out;
  out.reserve(n);
  for (unsigned i = 0; i < n; ++i) out.push_back(handles[i].as<Tensor>());
  return out;
}

// The same, where null or undefined stands for an undefined Tensor ("none").
inline std::vector<Tensor> optional_tensors_from_js(const emscripten::val& handles) {
  const unsigned n = handles["length"].as<unsigned>();
  std::vector<Tensor> out(n);
  for (unsigned i = 0; i < n; ++i)
    if (!handles[i].isNull() && !handles[i].isUndefined()) out[i] = handles[i].as<Tensor>();
  return out;
}

// Tensors -> a JS array of new RawTensor handles (each owned by the caller; ctx.wrap them).
inline emscripten::val tensors_to_js(const std::vector<Tensor>& tensors) {
  emscripten::val out = emscripten::val::array();
  for (size_t i = 0; i < tensors.size(); ++i) out.set(i, emscripten::val(tensors[i]));
  return out;
}

// ---- the address ABI ----
// A JS Tensor holds its tensor by address: a heap kd::Tensor (one shared_ptr) made by owned()
// and freed by tensorRelease(), one per JS wrapper. Functions on the hot path (the op table's,
// module forward, the functional forms) take and return addresses, so a call is one Embind call
// with plain numbers in and out and no Embind class handle, whose making costs more than a
// small op. An address 0 is an undefined tensor; whether a returned tensor is an nn.Parameter
// is in the call's status words (boundary.h).

using TensorAddress = uintptr_t;

inline Tensor& at(TensorAddress address) { return *reinterpret_cast<Tensor*>(address); }
// An optional tensor argument: 0 stands for none (an undefined Tensor).
inline Tensor optional_at(TensorAddress address) { return address == 0 ? Tensor() : at(address); }

// A result handed to JS: a new heap Tensor (0 when undefined), its flags in the status words.
inline TensorAddress owned(Tensor t) {
  record_result(t);
  if (!t.defined()) return 0;
  return reinterpret_cast<TensorAddress>(new Tensor(std::move(t)));
}

// A JS array of addresses (0 for "none") -> tensors.
inline std::vector<Tensor> tensors_at(const emscripten::val& addresses) {
  const unsigned n = addresses["length"].as<unsigned>();
  std::vector<Tensor> out(n);
  for (unsigned i = 0; i < n; ++i) out[i] = optional_at(addresses[i].as<TensorAddress>());
  return out;
}

// Tensors -> a JS array of new addresses (0 for undefined ones), each owned by the caller.
inline emscripten::val owned_list(std::vector<Tensor> tensors) {
  emscripten::val out = emscripten::val::array();
  for (size_t i = 0; i < tensors.size(); ++i) {
    Tensor& t = tensors[i];
    out.set(i, static_cast<double>(t.defined() ? reinterpret_cast<TensorAddress>(new Tensor(std::move(t))) : 0));
  }
  return out;
}

}  // namespace kd::wasm
