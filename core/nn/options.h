// KD_ARG: one field of a module's options struct with a chained setter, in the style of the
// PyTorch C++ frontend: `EmbeddingOptions(10, 3).padding_idx(0).max_norm(1.0)`.
//
//   KD_ARG(double, eps) = 1e-5;
//
// declares the field `eps_` (with its default), the setter `eps(v)` returning the options, and
// the getter `eps()`.
#pragma once

#include "util/option_fields.h"

#define KD_ARG(T, name)                                  \
  auto name(const T& value)->decltype(*this) {           \
    this->name##_ = value;                               \
    return *this;                                        \
  }                                                      \
  const T& name() const noexcept { return this->name##_; } \
  T name##_
