// Helpers shared by the op families: dtype promotion, the operands of `-`, strided copies.
#pragma once

#include "tensor/iter.h"
#include "tensor/tensor.h"

namespace kd {

// The dtype two operands compute in: float32 if either is, else int64 if either is, else bool.
DType promote_types(DType a, DType b);

// torch refuses `-` with a bool operand, a number next to a bool tensor included (TypeError,
// torch's messages).
void check_subtraction_operands(const Tensor& a, const Tensor& b);

// Copies `src` (broadcast to dst's shape, converted to dst's dtype) into dst's elements.
void copy_values(const Tensor& dst, const Tensor& src);

}  // namespace kd
