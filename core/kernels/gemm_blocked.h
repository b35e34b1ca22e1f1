// Internal: the cache-blocked sgemm shared by the SIMD tables (GotoBLAS loop order).
//
// Only the innermost tile is instruction-set specific. A microkernel type provides
//   static constexpr int MR, NR;     // tile height and width
//   static void tile(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
//                    bool accumulate);
// which computes the MR x NR product of a packed A strip (kc groups of MR floats: column k of
// the strip) and a packed B strip (kc groups of NR floats: row k of the strip) and stores it
// to c (accumulate == false: c = tile; true: c += tile).
//
// Both operands are packed, so the four transpose combinations run the same inner loop and
// cost the same, and an edge tile is just zero padding in the packed strips.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/isa_tables.h"
#include "parallel/thread_pool.h"

namespace kd::detail {

// Block sizes: a packed B block (kKC x kNC, 512 KiB) stays in L2, one B strip (kKC x NR) and
// one A strip (MR x kKC) stay in L1 while a tile is computed.
constexpr int64_t kGemmKC = 256;
constexpr int64_t kGemmNC = 512;
constexpr int64_t kGemmMCTarget = 128;

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Packs rows [0, mc) and depth [0, kc) of op(A) (A already offset to the block's corner) into
// strips of MR rows: out[(s * kc + k) * MR + r] = op(A)[s * MR + r, k], zero past mc.
template <int MR>
void gemm_pack_a(int64_t mc, int64_t kc, const float* A, int64_t lda, bool transA, float* out) {
  for (int64_t s = 0; s * MR < mc; ++s) {
    float* strip = out + s * kc * MR;
    const int64_t rows = std::min<int64_t>(MR, mc - s * MR);
    if (transA) {  // op(A)[i, k] = A[k * lda + i]: each k reads MR contiguous floats
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = A + k * lda + s * MR;
        for (int64_t r = 0; r < rows; ++r) strip[k * MR + r] = src[r];
        for (int64_t r = rows; r < MR; ++r) strip[k * MR + r] = 0.0f;
      }
    } else {  // op(A)[i, k] = A[i * lda + k]: each row reads kc contiguous floats
      for (int64_t r = 0; r < rows; ++r) {
        const float* src = A + (s * MR + r) * lda;
        for (int64_t k = 0; k < kc; ++k) strip[k * MR + r] = src[k];
      }
      for (int64_t r = rows; r < MR; ++r) {
        for (int64_t k = 0; k < kc; ++k) strip[k * MR + r] = 0.0f;
      }
    }
  }
}

// Packs depth [0, kc) and columns [0, nc) of op(B) into strips of NR columns:
// out[(s * kc + k) * NR + c] = op(B)[k, s * NR + c], zero past nc.
template <int NR>
void gemm_pack_b(int64_t kc, int64_t nc, const float* B, int64_t ldb, bool transB, float* out) {
  for (int64_t s = 0; s * NR < nc; ++s) {
    float* strip = out + s * kc * NR;
    const int64_t cols = std::min<int64_t>(NR, nc - s * NR);
    if (transB) {  // op(B)[k, j] = B[j * ldb + k]: each column reads kc contiguous floats
      for (int64_t c = 0; c < cols; ++c) {
        const float* src = B + (s * NR + c) * ldb;
        for (int64_t k = 0; k < kc; ++k) strip[k * NR + c] = src[k];
      }
      for (int64_t c = cols; c < NR; ++c) {
        for (int64_t k = 0; k < kc; ++k) strip[k * NR + c] = 0.0f;
      }
    } else {  // op(B)[k, j] = B[k * ldb + j]: each k reads NR contiguous floats
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = B + k * ldb + s * NR;
        for (int64_t c = 0; c < cols; ++c) strip[k * NR + c] = src[c];
        for (int64_t c = cols; c < NR; ++c) strip[k * NR + c] = 0.0f;
      }
    }
  }
}

// C = beta * C for a general beta (not 0 or 1), before the products are accumulated.
inline void gemm_scale(int64_t M, int64_t N, float* C, int64_t ldc, float beta) {
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) C[i * ldc + j] *= beta;
  }
}

