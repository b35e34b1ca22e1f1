#include "autograd/view_backward.h"

#include <algorithm>

#include "tensor/iter.h"

namespace kd {
namespace {

// One past the highest storage offset `g` reaches (its offset when it has no element).
int64_t extent_end(const Geometry& g) {
  int64_t hi = g.offset;
  for (size_t i = 0; i < g.shape.size(); ++i) {
    if (g.shape[i] == 0) return g.offset;
    hi += (g.shape[i] - 1) * std::max<int64_t>(g.strides[i], 0);
  }
  return hi + 1;
}

// A zeroed float buffer laid out like the storage that `a` and `b` both index into, from
// storage offset `lo` on.
struct StorageBuffer {
  int64_t lo;
  Tensor values;
  StorageBuffer(const Geometry& a, const Geometry& b)
      : lo(std::min(a.offset, b.offset)),
        values(Tensor::make({std::max(extent_end(a), extent_end(b)) - lo}, DType::Float32)) {}
  float* at(const Geometry& g) const { return values.data<float>() + (g.offset - lo); }
};

// Adds `t` (shaped like `g`) into the buffer at g's places: adding, not copying, so that an
// overlapping geometry such as expand's sends several values to one element.
void add_at(const StorageBuffer& buffer, const Geometry& g, const Tensor& t) {
  float* base = buffer.at(g);
  const float* tp = t.data<float>();
  for_each_element<2>(g.shape, {g.strides, t.strides()},
                      [&](const std::array<int64_t, 2>& off) { base[off[0]] += tp[off[1]]; });
}

// A fresh contiguous tensor shaped like `g`, read from the buffer at g's places.
Tensor read_at(const StorageBuffer& buffer, const Geometry& g) {
  Tensor out = Tensor::make(g.shape, DType::Float32);
  const float* base = buffer.at(g);
  float* op = out.data<float>();
  for_each_element<2>(g.shape, {g.strides, out.strides()},
                      [&](const std::array<int64_t, 2>& off) { op[off[1]] = base[off[0]]; });
  return out;
}

class ZeroRegionBackward final : public Node {
 public:
  ZeroRegionBackward(Geometry layout, Geometry region) : layout_(std::move(layout)), region_(std::move(region)) {}
  TensorList apply(TensorList&& grads) override { return {zero_region(grads[0], layout_, region_)}; }
  std::string name() const override { return "ZeroRegionBackward"; }

 private:
  Geometry layout_;
  Geometry region_;
};

}  // namespace

Geometry Geometry::of(const Tensor& t) { return Geometry{t.shape(), t.strides(), t.storage_offset()}; }

Tensor scatter_to_geometry(const char* op, const Tensor& grad, const Geometry& input, const Geometry& output) {
  StorageBuffer buffer(input, output);
  add_at(buffer, output, grad);
  Tensor result = read_at(buffer, input);
  if (any_requires_grad({&grad})) set_history(make_node<AsStridedBackward>(op, output, input), {grad}, {&result});
  return result;
}

Tensor zero_region(const Tensor& grad, const Geometry& layout, const Geometry& region) {
  StorageBuffer buffer(layout, region);
  add_at(buffer, layout, grad);
  float* base = buffer.at(region);
  for_each_element<1>(region.shape, {region.strides}, [&](const std::array<int64_t, 1>& off) { base[off[0]] = 0; });
  Tensor result = read_at(buffer, layout);
  if (any_requires_grad({&grad})) set_history(make_node<ZeroRegionBackward>(layout, region), {grad}, {&result});
  return result;
}

AsStridedBackward::AsStridedBackward(const char* op, Geometry input, Geometry output)
    : op_(op), input_(std::move(input)), output_(std::move(output)) {}

TensorList AsStridedBackward::apply(TensorList&& grads) {
  return {scatter_to_geometry(op_, grads[0], input_, output_)};
}

}  // namespace kd
