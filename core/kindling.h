// Kindling's C++ API in one include.
#pragma once

#include "autograd/anomaly_mode.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "decomposition/pca.h"
#include "manifold/tsne.h"
#include "neighbors/neighbors.h"
#include "nn/nn.h"
#include "ops/ops.h"
#include "optim/optim.h"
#include "parallel/thread_pool.h"
#include "serialize/embeddings_text.h"
#include "serialize/safetensors.h"
#include "tensor/random.h"
#include "tensor/sparse.h"
#include "tensor/tensor.h"
#include "util/error.h"