// The tiles of one packed depth block: rows [r0, r1) of op(A) times strips [s0, s1) of the
// packed B block (kc x nc, b_pack), into C (offset to the block's first column). A is packed
// here, kMC rows at a time, into this thread's buffer. accumulate: C += product, else C =.
template <class UK>
void gemm_tiles(int64_t r0, int64_t r1, int64_t s0, int64_t s1, int64_t nc, int64_t kc, const float* A,
                int64_t lda, bool transA, const float* b_pack, float* C, int64_t ldc, bool accumulate) {
  constexpr int MR = UK::MR, NR = UK::NR;
  constexpr int64_t MC = std::max<int64_t>(1, kGemmMCTarget / MR) * MR;
  thread_local std::vector<float> a_pack;  // kept between calls: no allocation once warm
  a_pack.resize(static_cast<size_t>(MC * kGemmKC));
  for (int64_t ic = r0; ic < r1; ic += MC) {
    const int64_t mc = std::min(MC, r1 - ic);
    gemm_pack_a<MR>(mc, kc, transA ? A + ic : A + ic * lda, lda, transA, a_pack.data());
    for (int64_t s = s0; s < s1; ++s) {
      const int64_t jr = s * NR, nr = std::min<int64_t>(NR, nc - jr);
      const float* b_strip = b_pack + jr * kc;
      for (int64_t ir = 0; ir < mc; ir += MR) {
        const int64_t mr = std::min<int64_t>(MR, mc - ir);
        const float* a_strip = a_pack.data() + ir * kc;
        float* c = C + (ic + ir) * ldc + jr;
        if (mr == MR && nr == NR) {
          UK::tile(kc, a_strip, b_strip, c, ldc, accumulate);
        } else {  // edge tile: compute it whole, keep the part inside C
          float tile[MR * NR];
          UK::tile(kc, a_strip, b_strip, tile, NR, false);
          for (int64_t r = 0; r < mr; ++r) {
            for (int64_t q = 0; q < nr; ++q) {
              c[r * ldc + q] = accumulate ? c[r * ldc + q] + tile[r * NR + q] : tile[r * NR + q];
            }
          }
        }
      }
    }
  }
}

// The table entry: C[M,N] = beta * C + op(A) @ op(B), GotoBLAS loop order. For each depth
// block of each column block, B is packed once (by the caller, in a buffer kept between
// calls) and its tiles are shared out: over the pool by rows of tiles when C has enough of
// them to go round, else by columns of tiles, in chunks of at least the pool's grain of work.
// Every element of C is computed by one thread in the same order, so the result does not
// depend on the thread count.
template <class UK>
void gemm_blocked(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, bool transA,
                  const float* B, int64_t ldb, bool transB, float* C, int64_t ldc, float beta) {
  constexpr int MR = UK::MR, NR = UK::NR;
  if (M <= 0 || N <= 0) return;
  if (beta != 0.0f && beta != 1.0f) {  // general beta: scale once, then accumulate
    gemm_scale(M, N, C, ldc, beta);
    beta = 1.0f;
  }
  if (K == 0) {  // empty sum: C = beta * C
    if (beta == 0.0f) {
      for (int64_t i = 0; i < M; ++i) std::fill(C + i * ldc, C + i * ldc + N, 0.0f);
    }
    return;
  }
  thread_local std::vector<float> b_pack;
  b_pack.resize(static_cast<size_t>(kGemmKC * ceil_div(kGemmNC, NR) * NR));
  const int64_t row_tiles = ceil_div(M, MR);
  const bool split_rows = row_tiles >= 2 * get_num_threads();
  for (int64_t jc = 0; jc < N; jc += kGemmNC) {
    const int64_t nc = std::min(kGemmNC, N - jc);
    const int64_t strips = ceil_div(nc, NR);
    for (int64_t pc = 0; pc < K; pc += kGemmKC) {
      const int64_t kc = std::min(kGemmKC, K - pc);
      gemm_pack_b<NR>(kc, nc, transB ? B + jc * ldb + pc : B + pc * ldb + jc, ldb, transB, b_pack.data());
      // The first depth block overwrites C when beta is 0; later blocks add to it.
      const bool accumulate = beta != 0.0f || pc > 0;
      const float* a_block = transA ? A + pc * lda : A + pc;
      float* c_block = C + jc;
      const float* packed = b_pack.data();
      if (split_rows) {
        parallel_for(row_tiles, grain_for(int64_t(MR) * nc * kc), [&](int64_t begin, int64_t end) {
          gemm_tiles<UK>(begin * MR, std::min(M, end * MR), 0, strips, nc, kc, a_block, lda, transA, packed,
                         c_block, ldc, accumulate);
        });
      } else {
        parallel_for(strips, grain_for(int64_t(NR) * M * kc), [&](int64_t begin, int64_t end) {
          gemm_tiles<UK>(0, M, begin, end, nc, kc, a_block, lda, transA, packed, c_block, ldc, accumulate);
        });
      }
    }
  }
}

}  // namespace kd::detail
