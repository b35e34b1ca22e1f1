// Internal: the per-instruction-set tables that dispatch.cpp chooses from.
#pragma once

#include "kernels/kernels.h"

namespace kd::detail {

extern const KernelTable scalar_table;
#if defined(__EMSCRIPTEN__) && defined(__wasm_simd128__)
extern const KernelTable wasmsimd_table;
#endif
#if !defined(__EMSCRIPTEN__) && (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define KD_HAVE_AVX2_KERNELS 1
extern const KernelTable avx2_table;
#endif

}  // namespace kd::detail
