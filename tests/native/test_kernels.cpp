// Every kernel table against the scalar reference, at sizes below, at and above the vector
// and tile widths. The scalar gemm is itself checked against a double-precision loop here.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "parallel/thread_pool.h"

using kd::KernelTable;

namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const std::vector<int64_t> kSizes = {0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 1000};

std::vector<float> random_vector(int64_t n, uint32_t seed, float lo = -2.0f, float hi = 2.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

// Divisors kept away from zero so the quotient is well conditioned.
std::vector<float> random_divisors(int64_t n, uint32_t seed) {
  std::vector<float> v = random_vector(n, seed, 0.5f, 2.0f);
  for (size_t i = 0; i < v.size(); i += 2) v[i] = -v[i];
  return v;
}

// |got - want| <= rel * scale, where scale is the magnitude the error is relative to.
bool close(float got, float want, double scale, double rel) {
  if (std::isnan(want)) return std::isnan(got);
  return std::fabs(double(got) - double(want)) <= rel * scale + 1e-30;
}

using Binary = void (*)(int64_t, const float*, const float*, float*);
using BinaryC = void (*)(int64_t, const float*, float, float*);
using Unary = void (*)(int64_t, const float*, float*);

struct BinaryCase {
  const char* name;
  Binary KernelTable::*kernel;
  bool divides;
};

const BinaryCase kBinaryCases[] = {
    {"f32_vadd", &KernelTable::f32_vadd, false},
    {"f32_vsub", &KernelTable::f32_vsub, false},
    {"f32_vmul", &KernelTable::f32_vmul, false},
    {"f32_vdiv", &KernelTable::f32_vdiv, true},
};

}  // namespace

TEST_CASE("kernels: the table lists and the active table", "[kernels]") {
  std::vector<const KernelTable*> tables = kd::all_kernel_tables();
  REQUIRE(!tables.empty());
  CHECK(std::string(tables[0]->isa) == "scalar");
  CHECK(&kd::scalar_kernels() == tables[0]);
  bool active_listed = false;
  for (const KernelTable* t : tables) {
    active_listed = active_listed || t == &kd::kernels();
    CHECK(t->f32_vadd != nullptr);
    CHECK(t->f32_vsub != nullptr);
    CHECK(t->f32_vmul != nullptr);
    CHECK(t->f32_vdiv != nullptr);
    CHECK(t->f32_vaddc != nullptr);
    CHECK(t->f32_vmulc != nullptr);
    CHECK(t->f32_axpy != nullptr);
    CHECK(t->f32_sum != nullptr);
    CHECK(t->f32_dot != nullptr);
    CHECK(t->f32_gemm != nullptr);
    for (Unary KernelTable::*k : {&KernelTable::f32_vexp, &KernelTable::f32_vlog, &KernelTable::f32_vtanh,
                                  &KernelTable::f32_vsigmoid, &KernelTable::f32_vgelu, &KernelTable::f32_softmax,
                                  &KernelTable::f32_log_softmax})
      CHECK(t->*k != nullptr);
    CHECK(t->f32_softmax_backward != nullptr);
    CHECK(t->f32_log_softmax_backward != nullptr);
  }
  CHECK(active_listed);
#if defined(__EMSCRIPTEN__) && defined(__wasm_simd128__)
  CHECK(std::string(kd::kernels().isa) == "wasmsimd");  // so the cases below test the SIMD table
#endif
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    CHECK(std::string(kd::kernels().isa) == "avx2");
  }
#endif
}

