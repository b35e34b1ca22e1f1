// Shared by view ops and in-place ops on views: gradients through a view given by geometry.
#pragma once

#include <string>

#include "autograd/node.h"
#include "ops/iter.h"

namespace kd {

// Where a tensor's elements sit in its storage.
struct Geometry {
  Shape shape;
  Shape strides;
  int64_t offset = 0;
  static Geometry of(const Tensor& t);
};

// The gradient of a tensor laid out as `input`, given the gradient of a view of the same
// storage laid out as `output`: zeros except where the view reads (summed where it overlaps).
Tensor scatter_to_geometry(const Tensor& grad, const Geometry& input, const Geometry& output);

class AsStridedBackward final : public Node {
 public:
  AsStridedBackward(std::string op, Geometry input, Geometry output);
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override;
  std::string name() const override { return op_; }

 private:
  std::string op_;
  Geometry input_;
  Geometry output_;
};

}  // namespace kd
