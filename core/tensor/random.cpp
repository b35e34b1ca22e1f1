#include "tensor/random.h"

#include <cmath>

namespace kd {

void Generator::manual_seed(uint64_t seed) {
  seed_ = seed;
  engine_.seed(static_cast<std::mt19937::result_type>(seed));
  has_spare_normal_ = false;
}

float Generator::uniform() { return static_cast<float>(engine_() >> 8) * (1.0f / 16777216.0f); }

float Generator::normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return static_cast<float>(spare_normal_);
  }
  // 1 - u keeps the log's argument in (0, 1].
  double u1 = 1.0 - (engine_() >> 5) * (1.0 / 134217728.0);
  double u2 = (engine_() >> 5) * (1.0 / 134217728.0);
  double radius = std::sqrt(-2.0 * std::log(u1));
  double angle = 2.0 * M_PI * u2;
  spare_normal_ = radius * std::sin(angle);
  has_spare_normal_ = true;
  return static_cast<float>(radius * std::cos(angle));
}

int64_t Generator::randint(int64_t low, int64_t high) {
  uint64_t range = static_cast<uint64_t>(high - low);
  uint64_t draw = (static_cast<uint64_t>(engine_()) << 32) | engine_();
  return low + static_cast<int64_t>(draw % range);
}

Generator& default_generator() {
  static Generator generator;
  return generator;
}

void manual_seed(uint64_t seed) {
  Generator& g = default_generator();
  std::lock_guard<std::mutex> lock(g.mutex());
  g.manual_seed(seed);
}

}  // namespace kd