TEST_CASE("kernels: binary elementwise ops match scalar", "[kernels]") {
  const KernelTable& ref = kd::scalar_kernels();
  for (const KernelTable* t : kd::all_kernel_tables()) {
    for (const BinaryCase& op : kBinaryCases) {
      for (int64_t n : kSizes) {
        INFO(t->isa << " " << op.name << " n=" << n);
        std::vector<float> a = random_vector(n, 1);
        std::vector<float> b = op.divides ? random_divisors(n, 2) : random_vector(n, 2);
        // One spare element past the end must be left alone.
        std::vector<float> want(n + 1, -7.0f), got(n + 1, -7.0f);
        (ref.*op.kernel)(n, a.data(), b.data(), want.data());
        (t->*op.kernel)(n, a.data(), b.data(), got.data());
        for (int64_t i = 0; i < n; ++i) {
          INFO("i=" << i << " got " << got[i] << " want " << want[i]);
          REQUIRE(close(got[i], want[i], std::fabs(want[i]), 1e-5));
        }
        REQUIRE(got[n] == -7.0f);
        // In place: out == a.
        std::vector<float> in_place = a;
        (t->*op.kernel)(n, in_place.data(), b.data(), in_place.data());
        for (int64_t i = 0; i < n; ++i) REQUIRE(close(in_place[i], want[i], std::fabs(want[i]), 1e-5));
      }
    }
  }
}

namespace {

// Element-wise math: each vector table against the C library, on random values over the
// function's useful range plus edge values (zeros, infinities, NaN, the ends of the range,
// subnormals for log). Allowed error: a few float32 ulp relative, or `abs` absolute (the
// polynomial's own error, for tanh/sigmoid/gelu near their flat parts).
struct UnaryCase {
  const char* name;
  Unary KernelTable::*kernel;
  float lo, hi;
  double rel, abs;
  std::vector<float> edges;
};

const float kInf = std::numeric_limits<float>::infinity();

const UnaryCase kUnaryCases[] = {
    {"f32_vexp", &KernelTable::f32_vexp, -90.0f, 89.0f, 4e-7, 0.0,
     {0.0f, -0.0f, 1.0f, -1.0f, 88.7f, 88.73f, 89.0f, -87.0f, -103.0f, -110.0f, kInf, -kInf, kNaN}},
    {"f32_vlog", &KernelTable::f32_vlog, 1e-6f, 1e6f, 4e-7, 0.0,
     {1.0f, 0.5f, 2.0f, 0.70710677f, 0.70710683f, 1.4142135f, 1e-40f, 1.17549435e-38f, 3.4e38f, 0.0f, -0.0f,
      -1.0f, kInf, -kInf, kNaN}},
    {"f32_vtanh", &KernelTable::f32_vtanh, -6.0f, 6.0f, 4e-7, 2e-7,
     {0.0f, -0.0f, 1e-6f, -1e-6f, 0.6249f, 0.625f, -0.625f, 10.0f, -10.0f, 50.0f, kInf, -kInf, kNaN}},
    {"f32_vsigmoid", &KernelTable::f32_vsigmoid, -20.0f, 20.0f, 5e-7, 2e-7,
     {0.0f, 1.0f, -1.0f, 30.0f, -30.0f, -90.0f, 100.0f, kInf, -kInf, kNaN}},
    {"f32_vgelu", &KernelTable::f32_vgelu, -8.0f, 8.0f, 1e-6, 3e-7,
     {0.0f, -0.0f, 1e-6f, -1e-6f, 1.0f, -1.0f, 3.0f, -3.0f, 10.0f, -10.0f, 20.0f, -20.0f, kInf, -kInf, kNaN}},
};

bool math_close(float got, float want, double rel, double abs) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want)) return got == want;
  return std::fabs(double(got) - double(want)) <= abs + rel * std::fabs(double(want)) + 1e-44;
}

}  // namespace

