// The raw Embind block: the core's API, one thin function per entry, every body guarded.
//
// Naming: raw names are the JS names (camelCase). The friendly layer in bindings/js/api.mjs
// wraps each one, checks the error slot (see boundary.h) and turns handles into JS Tensors.
// Shapes cross as plain JS arrays of numbers (int64 does not cross Embind without BigInt).
#include <emscripten/bind.h>
#include <emscripten/heap.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <cstdint>
#include <string>
#include <vector>

#include "boundary.h"
#include "ops/ops.h"
#include "parallel/thread_pool.h"
#include "tensor/storage.h"
#include "tensor/tensor.h"

#ifndef KD_WASM_POOL_SIZE
#define KD_WASM_POOL_SIZE 1
#endif

using emscripten::val;
using kd::Tensor;
using kd::wasm::guarded;

namespace kd::wasm {
ErrorSlot& error_slot() {
  static ErrorSlot slot;
  return slot;
}
}  // namespace kd::wasm

namespace {

kd::Shape shape_from_js(const val& dims) {
  std::vector<double> values = emscripten::vecFromJSArray<double>(dims);
  kd::Shape shape;
  shape.reserve(values.size());
  for (double d : values) shape.push_back(static_cast<int64_t>(d));
  return shape;
}

val shape_to_js(const kd::Shape& shape) {
  val out = val::array();
  for (size_t i = 0; i < shape.size(); ++i) out.set(i, static_cast<double>(shape[i]));
  return out;
}

// ---- errors ----

bool has_error() { return kd::wasm::error_slot().set; }

// {kind, message} of the last error, and clears the slot; null when there is none.
val take_error() {
  kd::wasm::ErrorSlot& slot = kd::wasm::error_slot();
  if (!slot.set) return val::null();
  val out = val::object();
  out.set("kind", slot.kind);
  out.set("message", slot.message);
  slot = kd::wasm::ErrorSlot{};
  return out;
}

// ---- factories ----

// `values` is a Float32Array (the JS layer converts arrays); copied into a new tensor.
Tensor tensor_from_float32(const val& values, const val& dims) {
  std::vector<float> data = emscripten::convertJSArrayToNumberVector<float>(values);
  kd::Shape shape = shape_from_js(dims);
  return guarded([&] { return kd::tensor(data, shape); });
}

Tensor randn(const val& dims) {
  kd::Shape shape = shape_from_js(dims);
  return guarded([&] { return kd::randn(shape); });
}

Tensor zeros(const val& dims) {
  kd::Shape shape = shape_from_js(dims);
  return guarded([&] { return kd::zeros(shape); });
}

void manual_seed(double seed) {
  guarded([&] { kd::manual_seed(static_cast<uint64_t>(seed)); });
}

// ---- tensor methods (free functions: Embind passes the handle first) ----

bool defined(const Tensor& t) { return t.defined(); }
val shape(const Tensor& t) {
  return guarded([&] { return shape_to_js(t.shape()); });
}
std::string dtype(const Tensor& t) {
  return guarded([&] { return std::string(kd::dtype_name(t.dtype())); });
}
double numel(const Tensor& t) {
  return guarded([&] { return static_cast<double>(t.numel()); });
}

// A fresh Float32Array holding a copy of the values, row-major.
val to_float32(const Tensor& t) {
  return guarded([&] {
    std::vector<float> values = t.to_vector<float>();
    return val::global("Float32Array").new_(emscripten::typed_memory_view(values.size(), values.data()));
  });
}

double item(const Tensor& t) {
  return guarded([&] { return static_cast<double>(t.item<float>()); });
}
std::string to_string(const Tensor& t) {
  return guarded([&] { return t.to_string(); });
}

Tensor add(const Tensor& a, const Tensor& b) {
  return guarded([&] { return a.add(b); });
}
Tensor add_scalar(const Tensor& a, double b) {
  return guarded([&] { return a.add(b); });
}
Tensor mul(const Tensor& a, const Tensor& b) {
  return guarded([&] { return a.mul(b); });
}
Tensor mul_scalar(const Tensor& a, double b) {
  return guarded([&] { return a.mul(b); });
}
Tensor matmul(const Tensor& a, const Tensor& b) {
  return guarded([&] { return a.matmul(b); });
}
Tensor sum(const Tensor& t) {
  return guarded([&] { return t.sum(); });
}
Tensor softmax(const Tensor& t, int dim) {
  return guarded([&] { return t.softmax(dim); });
}
Tensor view(const Tensor& t, const val& dims) {
  kd::Shape shape = shape_from_js(dims);
  return guarded([&] { return t.view(shape); });
}
Tensor transpose(const Tensor& t, int dim0, int dim1) {
  return guarded([&] { return t.transpose(dim0, dim1); });
}

// ---- autograd ----

void backward(const Tensor& t) {
  guarded([&] { t.backward(); });
}
Tensor grad(const Tensor& t) {
  return guarded([&] { return t.grad(); });  // undefined when there is no grad yet
}
bool requires_grad(const Tensor& t) {
  return guarded([&] { return t.requires_grad(); });
}
void set_requires_grad(Tensor& t, bool requires_grad) {
  guarded([&] { t.requires_grad_(requires_grad); });
}

// ---- runtime ----

val memory_stats() {
  kd::MemoryStats stats = kd::memory_stats();
  struct mallinfo heap = mallinfo();
  val out = val::object();
  out.set("liveStorages", static_cast<double>(stats.live_storages));
  out.set("liveBytes", static_cast<double>(stats.live_bytes));
  out.set("peakBytes", static_cast<double>(stats.peak_bytes));
  out.set("heapUsed", static_cast<double>(heap.uordblks));  // malloc'd bytes, all users
  out.set("heapSize", static_cast<double>(emscripten_get_heap_size()));
  return out;
}

val backend_info() {
  val out = val::object();
#ifdef __wasm_simd128__
  out.set("simd", true);
#else
  out.set("simd", false);
#endif
  out.set("threads", KD_THREADS != 0);
  out.set("numThreads", kd::get_num_threads());
  out.set("maxThreads", KD_THREADS ? KD_WASM_POOL_SIZE : 1);
  return out;
}

void set_num_threads(int n) {
  guarded([&] { kd::set_num_threads(n); });
}
int get_num_threads() { return kd::get_num_threads(); }
void shutdown_thread_pool() {
  guarded([&] { kd::shutdown_thread_pool(); });
}

}  // namespace

