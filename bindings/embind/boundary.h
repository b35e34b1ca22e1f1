// The error boundary between C++ and JS.
//
// Why not let exceptions cross: Emscripten 3.1.6 with -fexceptions hands JS a bare number (a
// pointer to the thrown object) that JS cannot read, and never frees it; a JS exception thrown
// from C++ (val::throw_) would skip the destructors of every C++ frame it crosses and leak the
// stack. So nothing ever unwinds across the boundary:
//
//   1. every bound function runs its body inside `guarded(...)`, which catches everything,
//      records {kind, message} in the module's one error slot and returns a harmless default
//      (an undefined Tensor, 0, false, an empty string);
//   2. the JS layer (bindings/js/api.mjs) reads the slot's status words after every raw call,
//      straight from wasm memory (no Embind call: one per op is the whole budget); when the
//      error word is set, it frees whatever the call returned, reads the slot with
//      `takeError()` (which clears it) and throws a JS Error subclass whose name is the kind
//      ('ShapeError', ...). The same words say whether the Tensor a call returned is defined
//      and a parameter, so that wrapping it costs no call either.
//
// By the time JS throws, C++ has fully unwound and freed the exception, so the module stays
// usable and nothing leaks. Bound calls come only from the thread that owns the module (the
// page's or worker's JS thread), so one slot is enough; pool threads never touch it (the thread
// pool rethrows a chunk's exception on the caller, inside `guarded`).
#pragma once

#include <cstdint>
#include <exception>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

#include <emscripten/val.h>

#include "tensor/tensor.h"
#include "util/error.h"

namespace kd::wasm {

// Three int32 words that JS reads at `callStatusAddress()` (see above).
struct CallStatus {
  int32_t error = 0;         // an error is recorded in the slot
  int32_t defined = 0;       // the Tensor returned by the last guarded call is defined
  int32_t is_parameter = 0;  // ... and is an nn.Parameter
};

struct ErrorSlot {
  CallStatus status;
  std::string kind;     // kd::Error::kind_name(), or MemoryError / RuntimeError
  std::string message;  // what() of the C++ exception
};

ErrorSlot& error_slot();

inline void record_error(const char* kind, const char* message) {
  ErrorSlot& slot = error_slot();
  slot.status.error = 1;
  slot.status.defined = 0;
  slot.status.is_parameter = 0;
  slot.kind = kind;
  slot.message = message;
}

inline void record_result(const kd::Tensor& t) {
  CallStatus& status = error_slot().status;
  status.defined = t.defined();
  status.is_parameter = t.defined() && t.impl()->is_parameter;
}

// Runs fn(); on any C++ exception records it and returns R{} instead.
template <typename Fn>
auto guarded(Fn&& fn) -> decltype(fn()) {
  using R = decltype(fn());
  try {
    if constexpr (std::is_same_v<R, kd::Tensor>) {
      kd::Tensor result = fn();
      record_result(result);
      return result;
    } else {
      return fn();
    }
  } catch (const kd::Error& e) {
    record_error(e.kind_name(), e.what());
  } catch (const std::bad_alloc&) {
    record_error("MemoryError", "out of memory (the wasm heap is full)");
  } catch (const std::exception& e) {
    record_error("RuntimeError", e.what());
  } catch (...) {
    record_error("RuntimeError", "unknown C++ exception");
  }
  if constexpr (std::is_same_v<R, emscripten::val>) {
    return emscripten::val::undefined();
  } else if constexpr (!std::is_void_v<R>) {
    return R{};
  }
}

}  // namespace kd::wasm