TEST_CASE("kernels: element-wise math matches the C library", "[kernels]") {
  const KernelTable& ref = kd::scalar_kernels();
  for (const KernelTable* t : kd::all_kernel_tables()) {
    for (const UnaryCase& op : kUnaryCases) {
      std::vector<int64_t> sizes = kSizes;
      sizes.push_back(100000);  // the whole range densely
      for (int64_t n : sizes) {
        INFO(t->isa << " " << op.name << " n=" << n);
        std::vector<float> x = random_vector(n, 11, op.lo, op.hi);
        if (op.lo > 0) {  // log: spread over decades
          for (float& v : x) v = std::exp(std::log(op.lo) + (std::log(op.hi) - std::log(op.lo)) * (v - op.lo) / (op.hi - op.lo));
        }
        for (size_t i = 0; i < op.edges.size() && i < x.size(); ++i) x[i] = op.edges[i];
        std::vector<float> want(n + 1, -7.0f), got(n + 1, -7.0f);
        (ref.*op.kernel)(n, x.data(), want.data());
        (t->*op.kernel)(n, x.data(), got.data());
        for (int64_t i = 0; i < n; ++i) {
          INFO("x=" << x[i] << " got " << got[i] << " want " << want[i]);
          REQUIRE(math_close(got[i], want[i], op.rel, op.abs));
        }
        REQUIRE(got[n] == -7.0f);
        (t->*op.kernel)(n, x.data(), x.data());  // in place
        for (int64_t i = 0; i < n; ++i) REQUIRE(math_close(x[i], want[i], op.rel, op.abs));
      }
    }
  }
}

TEST_CASE("kernels: softmax rows, forward and backward, match scalar", "[kernels]") {
  const KernelTable& ref = kd::scalar_kernels();
  for (const KernelTable* t : kd::all_kernel_tables()) {
    for (int64_t n : kSizes) {
      if (n == 0) continue;
      INFO(t->isa << " n=" << n);
      std::vector<float> x = random_vector(n, 12, -30.0f, 30.0f), g = random_vector(n, 13);
      for (bool log : {false, true}) {
        INFO((log ? "log_softmax" : "softmax"));
        Unary KernelTable::*fwd = log ? &KernelTable::f32_log_softmax : &KernelTable::f32_softmax;
        auto bwd = log ? &KernelTable::f32_log_softmax_backward : &KernelTable::f32_softmax_backward;
        std::vector<float> want(n + 1, -7.0f), got(n + 1, -7.0f);
        (ref.*fwd)(n, x.data(), want.data());
        (t->*fwd)(n, x.data(), got.data());
        for (int64_t i = 0; i < n; ++i) {
          INFO("i=" << i << " got " << got[i] << " want " << want[i]);
          // Probabilities within 1e-7; log-probabilities near 0 are log(Σ), whose float sum is off by an ulp of 1.
          REQUIRE(math_close(got[i], want[i], 1e-5, log ? 1e-6 : 1e-7));
        }
        REQUIRE(got[n] == -7.0f);
        std::vector<float> dwant(n + 1, -7.0f), dgot(n + 1, -7.0f);
        (ref.*bwd)(n, want.data(), g.data(), dwant.data());
        (t->*bwd)(n, want.data(), g.data(), dgot.data());
        double scale = 0;
        for (int64_t i = 0; i < n; ++i) scale += std::fabs(g[i]);
        for (int64_t i = 0; i < n; ++i) {
          INFO("i=" << i << " got " << dgot[i] << " want " << dwant[i]);
          REQUIRE(math_close(dgot[i], dwant[i], 1e-5, 1e-6 * scale));
        }
        REQUIRE(dgot[n] == -7.0f);
      }
    }
    // A row of -inf is NaN (as PyTorch); -inf among finite values gets probability 0.
    const float ninf = -kInf;
    std::vector<float> all_ninf(5, ninf), out(5);
    t->f32_softmax(5, all_ninf.data(), out.data());
    for (float v : out) CHECK(std::isnan(v));
    std::vector<float> masked = {1.0f, ninf, 2.0f, ninf, 3.0f};
    t->f32_softmax(5, masked.data(), out.data());
    CHECK(out[1] == 0.0f);
    CHECK(out[3] == 0.0f);
    t->f32_log_softmax(5, masked.data(), out.data());
    CHECK(out[1] == ninf);
    CHECK(close(out[4], -0.40760596f, 0.40760596, 1e-6));
  }
}

