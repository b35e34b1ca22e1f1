// Shared by the libFuzzer targets: what counts as an acceptable outcome.
//
// A target feeds its bytes to one entry point. The entry point may return a value or throw a
// kd::Error (bad input, named); anything else — another exception, a crash, a sanitizer report,
// a leak, a timeout — is a finding. `expect` turns a broken invariant into a crash so that
// libFuzzer saves the input.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "util/error.h"

#define KD_FUZZ_EXPECT(cond)                                                         \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                  \
    }                                                                                \
  } while (0)

// Runs fn(); a kd::Error is an accepted answer to bad input, any other exception escapes
// (libFuzzer reports an uncaught exception as a crash).
template <typename Fn>
bool kd_fuzz_accepts(Fn&& fn) {
  try {
    fn();
    return true;
  } catch (const kd::Error&) {
    return false;
  }
}
