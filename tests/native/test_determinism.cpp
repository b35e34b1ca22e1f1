// Determinism: the same seed and configuration give bit-identical results across runs and
// across thread counts (1, 2, 4), for the playground's preset models (an MLP classifier of 2-D
// points, a skip-gram Embedding model, RNN/GRU/LSTM character models) and for the ops whose
// work is split across threads (matmul, element-wise ops on long tensors) or that accumulate
// (reductions, embedding backward). The wasm builds are checked the same way in
// tests/node/determinism.test.mjs.
#include <catch2/catch.hpp>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kindling.h"

using namespace kd;
namespace F = kd::nn::functional;

namespace {

// Every byte of every tensor, in order: equal bytes mean bit-identical values.
std::vector<uint8_t> bytes_of(const std::vector<Tensor>& tensors) {
  std::vector<uint8_t> out;
  for (const Tensor& t : tensors) {
    Tensor c = t.contiguous();
    const auto* p = static_cast<const uint8_t*>(c.raw_data());
    out.insert(out.end(), p, p + c.nbytes());
  }
  return out;
}

std::vector<Tensor> state_of(const nn::Module& m) {
  std::vector<Tensor> out;
  for (auto& [name, t] : m.state_dict()) out.push_back(t);
  return out;
}

// Runs `run` with 1, 2 and 4 threads and once more with 2; all results must be equal.
void check_deterministic(const std::function<std::vector<uint8_t>()>& run) {
  const int saved = get_num_threads();
  std::vector<std::vector<uint8_t>> results;
  for (int threads : {1, 2, 4, 2}) {
    set_num_threads(threads);
    results.push_back(run());
  }
  set_num_threads(saved);
  REQUIRE(!results[0].empty());
  CHECK(results[1] == results[0]);
  CHECK(results[2] == results[0]);
  CHECK(results[3] == results[0]);
}

// A 2-D classification MLP as the playground builds it, trained `steps` steps.
std::vector<uint8_t> train_mlp(const std::string& optimizer, int steps) {
  manual_seed(7);
  auto model = std::make_shared<nn::Sequential>();
  model->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(2, 64)));
  model->push_back(std::make_shared<nn::BatchNorm1d>(nn::BatchNormOptions(64)));
  model->push_back(std::make_shared<nn::ReLU>());
  model->push_back(std::make_shared<nn::Dropout>(nn::DropoutOptions(0.2)));
  model->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(64, 64)));
  model->push_back(std::make_shared<nn::Tanh>());
  model->push_back(std::make_shared<nn::Linear>(nn::LinearOptions(64, 3)));
  std::unique_ptr<optim::Optimizer> opt;
  if (optimizer == "adam") opt = std::make_unique<optim::Adam>(model->parameters(), optim::AdamOptions(1e-2));
  else opt = std::make_unique<optim::SGD>(model->parameters(), optim::SGDOptions(0.1).momentum(0.9));
  Tensor x = randn({256, 2});
  Tensor y = randint(0, 3, {256});
  for (int step = 0; step < steps; ++step) {
    opt->zero_grad();
    Tensor loss = F::cross_entropy(model->forward(x), y);
    loss.backward();
    opt->step();
  }
  return bytes_of(state_of(*model));
}

// Skip-gram with negative sampling: center and context tables, dense (Adam) or sparse
// gradients (SparseAdam).
std::vector<uint8_t> train_skipgram(bool sparse, int steps) {
  manual_seed(11);
  const int64_t vocab = 200, dim = 32, batch = 64, negatives = 5;
  auto center = std::make_shared<nn::Embedding>(nn::EmbeddingOptions(vocab, dim).sparse(sparse));
  auto context = std::make_shared<nn::Embedding>(nn::EmbeddingOptions(vocab, dim).sparse(sparse));
  std::vector<Tensor> params = {center->weight(), context->weight()};
  std::unique_ptr<optim::Optimizer> opt;
  if (sparse) opt = std::make_unique<optim::SparseAdam>(params, optim::SparseAdamOptions(1e-2));
  else opt = std::make_unique<optim::Adam>(params, optim::AdamOptions(1e-2));
  for (int step = 0; step < steps; ++step) {
    Tensor c = randint(0, vocab, {batch}), o = randint(0, vocab, {batch}), n = randint(0, vocab, {batch, negatives});
    opt->zero_grad();
    Tensor loss = F::negative_sampling_loss(center->forward(c), context->forward(o), context->forward(n));
    loss.backward();
    opt->step();
  }
  return bytes_of(params);
}

