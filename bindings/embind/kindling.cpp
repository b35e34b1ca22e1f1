// The raw Embind block, runtime part: the error slot, memory statistics, the backend, threads.
// The tensor API is in tensor.cpp; nn, optim and serialization in their own files.
//
// Naming: raw names are the JS names (camelCase). The friendly layer in bindings/js/ wraps each
// one, checks the error slot (see boundary.h) and turns handles into JS Tensors.
#include <emscripten/bind.h>
#include <emscripten/heap.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <cstdint>
#include <string>

#include "autograd/anomaly_mode.h"
#include "autograd/grad_mode.h"
#include "boundary.h"
#include "parallel/thread_pool.h"
#include "tensor/storage.h"

#ifndef KD_WASM_POOL_SIZE
#define KD_WASM_POOL_SIZE 1
#endif

using emscripten::val;
using kd::wasm::guarded;

namespace kd::wasm {
ErrorSlot& error_slot() {
  static ErrorSlot slot;
  return slot;
}
}  // namespace kd::wasm

namespace {

bool has_error() { return kd::wasm::error_slot().status.error != 0; }

// The byte address of the CallStatus words (boundary.h), read once by the JS layer.
double call_status_address() { return static_cast<double>(reinterpret_cast<uintptr_t>(&kd::wasm::error_slot().status)); }

// {kind, message} of the last error, and clears the slot; null when there is none.
val take_error() {
  kd::wasm::ErrorSlot& slot = kd::wasm::error_slot();
  if (!slot.status.error) return val::null();
  val out = val::object();
  out.set("kind", slot.kind);
  out.set("message", slot.message);
  slot = kd::wasm::ErrorSlot{};
  return out;
}

val memory_stats() {
  kd::MemoryStats stats = kd::memory_stats();
  struct mallinfo heap = mallinfo();
  val out = val::object();
  out.set("liveStorages", static_cast<double>(stats.live_storages));
  out.set("liveBytes", static_cast<double>(stats.live_bytes));
  out.set("peakBytes", static_cast<double>(stats.peak_bytes));
  out.set("cachedBytes", static_cast<double>(stats.cached_bytes));
  out.set("cachedBlocks", static_cast<double>(stats.cached_blocks));
  out.set("reusedBlocks", static_cast<double>(stats.reused_blocks));
  out.set("freshBlocks", static_cast<double>(stats.fresh_blocks));
  // malloc'd bytes, all users; mallinfo's field is an int, which wraps past 2 GB (mt grows to 4).
  out.set("heapUsed", static_cast<double>(static_cast<uint32_t>(heap.uordblks)));
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
  out.set("pooledJobs", static_cast<double>(kd::pooled_jobs()));
  return out;
}

void set_num_threads(int n) {
  guarded([&] { kd::set_num_threads(n); });
}
int get_num_threads() { return kd::get_num_threads(); }
void shutdown_thread_pool() {
  guarded([&] { kd::shutdown_thread_pool(); });
}

bool is_grad_enabled() { return kd::GradMode::is_enabled(); }
void set_grad_enabled(bool enabled) { kd::GradMode::set_enabled(enabled); }
bool is_anomaly_enabled() { return kd::AnomalyMode::is_enabled(); }
void set_anomaly_enabled(bool enabled) { kd::AnomalyMode::set_enabled(enabled); }

}  // namespace

EMSCRIPTEN_BINDINGS(kindling_runtime) {
  using emscripten::function;

  function("hasError", &has_error);
  function("callStatusAddress", &call_status_address);
  function("takeError", &take_error);

  function("memoryStats", &memory_stats);
  function("backendInfo", &backend_info);
  function("setNumThreads", &set_num_threads);
  function("getNumThreads", &get_num_threads);
  function("shutdownThreadPool", &shutdown_thread_pool);

  function("isGradEnabled", &is_grad_enabled);
  function("setGradEnabled", &set_grad_enabled);
  function("isAnomalyEnabled", &is_anomaly_enabled);
  function("setAnomalyEnabled", &set_anomaly_enabled);
}
