// nn::init: exact values where deterministic (gains, fans, eye_, constant_, error messages
// from PyTorch 1.13 in tests/fixtures/nn/nn_init.json) and sample statistics over large
// tensors otherwise, with tolerances of 5 standard errors for the sample size.
#include <catch2/catch.hpp>

#include <cmath>

#include "nn_test_util.h"

using namespace kd;
namespace init = kd::nn::init;

namespace {

struct Stats {
  double mean = 0, std = 0, min = 1e300, max = -1e300;
  double n = 0;
};

Stats stats_of(const Tensor& t) {
  std::vector<double> v = t.to_vector<double>();
  Stats s;
  s.n = static_cast<double>(v.size());
  for (double x : v) {
    s.mean += x;
    s.min = std::min(s.min, x);
    s.max = std::max(s.max, x);
  }
  s.mean /= s.n;
  for (double x : v) s.std += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(s.std / (s.n - 1));
  return s;
}

// Checks mean and std against a distribution with the given moments and kurtosis (3 for a
// normal, 1.8 for a uniform): the standard error of the mean is σ/√n, of the std about
// σ·√((κ − 1) / 4n).
void check_moments(const Stats& s, double mean, double std, double kurtosis) {
  INFO("mean " << s.mean << " std " << s.std << " expected " << mean << ", " << std);
  CHECK(std::fabs(s.mean - mean) <= 5 * std / std::sqrt(s.n));
  CHECK(std::fabs(s.std - std) <= 5 * std * std::sqrt((kurtosis - 1) / (4 * s.n)));
}

std::pair<std::string, std::string> error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const kd::Error& e) {
    return {e.kind_name(), e.what()};
  }
  return {"", ""};
}

double phi(double x) { return std::exp(-x * x / 2) / std::sqrt(2 * M_PI); }
double Phi(double x) { return (1 + std::erf(x / std::sqrt(2.0))) / 2; }

}  // namespace

TEST_CASE("calculate_gain and fans match PyTorch", "[nn][init]") {
  const Json& doc = nntest::load("nn_init.json");
  for (const auto& [name, value] : doc.at("gains").as_object()) {
    INFO(name);
    double g;
    if (name == "leaky_relu_0.2") g = init::calculate_gain("leaky_relu", 0.2);
    else if (name == "leaky_relu_sqrt5") g = init::calculate_gain("leaky_relu", std::sqrt(5.0));
    else g = init::calculate_gain(name);
    CHECK(g == Approx(value.as_double()).epsilon(1e-15));
  }
  for (const auto& [shape, fans] : doc.at("fans").as_object()) {
    Json parsed = parse_json(shape);
    auto [fan_in, fan_out] = init::calculate_fan_in_and_fan_out(empty(nntest::shape_of(parsed)));
    CHECK(fan_in == fans[0].as_int());
    CHECK(fan_out == fans[1].as_int());
  }
}

TEST_CASE("init errors match PyTorch's messages", "[nn][init][errors]") {
  const Json& errors = nntest::load("nn_init.json").at("errors");
  auto expect = [&](const char* key, const std::function<void()>& f) {
    auto [kind, msg] = error_of(f);
    INFO(key);
    CHECK(msg == errors.at(key)[1].as_string());
    CHECK(kind == "ValueError");
  };
  expect("fan_1d", [] { init::xavier_uniform_(empty({3})); });
  expect("eye_3d", [] { init::eye_(empty({2, 2, 2})); });
  expect("orthogonal_1d", [] { init::orthogonal_(empty({3})); });
  expect("bad_mode", [] { init::kaiming_uniform_(empty({3, 3}), 0, "fan_avg"); });
  expect("bad_nonlinearity", [] { init::calculate_gain("softplus"); });
}

TEST_CASE("deterministic inits: eye_, constant_, ones_, zeros_", "[nn][init]") {
  Tensor e = empty({3, 5});
  Tensor r = init::eye_(e);
  CHECK(r.same(e));  // returns the tensor it filled
  CHECK(nntest::compare(e, nntest::make(nntest::load("nn_init.json").at("eye_3x5")), "eye_") == "");
  CHECK(init::constant_(empty({2, 2}), 0.25).to_vector<float>() == std::vector<float>(4, 0.25f));
  CHECK(init::ones_(empty({3})).to_vector<float>() == std::vector<float>(3, 1));
  CHECK(init::zeros_(full({3}, 7)).to_vector<float>() == std::vector<float>(3, 0));
  // A parameter that requires grad is filled without recording history.
  Tensor p = nn::Parameter(empty({4, 4}));
  init::eye_(p);
  CHECK(p.is_leaf());
  CHECK(p.grad_fn() == nullptr);
  // A non-contiguous view is filled in place.
  Tensor big = zeros({4, 6});
  init::eye_(big.t());
  CHECK(big[1][1].item<float>() == 1);
  CHECK(big[0][1].item<float>() == 0);
}

