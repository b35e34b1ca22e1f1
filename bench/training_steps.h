// The training steps of `make bench` (bench/js/workloads.mjs) in C++, with the same models,
// losses, optimizers and shapes on random data: bench_ops times them and counts their heap
// allocations, and tests/allocations checks those counts. Each is made once and then called,
// one training step per call.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <vector>

#include "kindling.h"

namespace kd::bench {

// A classifier trained by cross-entropy on one fixed batch: a call is zero_grad, forward,
// loss, backward and the optimizer's step.
struct ClassifierStep {
  std::shared_ptr<nn::Sequential> model;
  std::unique_ptr<optim::Optimizer> optimizer;
  Tensor inputs, labels;

  void operator()() {
    optimizer->zero_grad();
    Tensor loss = nn::functional::cross_entropy(model->forward(inputs), labels);
    loss.backward();
    optimizer->step();
  }
};

template <typename Optimizer, typename Options>
ClassifierStep classifier_step(std::initializer_list<nn::ModulePtr> layers, const Options& options, Tensor inputs,
                               Tensor labels) {
  ClassifierStep s{std::make_shared<nn::Sequential>(layers), nullptr, std::move(inputs), std::move(labels)};
  s.optimizer = std::make_unique<Optimizer>(s.model->parameters(), options);
  return s;
}

// The playground's small MLP: 2-16-16-2, tanh, batch 64, SGD.
inline ClassifierStep small_mlp_step() {
  return classifier_step<optim::SGD>(
      {std::make_shared<nn::Linear>(nn::LinearOptions(2, 16)), std::make_shared<nn::Tanh>(),
       std::make_shared<nn::Linear>(nn::LinearOptions(16, 16)), std::make_shared<nn::Tanh>(),
       std::make_shared<nn::Linear>(nn::LinearOptions(16, 2))},
      optim::SGDOptions(0.1), randn({64, 2}), randint(0, 2, {64}));
}

// The MNIST-size MLP: 784-256-10, relu, batch 128, Adam.
inline ClassifierStep mnist_mlp_step() {
  return classifier_step<optim::Adam>({std::make_shared<nn::Linear>(nn::LinearOptions(784, 256)),
                                       std::make_shared<nn::ReLU>(),
                                       std::make_shared<nn::Linear>(nn::LinearOptions(256, 10))},
                                      optim::AdamOptions(1e-3), rand({128, 784}), randint(0, 10, {128}));
}

// Skip-gram with a full softmax: center word -> Embedding(5000, 64) -> Linear(64, 5000) ->
// cross-entropy against a context word, batch 256, Adam.
inline ClassifierStep full_softmax_skip_gram_step() {
  return classifier_step<optim::Adam>({std::make_shared<nn::Embedding>(nn::EmbeddingOptions(5000, 64)),
                                       std::make_shared<nn::Linear>(nn::LinearOptions(64, 5000))},
                                      optim::AdamOptions(1e-2), randint(0, 5000, {256}), randint(0, 5000, {256}));
}

// The rows of one batch of the sparse step, drawn as bench/js/workloads.mjs draws them: a
// center skewed towards low rows (V * u^3, as word frequencies), its context a few rows on,
// and 5 uniform negatives.
struct SkipGramBatch {
  std::vector<int64_t> centers, contexts, negatives;
};
inline std::vector<SkipGramBatch> skip_gram_batches(int64_t V, int count) {
  uint64_t state = 88172645463325252ull;
  auto uniform = [&] {
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return static_cast<double>(state >> 11) / 9007199254740992.0;
  };
  std::vector<SkipGramBatch> batches(static_cast<size_t>(count));
  for (SkipGramBatch& b : batches) {
    for (int i = 0; i < 256; ++i) {
      const double u = uniform();
      const int64_t c = static_cast<int64_t>(static_cast<double>(V) * u * u * u);
      b.centers.push_back(c);
      b.contexts.push_back((c + 1 + static_cast<int64_t>(4 * uniform())) % V);
      for (int k = 0; k < 5; ++k) b.negatives.push_back(static_cast<int64_t>(static_cast<double>(V) * uniform()));
    }
  }
  return batches;
}

// Skip-gram with negative sampling on two sparse Embeddings of V rows x 32, batch 256 x
// (1 + 5), SparseAdam. Its parts are public so that bench_ops can time them apart.
struct SparseEmbeddingStep {
  static constexpr int64_t kDim = 32;
  std::shared_ptr<nn::Embedding> in_vectors, out_vectors;
  std::unique_ptr<optim::SparseAdam> adam;
  std::vector<std::array<Tensor, 3>> batches;  // centers, contexts, negatives
  size_t next = 0;

  explicit SparseEmbeddingStep(int64_t V)
      : in_vectors(std::make_shared<nn::Embedding>(nn::EmbeddingOptions(V, kDim).sparse(true))),
        out_vectors(std::make_shared<nn::Embedding>(nn::EmbeddingOptions(V, kDim).sparse(true))) {
    {
      NoGradGuard no_grad;
      in_vectors->weight().mul_(0.1);
      out_vectors->weight().mul_(0.1);
    }
    adam = std::make_unique<optim::SparseAdam>(std::vector<Tensor>{in_vectors->weight(), out_vectors->weight()},
                                               optim::SparseAdamOptions(0.005));
    for (const SkipGramBatch& b : skip_gram_batches(V, 8))
      batches.push_back({tensor_i64(b.centers, {256}), tensor_i64(b.contexts, {256}), tensor_i64(b.negatives, {256, 5})});
  }
  const std::array<Tensor, 3>& next_batch() { return batches[next++ % batches.size()]; }
  Tensor loss(const std::array<Tensor, 3>& b) {
    return nn::functional::negative_sampling_loss(in_vectors->forward(b[0]), out_vectors->forward(b[1]),
                                                  out_vectors->forward(b[2]));
  }
  void operator()() {
    const std::array<Tensor, 3>& b = next_batch();
    adam->zero_grad();
    Tensor l = loss(b);
    l.backward();
    adam->step();
  }
};

}  // namespace kd::bench