TEST_CASE("kernels: scalar-operand ops match scalar", "[kernels]") {
  const KernelTable& ref = kd::scalar_kernels();
  const struct {
    const char* name;
    BinaryC KernelTable::*kernel;
  } cases[] = {{"f32_vaddc", &KernelTable::f32_vaddc}, {"f32_vmulc", &KernelTable::f32_vmulc}};
  for (const KernelTable* t : kd::all_kernel_tables()) {
    for (const auto& op : cases) {
      for (int64_t n : kSizes) {
        INFO(t->isa << " " << op.name << " n=" << n);
        std::vector<float> a = random_vector(n, 3);
        const float c = -1.375f;
        std::vector<float> want(n + 1, -7.0f), got(n + 1, -7.0f);
        (ref.*op.kernel)(n, a.data(), c, want.data());
        (t->*op.kernel)(n, a.data(), c, got.data());
        for (int64_t i = 0; i < n; ++i) REQUIRE(close(got[i], want[i], std::fabs(want[i]), 1e-5));
        REQUIRE(got[n] == -7.0f);
        (t->*op.kernel)(n, a.data(), c, a.data());
        for (int64_t i = 0; i < n; ++i) REQUIRE(close(a[i], want[i], std::fabs(want[i]), 1e-5));
      }
    }
  }
}

TEST_CASE("kernels: f32_axpy matches scalar", "[kernels]") {
  const KernelTable& ref = kd::scalar_kernels();
  for (const KernelTable* t : kd::all_kernel_tables()) {
    for (int64_t n : kSizes) {
      INFO(t->isa << " f32_axpy n=" << n);
      const float alpha = 0.75f;
      std::vector<float> x = random_vector(n, 4);
      std::vector<float> y0 = random_vector(n + 1, 5);
      std::vector<float> want = y0, got = y0;
      ref.f32_axpy(n, alpha, x.data(), want.data());
      t->f32_axpy(n, alpha, x.data(), got.data());
      for (int64_t i = 0; i < n; ++i) {
        // FMA rounds once where the scalar loop rounds twice: relative to the terms' size.
        REQUIRE(close(got[i], want[i], std::fabs(y0[i]) + std::fabs(alpha * x[i]), 1e-5));
      }
      REQUIRE(got[n] == y0[n]);
    }
  }
}

TEST_CASE("kernels: f32_sum and f32_dot match scalar up to rounding", "[kernels]") {
  const KernelTable& ref = kd::scalar_kernels();
  for (const KernelTable* t : kd::all_kernel_tables()) {
    for (int64_t n : kSizes) {
      INFO(t->isa << " n=" << n);
      std::vector<float> a = random_vector(n, 6), b = random_vector(n, 7);
      double abs_sum = 0.0, abs_dot = 0.0;
      for (int64_t i = 0; i < n; ++i) {
        abs_sum += std::fabs(a[i]);
        abs_dot += std::fabs(a[i] * b[i]);
      }
      // Reassociation: the error bound is relative to the sum of magnitudes, not the result.
      CHECK(close(t->f32_sum(n, a.data()), ref.f32_sum(n, a.data()), abs_sum, 1e-5));
      CHECK(close(t->f32_dot(n, a.data(), b.data()), ref.f32_dot(n, a.data(), b.data()), abs_dot, 1e-5));
    }
    CHECK(t->f32_sum(0, nullptr) == 0.0f);
    CHECK(t->f32_dot(0, nullptr, nullptr) == 0.0f);
    std::vector<float> ones(1000, 1.0f);
    CHECK(t->f32_sum(1000, ones.data()) == 1000.0f);
    CHECK(t->f32_dot(1000, ones.data(), ones.data()) == 1000.0f);
  }
}

namespace {

struct GemmShape {
  int64_t M, N, K;
};

// Operands laid out as the kernel sees them, with `pad` extra columns per row filled with
// NaN (any read of the padding poisons the result) and C's padding filled with a sentinel
// that must survive.
struct GemmProblem {
  int64_t M, N, K, lda, ldb, ldc;
  bool transA, transB;
  float beta;
  std::vector<float> A, B, C0;