// A character model: Embedding -> RNN/GRU/LSTM (batch_first) -> Linear, next-character loss.
std::vector<uint8_t> train_char_model(const std::string& cell, int steps) {
  manual_seed(3);
  const int64_t vocab = 30, embed = 16, hidden = 48, batch = 8, time = 16;
  auto embedding = std::make_shared<nn::Embedding>(vocab, embed);
  std::shared_ptr<nn::Module> rnn;
  if (cell == "RNN") rnn = std::make_shared<nn::RNN>(nn::RNNOptions(embed, hidden).batch_first(true));
  else if (cell == "GRU") rnn = std::make_shared<nn::GRU>(nn::GRUOptions(embed, hidden).batch_first(true));
  else rnn = std::make_shared<nn::LSTM>(nn::LSTMOptions(embed, hidden).batch_first(true));
  auto head = std::make_shared<nn::Linear>(hidden, vocab);
  std::vector<Tensor> params;
  for (const nn::Module* m : {static_cast<nn::Module*>(embedding.get()), rnn.get(), static_cast<nn::Module*>(head.get())})
    for (const Tensor& p : m->parameters()) params.push_back(p);
  optim::Adam opt(params, optim::AdamOptions(3e-3));
  Tensor text = randint(0, vocab, {batch, time + 1});
  Tensor inputs = text.narrow(1, 0, time), targets = text.narrow(1, 1, time);
  for (int step = 0; step < steps; ++step) {
    opt.zero_grad();
    Tensor h = embedding->forward(inputs);
    Tensor out;
    if (auto* r = dynamic_cast<nn::RNN*>(rnn.get())) out = r->forward(h).first;
    else if (auto* g = dynamic_cast<nn::GRU*>(rnn.get())) out = g->forward(h).first;
    else out = static_cast<nn::LSTM*>(rnn.get())->forward(h).first;
    Tensor logits = head->forward(out).reshape({batch * time, vocab});
    F::cross_entropy(logits, targets.reshape({batch * time})).backward();
    opt.step();
  }
  return bytes_of(params);
}

}  // namespace

TEST_CASE("determinism: the MLP classifier, SGD and Adam, across runs and thread counts", "[determinism]") {
  check_deterministic([] { return train_mlp("sgd", 25); });
  check_deterministic([] { return train_mlp("adam", 25); });
  // One step more gives other weights: the check compares real values.
  CHECK(train_mlp("adam", 2) != train_mlp("adam", 3));
}

TEST_CASE("determinism: skip-gram Embedding model, dense and sparse gradients", "[determinism]") {
  check_deterministic([] { return train_skipgram(false, 25); });
  check_deterministic([] { return train_skipgram(true, 25); });
}

TEST_CASE("determinism: RNN, GRU and LSTM character models", "[determinism]") {
  for (const char* cell : {"RNN", "GRU", "LSTM"}) {
    INFO(cell);
    check_deterministic([cell] { return train_char_model(cell, 6); });
  }
}

TEST_CASE("determinism: matmul, long element-wise ops, reductions, embedding backward", "[determinism]") {
  check_deterministic([] {
    manual_seed(5);
    Tensor a = randn({300, 200}), b = randn({200, 150}), batched = randn({6, 40, 50}), w = randn({50, 30});
    Tensor long_a = randn({1 << 17}), long_b = randn({1 << 17});
    return bytes_of({a.matmul(b), a.t().matmul(a), batched.matmul(w), long_a * long_b + long_a.exp(),
                     long_a.sum(), long_a.reshape({512, 256}).sum({0}), long_a.reshape({512, 256}).mean({1}),
                     long_a.reshape({256, 512}).softmax(1)});
  });
  check_deterministic([] {
    manual_seed(6);
    Tensor weight = randn({100, 16}).requires_grad_();
    Tensor index = randint(0, 100, {4096});  // many repeated rows: accumulation order matters
    Tensor g = randn({4096, 16});
    (F::embedding(index, weight) * g).sum().backward();
    Tensor sparse_weight = weight.detach().clone().requires_grad_();
    (F::embedding(index, sparse_weight, std::nullopt, std::nullopt, 2.0, false, true) * g).sum().backward();
    return bytes_of({weight.grad(), sparse_weight.impl()->sparse_grad->to_dense()});
  });
}