EMSCRIPTEN_BINDINGS(kindling) {
  using emscripten::function;

  function("hasError", &has_error);
  function("takeError", &take_error);

  function("tensorFromFloat32", &tensor_from_float32);
  function("randn", &randn);
  function("zeros", &zeros);
  function("manualSeed", &manual_seed);

  function("memoryStats", &memory_stats);
  function("backendInfo", &backend_info);
  function("setNumThreads", &set_num_threads);
  function("getNumThreads", &get_num_threads);
  function("shutdownThreadPool", &shutdown_thread_pool);

  emscripten::class_<Tensor>("RawTensor")
      .function("defined", &defined)
      .function("shape", &shape)
      .function("dtype", &dtype)
      .function("numel", &numel)
      .function("toFloat32Array", &to_float32)
      .function("item", &item)
      .function("toString", &to_string)
      .function("add", &add)
      .function("addScalar", &add_scalar)
      .function("mul", &mul)
      .function("mulScalar", &mul_scalar)
      .function("matmul", &matmul)
      .function("sum", &sum)
      .function("softmax", &softmax)
      .function("view", &view)
      .function("transpose", &transpose)
      .function("backward", &backward)
      .function("grad", &grad)
      .function("requiresGrad", &requires_grad)
      .function("setRequiresGrad", &set_requires_grad);
}