  GemmProblem(GemmShape s, bool ta, bool tb, float beta_, int64_t pad, uint32_t seed)
      : M(s.M), N(s.N), K(s.K), transA(ta), transB(tb), beta(beta_) {
    const int64_t a_rows = ta ? K : M, a_cols = ta ? M : K;
    const int64_t b_rows = tb ? N : K, b_cols = tb ? K : N;
    lda = a_cols + pad;
    ldb = b_cols + pad;
    ldc = N + pad;
    A = padded(a_rows, a_cols, lda, seed, kNaN);
    B = padded(b_rows, b_cols, ldb, seed + 1, kNaN);
    // beta 0 must ignore C's old contents, NaN included.
    C0 = padded(M, N, ldc, seed + 2, 123.0f);
    if (beta == 0.0f) {
      for (int64_t i = 0; i < M; ++i) {
        for (int64_t j = 0; j < N; ++j) C0[i * ldc + j] = kNaN;
      }
    }
  }

  static std::vector<float> padded(int64_t rows, int64_t cols, int64_t ld, uint32_t seed, float fill) {
    std::vector<float> v(static_cast<size_t>(std::max<int64_t>(rows * ld, 1)), fill);
    std::vector<float> r = random_vector(rows * cols, seed);
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < cols; ++j) v[i * ld + j] = r[i * cols + j];
    }
    return v;
  }

  float a_at(int64_t i, int64_t k) const { return transA ? A[k * lda + i] : A[i * lda + k]; }
  float b_at(int64_t k, int64_t j) const { return transB ? B[j * ldb + k] : B[k * ldb + j]; }

  std::vector<float> run(const KernelTable& t) const {
    std::vector<float> C = C0;
    t.f32_gemm(M, N, K, A.data(), lda, transA, B.data(), ldb, transB, C.data(), ldc, beta);
    return C;
  }

  // sum_k |a_ik| |b_kj|: the scale the rounding error is relative to.
  double magnitude(int64_t i, int64_t j) const {
    double m = 0.0;
    for (int64_t k = 0; k < K; ++k) m += std::fabs(double(a_at(i, k)) * b_at(k, j));
    if (beta != 0.0f) m += std::fabs(C0[i * ldc + j]);
    return m;
  }

  double exact(int64_t i, int64_t j) const {
    double s = beta != 0.0f ? double(beta) * C0[i * ldc + j] : 0.0;
    for (int64_t k = 0; k < K; ++k) s += double(a_at(i, k)) * b_at(k, j);
    return s;
  }

  // Empty string when got matches want everywhere and C's padding is untouched.
  std::string compare(const std::vector<float>& got, const std::vector<float>& want) const {
    std::ostringstream out;
    for (int64_t i = 0; i < M; ++i) {
      for (int64_t j = 0; j < ldc; ++j) {
        const int64_t at = i * ldc + j;
        if (j >= N) {
          if (got[at] != C0[at]) out << "padding C[" << i << "," << j << "] overwritten\n";
        } else if (!close(got[at], want[at], magnitude(i, j), 1e-4)) {
          out << "C[" << i << "," << j << "] = " << got[at] << ", want " << want[at] << "\n";
        }
        if (out.tellp() > 400) return out.str();
      }
    }
    return out.str();
  }
};

const std::vector<GemmShape> kGemmShapes = {
    {1, 1, 1},   {3, 5, 7},     {4, 16, 1},    {6, 16, 8},    {5, 17, 3},     {17, 33, 9},
    // Exactly one wasm SIMD tile (4x8; 6x16 above is one AVX2 tile) and one past it each way.
    {4, 8, 5},   {5, 9, 4},
    {64, 64, 64}, {130, 70, 50}, {1, 100, 30}, {100, 1, 30},  {2, 3, 0},
    // Above the blocking sizes (KC 256, NC 512) and above the threading threshold, both
    // split directions (tall: by rows, wide: by columns).
    {140, 530, 300}, {9, 1000, 300}, {300, 40, 260},
};

}  // namespace

