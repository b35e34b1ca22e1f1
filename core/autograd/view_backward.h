// Gradients through a view given by geometry: the backward of strided views (select, slice,
// as_strided), of a view whose history is regenerated after an in-place write, and of the
// in-place rewrite of a base's history (CopySlices, autograd/inplace.cpp).
#pragma once

#include <string>

#include "autograd/node.h"

namespace kd {

// Where a tensor's elements sit in its storage.
struct Geometry {
  Shape shape;
  Shape strides;
  int64_t offset = 0;
  static Geometry of(const Tensor& t);
};

// The gradient of a tensor laid out as `input`, given the gradient `grad` of a view of the
// same storage laid out as `output` (grad has output.shape, any strides): zeros except where
// the view reads (summed where it overlaps). The map is linear in grad and its adjoint is the
// same map with the two geometries swapped: in a backward with create_graph that is the
// recorded history of the result, an AsStridedBackward named `op`.
Tensor scatter_to_geometry(const char* op, const Tensor& grad, const Geometry& input, const Geometry& output);

// `grad`, laid out as `layout`, with the elements that `region` (a view of the same storage)
// covers set to zero. Its own adjoint: recorded as itself in a backward with create_graph.
Tensor zero_region(const Tensor& grad, const Geometry& layout, const Geometry& region);

class AsStridedBackward final : public Node {
 public:
  // `op` is a string literal (a node name costs no allocation).
  AsStridedBackward(const char* op, Geometry input, Geometry output);
  TensorList apply(TensorList&& grads) override;
  std::string name() const override { return op_; }

 private:
  const char* op_;
  Geometry input_;
  Geometry output_;
};

}  // namespace kd
