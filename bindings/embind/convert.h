// Conversions shared by the Embind sources (tensor.cpp, nn.cpp, optim.cpp, serialize.cpp).
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

}  // namespace kd::wasm