TEST_CASE("kernels: scalar gemm matches a double-precision loop", "[kernels]") {
  for (GemmShape s : {GemmShape{3, 5, 7}, GemmShape{17, 33, 9}, GemmShape{130, 70, 50}}) {
    for (int trans = 0; trans < 4; ++trans) {
      for (float beta : {0.0f, 1.0f}) {
        GemmProblem p(s, trans & 1, trans & 2, beta, 3, 11);
        std::vector<float> got = p.run(kd::scalar_kernels());
        for (int64_t i = 0; i < p.M; ++i) {
          for (int64_t j = 0; j < p.N; ++j) {
            INFO(s.M << "x" << s.N << "x" << s.K << " trans=" << trans << " beta=" << beta);
            REQUIRE(close(got[i * p.ldc + j], float(p.exact(i, j)), p.magnitude(i, j), 1e-5));
          }
        }
      }
    }
  }
}

TEST_CASE("kernels: gemm matches scalar for every shape, transpose, beta and stride", "[kernels]") {
  const KernelTable& ref = kd::scalar_kernels();
  for (const KernelTable* t : kd::all_kernel_tables()) {
    for (GemmShape s : kGemmShapes) {
      for (int trans = 0; trans < 4; ++trans) {
        for (float beta : {0.0f, 1.0f}) {
          for (int64_t pad : {0, 5}) {
            const bool ta = trans & 1, tb = trans & 2;
            INFO(t->isa << " gemm " << s.M << "x" << s.N << "x" << s.K << " transA=" << ta
                        << " transB=" << tb << " beta=" << beta << " pad=" << pad);
            GemmProblem p(s, ta, tb, beta, pad, uint32_t(s.M * 7 + s.N * 3 + s.K));
            std::string diff = p.compare(p.run(*t), p.run(ref));
            REQUIRE(diff == "");
          }
        }
      }
    }
  }
}

TEST_CASE("kernels: gemm with M or N zero leaves C alone, K zero applies beta", "[kernels]") {
  for (const KernelTable* t : kd::all_kernel_tables()) {
    INFO(t->isa);
    std::vector<float> C = {kNaN, 5.0f, 6.0f};
    const float a = 1.0f, b = 1.0f;
    t->f32_gemm(0, 3, 4, &a, 4, false, &b, 3, false, C.data(), 3, 0.0f);
    t->f32_gemm(1, 0, 4, &a, 4, false, &b, 3, false, C.data(), 3, 0.0f);
    CHECK(std::isnan(C[0]));
    t->f32_gemm(1, 3, 0, &a, 1, false, &b, 3, false, C.data(), 3, 1.0f);
    CHECK(std::isnan(C[0]));
    CHECK(C[1] == 5.0f);
    t->f32_gemm(1, 3, 0, &a, 1, false, &b, 3, false, C.data(), 3, 0.0f);
    CHECK(C == std::vector<float>{0.0f, 0.0f, 0.0f});
  }
}

TEST_CASE("kernels: gemm gives the same result for any thread count", "[kernels]") {
  const int saved = kd::get_num_threads();
  for (const KernelTable* t : kd::all_kernel_tables()) {
    for (GemmShape s : {GemmShape{200, 150, 120}, GemmShape{20, 700, 90}}) {
      GemmProblem p(s, false, true, 1.0f, 0, 21);
      kd::set_num_threads(1);
      std::vector<float> one = p.run(*t);
      for (int threads : {2, 3, 4}) {
        INFO(t->isa << " threads=" << threads);
        kd::set_num_threads(threads);
        // Each element is computed by one thread in the same order: bitwise equal.
        CHECK(p.run(*t) == one);
      }
    }
  }
  kd::set_num_threads(saved);
}
