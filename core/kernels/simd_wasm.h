// Internal: the vector layer of wasm SIMD128 (4 float lanes; no FMA in this Emscripten, so
// madd is a mul and an add). The contract every layer meets is in simd_kernels.h.
// Only wasm_simd.cpp includes it; -msimd128 is on for the whole core under Emscripten.
#pragma once

#include <wasm_simd128.h>

#include <cstdint>

namespace kd::simd {

struct WasmF32x4 {
  using F = v128_t;  // 4 floats
  using I = v128_t;  // 4 int32
  static constexpr int64_t width = 4;

  static F load(const float* p) { return wasm_v128_load(p); }
  static void store(float* p, F v) { wasm_v128_store(p, v); }
  static F splat(float x) { return wasm_f32x4_splat(x); }
  static F add(F a, F b) { return wasm_f32x4_add(a, b); }
  static F sub(F a, F b) { return wasm_f32x4_sub(a, b); }
  static F mul(F a, F b) { return wasm_f32x4_mul(a, b); }
  static F div(F a, F b) { return wasm_f32x4_div(a, b); }
  static F madd(F a, F b, F c) { return wasm_f32x4_add(wasm_f32x4_mul(a, b), c); }
  static F max(F a, F b) { return wasm_f32x4_max(a, b); }  // NaN-propagating, like min
  static F min(F a, F b) { return wasm_f32x4_min(a, b); }
  static F clamp(F x, F lo, F hi) { return wasm_f32x4_min(wasm_f32x4_max(x, lo), hi); }
  static F round(F x) { return wasm_f32x4_nearest(x); }
  static F abs(F x) { return wasm_f32x4_abs(x); }
  static F lt(F a, F b) { return wasm_f32x4_lt(a, b); }
  static F eq(F a, F b) { return wasm_f32x4_eq(a, b); }
  static F select(F mask, F a, F b) { return wasm_v128_bitselect(a, b, mask); }

  static I isplat(int32_t x) { return wasm_i32x4_splat(x); }
  static I iadd(I a, I b) { return wasm_i32x4_add(a, b); }
  static I isub(I a, I b) { return wasm_i32x4_sub(a, b); }
  static I iand(I a, I b) { return wasm_v128_and(a, b); }
  static I ior(I a, I b) { return wasm_v128_or(a, b); }
  static I shl(I a, int bits) { return wasm_i32x4_shl(a, bits); }
  static I shr(I a, int bits) { return wasm_u32x4_shr(a, bits); }
  static I bits_of(F x) { return x; }
  static F from_bits(I x) { return x; }
  static I to_int(F x) { return wasm_i32x4_trunc_sat_f32x4(x); }
  static F to_float(I x) { return wasm_f32x4_convert_i32x4(x); }

  static float hsum(F v) {
    return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) +
           wasm_f32x4_extract_lane(v, 3);
  }
  static float hmax(F v) {
    v = wasm_f32x4_max(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
    v = wasm_f32x4_max(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
    return wasm_f32x4_extract_lane(v, 0);
  }
};

}  // namespace kd::simd
