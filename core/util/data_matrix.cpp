#include "util/data_matrix.h"

#include <cmath>

#include "util/error.h"
#include "util/shape.h"

namespace kd {

DataMatrix data_matrix(const Tensor& x, const char* op, int64_t min_samples) {
  KD_CHECK(x.defined(), ValueError, op, ": expected a tensor, got an undefined one");
  KD_CHECK(x.dim() == 2, ShapeError, op, ": expected a 2-D float32 tensor [n_samples, n_features], got shape ",
           shape_str(x.shape()));
  KD_CHECK(x.dtype() == DType::Float32, TypeError, op, ": expected a float32 tensor, got ", dtype_name(x.dtype()));
  KD_CHECK(x.shape()[0] >= min_samples, ShapeError, op, ": needs at least ", min_samples,
           " samples, got shape ", shape_str(x.shape()));
  KD_CHECK(x.shape()[1] >= 1, ShapeError, op, ": needs at least 1 feature, got shape ", shape_str(x.shape()));
  DataMatrix m;
  m.rows = x.is_contiguous() ? x : x.contiguous();
  m.data = m.rows.data<float>();
  m.n_samples = x.shape()[0];
  m.n_features = x.shape()[1];
  const int64_t total = m.n_samples * m.n_features;
  for (int64_t i = 0; i < total; ++i) {
    if (!std::isfinite(m.data[i])) {
      throw ValueError(str(op, ": input contains NaN or infinity (row ", i / m.n_features, ", column ",
                           i % m.n_features, " of shape ", shape_str(x.shape()), ")"));
    }
  }
  return m;
}

}  // namespace kd
