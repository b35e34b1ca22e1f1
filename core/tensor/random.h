// The one seedable generator behind randn, rand, randint, normal_, uniform_, dropout and init,
// so that `manual_seed(s)` makes every run reproducible.
//
// It is a Mersenne Twister like PyTorch's CPU generator, but the streams are not PyTorch's:
// tests compare against PyTorch by feeding the same inputs, never by sharing a seed.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>

namespace kd {

class Generator {
 public:
  explicit Generator(uint64_t seed = 67280421310721ULL) { manual_seed(seed); }
  void manual_seed(uint64_t seed);
  uint64_t initial_seed() const { return seed_; }
  // Uniform in [0, 1), with the 24 bits a float can hold.
  float uniform();
  // Standard normal (Box–Muller on doubles).
  float normal();
  // Uniform integer in [low, high).
  int64_t randint(int64_t low, int64_t high);
  std::mutex& mutex() { return mutex_; }

 private:
  std::mt19937 engine_;
  uint64_t seed_ = 0;
  bool has_spare_normal_ = false;
  double spare_normal_ = 0;
  std::mutex mutex_;
};

Generator& default_generator();

}  // namespace kd
