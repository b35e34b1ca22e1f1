// kd::nn in one include: Module, the layers, containers, embeddings, losses, init and the
// functional forms.
#pragma once

#include "nn/container.h"
#include "nn/embedding.h"
#include "nn/factory.h"
#include "nn/functional.h"
#include "nn/init.h"
#include "nn/layers.h"
#include "nn/loss.h"
#include "nn/module.h"
#include "nn/attention.h"
#include "nn/rnn.h"
