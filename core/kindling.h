// Kindling's C++ API in one include.
#pragma once

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/ops.h"
#include "parallel/thread_pool.h"
#include "tensor/random.h"
#include "tensor/tensor.h"
#include "util/error.h"
