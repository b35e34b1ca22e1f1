#include "util/shape.h"

#include <algorithm>
#include <limits>

#include "util/error.h"

namespace kd {

// Products of sizes saturate at INT64_MAX: an expanded view may have more elements than int64
// can count (ones({1}).expand({2^21, 2^21, 2^21})), and signed overflow is undefined
// behaviour. Such a shape is refused when something tries to allocate it.
int64_t shape_numel(const Shape& shape) {
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
  int64_t n = 1;
  for (int64_t s : shape)
    if (mul_overflows(n, s, &n)) return std::numeric_limits<int64_t>::max();
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t running = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = running;
    if (mul_overflows(running, std::max<int64_t>(shape[i], 1), &running)) running = std::numeric_limits<int64_t>::max();
  }
  return strides;
}

std::string shape_str(const Shape& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += str(i ? ", " : "", shape[i]);
  return out + "]";
}

int64_t wrap_dim(int64_t dim, int64_t ndim) {
  // A 0-d tensor accepts dims -1 and 0, as in PyTorch.
  int64_t n = std::max<int64_t>(ndim, 1);
  KD_CHECK(dim >= -n && dim < n, IndexError, "Dimension out of range (expected to be in range of [", -n, ", ",
           n - 1, "], but got ", dim, ")");
  return dim < 0 ? dim + n : dim;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  // From the trailing dim, as PyTorch does, so the mismatch reported is the same as torch's.
  for (size_t i = n; i-- > 0;) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    KD_CHECK(da == db || da == 1 || db == 1, ShapeError, op, ": The size of tensor a (", da,
             ") must match the size of tensor b (", db, ") at non-singleton dimension ", i,
             " (shapes ", shape_str(a), " and ", shape_str(b), ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace kd