TEST_CASE("random inits have the right statistics", "[nn][init][stats]") {
  manual_seed(2024);
  const Shape shape{400, 250};  // fan_in 250, fan_out 400, n = 100000
  {
    Stats s = stats_of(init::uniform_(empty(shape), -2, 3));
    CHECK(s.min >= -2);
    CHECK(s.max <= 3);
    check_moments(s, 0.5, 5 / std::sqrt(12.0), 1.8);
  }
  check_moments(stats_of(init::normal_(empty(shape), 1.5, 0.5)), 1.5, 0.5, 3);
  {
    const double a = std::sqrt(6.0 / 650) * 2;  // gain 2
    Stats s = stats_of(init::xavier_uniform_(empty(shape), 2));
    CHECK(s.max <= a);
    CHECK(s.min >= -a);
    check_moments(s, 0, a / std::sqrt(3.0), 1.8);
  }
  check_moments(stats_of(init::xavier_normal_(empty(shape))), 0, std::sqrt(2.0 / 650), 3);
  {
    // relu, fan_in: std = √2/√250, bound = √3·std.
    const double std = std::sqrt(2.0) / std::sqrt(250.0);
    Stats s = stats_of(init::kaiming_uniform_(empty(shape), 0, "fan_in", "relu"));
    CHECK(s.max <= std::sqrt(3.0) * std);
    check_moments(s, 0, std, 1.8);
  }
  {
    // leaky_relu(a=√5), fan_out: gain √(2/6) = 1/√3, std = gain/√400.
    Stats s = stats_of(init::kaiming_uniform_(empty(shape), std::sqrt(5.0), "fan_out"));
    check_moments(s, 0, 1 / std::sqrt(3.0) / 20, 1.8);
  }
  check_moments(stats_of(init::kaiming_normal_(empty(shape), 0, "fan_out", "relu")), 0, std::sqrt(2.0 / 400), 3);
  {
    // N(1, 2²) truncated to [0, 4]: α = −0.5, β = 1.5.
    const double mu = 1, sigma = 2, a = 0, b = 4;
    const double al = (a - mu) / sigma, be = (b - mu) / sigma, z = Phi(be) - Phi(al);
    const double mean = mu + sigma * (phi(al) - phi(be)) / z;
    const double var = sigma * sigma * (1 + (al * phi(al) - be * phi(be)) / z - std::pow((phi(al) - phi(be)) / z, 2));
    Stats s = stats_of(init::trunc_normal_(empty(shape), mu, sigma, a, b));
    CHECK(s.min >= a);
    CHECK(s.max <= b);
    // A truncated normal is lighter-tailed than a normal: kurtosis < 3 is a safe bound.
    check_moments(s, mean, std::sqrt(var), 3);
  }
  {
    Stats s = stats_of(init::trunc_normal_(empty(shape)));  // N(0,1) on [-2, 2]
    CHECK(s.min >= -2);
    CHECK(s.max <= 2);
    CHECK(s.min < -1.99);  // reaches close to both bounds
    CHECK(s.max > 1.99);
  }
}

TEST_CASE("inits are reproducible under manual_seed", "[nn][init]") {
  manual_seed(5);
  std::vector<float> a = init::kaiming_normal_(empty({10, 10})).to_vector<float>();
  manual_seed(5);
  CHECK(init::kaiming_normal_(empty({10, 10})).to_vector<float>() == a);
}

TEST_CASE("orthogonal_ gives orthonormal rows or columns", "[nn][init][orthogonal]") {
  manual_seed(11);
  for (Shape shape : {Shape{6, 6}, Shape{8, 3}, Shape{3, 8}, Shape{4, 2, 3}}) {
    INFO(shape_str(shape));
    Tensor q = init::orthogonal_(empty(shape), 1.0);
    Tensor m = q.reshape({shape[0], -1});
    // Tall: QᵀQ = I; wide: QQᵀ = I.
    Tensor gram = m.size(0) >= m.size(1) ? m.t().matmul(m) : m.matmul(m.t());
    CHECK(nntest::compare(gram, eye(gram.size(0)), "gram", 0, 1e-5) == "");
  }
  Tensor scaled = init::orthogonal_(empty({5, 5}), 2.0);
  CHECK(nntest::compare(scaled.t().matmul(scaled), eye(5) * 4, "gain 2", 0, 4e-5) == "");
}
