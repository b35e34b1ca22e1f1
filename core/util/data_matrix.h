// The input of an estimator: sklearn's X, n_samples rows of n_features float32 values.
//
// data_matrix() checks everything before any work starts (2-D, float32, at least
// `min_samples` rows, every value finite) and hands back contiguous rows. Errors name the
// operation and the shape: "TSNE.fit_transform(): expected a 2-D float32 tensor [n_samples,
// n_features], got shape [3]".
#pragma once

#include <cstdint>

#include "tensor/tensor.h"

namespace kd {

struct DataMatrix {
  Tensor rows;                // contiguous (x itself when it already was)
  const float* data = nullptr;
  int64_t n_samples = 0;
  int64_t n_features = 0;
};

DataMatrix data_matrix(const Tensor& x, const char* op, int64_t min_samples = 1);

}  // namespace kd
