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
//   2. the JS layer (bindings/js/api.mjs) calls `hasError()` after every raw call; when it is
//      set, it frees whatever the call returned, reads the slot with `takeError()` (which clears
//      it) and throws a JS Error subclass whose name is the kind ('ShapeError', ...).
//
// By the time JS throws, C++ has fully unwound and freed the exception, so the module stays
// usable and nothing leaks. Bound calls come only from the thread that owns the module (the
// page's or worker's JS thread), so one slot is enough; pool threads never touch it (the thread
// pool rethrows a chunk's exception on the caller, inside `guarded`).
#pragma once

#include <exception>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

#include <emscripten/val.h>

#include "util/error.h"

namespace kd::wasm {

struct ErrorSlot {
  bool set = false;
  std::string kind;     // kd::Error::kind_name(), or MemoryError / RuntimeError
  std::string message;  // what() of the C++ exception
};

ErrorSlot& error_slot();

inline void record_error(const char* kind, const char* message) {
  ErrorSlot& slot = error_slot();
  slot.set = true;
  slot.kind = kind;
  slot.message = message;
}

// Runs fn(); on any C++ exception records it and returns R{} instead.
template <typename Fn>
auto guarded(Fn&& fn) -> decltype(fn()) {
  using R = decltype(fn());
  try {
    return fn();
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
