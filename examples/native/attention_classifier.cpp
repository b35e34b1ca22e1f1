// A text classifier with additive attention pooling, trained on a tiny synthetic task.
//
// Task: sentences of 3..12 tokens (padded with token 0 to 12), label 1 when the keyword token
// (1) appears anywhere in the sentence, else 0. A bag-of-words model could solve it too; the
// point is the pooling: the attention has to learn to put its weight on the keyword wherever
// it sits, and never on padding.
//
// Model:
//   x      = Embedding(V, d, padding_idx=0)(tokens)              [B, T, d]
//   scores = tanh(x W + b) · q                                    [B, T]
//   scores = scores.masked_fill(tokens == PAD, -1e32)             padding gets ~zero weight
//   alpha  = softmax(scores, over T)                              [B, T]
//   pooled = bmm(alpha [B, 1, T], x [B, T, d])                    [B, d]
//   logits = Linear(d, 2)(pooled)
// trained with Adam on cross-entropy. Seeded and deterministic; prints loss and accuracy per
// epoch and exits non-zero unless held-out accuracy reaches 95%.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

#include "kindling.h"
#include "nn/nn.h"
#include "optim/optim.h"

using namespace kd;

namespace {

constexpr int64_t kVocab = 20, kPad = 0, kKeyword = 1, kMaxLen = 12, kDim = 16, kClasses = 2;

// Additive attention pooling: W [d, d], b [d], q [d].
class AttentionPooling : public nn::Module {
 public:
  explicit AttentionPooling(int64_t dim) : Module("AttentionPooling") {
    register_parameter("W", empty({dim, dim}));
    register_parameter("b", zeros({dim}));
    register_parameter("q", empty({dim}));
    nn::init::xavier_uniform_(param("W"));
    nn::init::uniform_(param("q"), -0.5, 0.5);
  }
  using Module::forward;  // the one-tensor virtual stays visible (it raises: this takes a mask)
  // x [B, T, d], pad_mask [B, T] (true = padding) -> pooled [B, d]; `weights` gets alpha [B, T].
  Tensor forward(const Tensor& x, const Tensor& pad_mask, Tensor* weights = nullptr) {
    Tensor scores = x.matmul(param("W")).add(param("b")).tanh().matmul(param("q"));  // [B, T]
    scores = scores.masked_fill(pad_mask, -1e32);
    Tensor alpha = scores.softmax(1);
    if (weights) *weights = alpha;
    return alpha.unsqueeze(1).bmm(x).squeeze(1);
  }
};

class Classifier : public nn::Module {
 public:
  Classifier() : Module("Classifier") {
    embedding = register_module("embedding", std::make_shared<nn::Embedding>(
                                                 nn::EmbeddingOptions(kVocab, kDim).padding_idx(kPad)));
    pooling = register_module("pooling", std::make_shared<AttentionPooling>(kDim));
    head = register_module("head", std::make_shared<nn::Linear>(kDim, kClasses));
  }
  Tensor forward(const Tensor& tokens) override { return forward(tokens, nullptr); }
  Tensor forward(const Tensor& tokens, Tensor* weights) {
    Tensor x = embedding->forward(tokens);
    return head->forward(pooling->forward(x, tokens.eq(static_cast<double>(kPad)), weights));
  }
  std::shared_ptr<nn::Embedding> embedding;
  std::shared_ptr<AttentionPooling> pooling;
  std::shared_ptr<nn::Linear> head;
};

struct Dataset {
  std::vector<int64_t> tokens;  // [n, kMaxLen], row-major
  std::vector<int64_t> labels;  // [n]
  int64_t size() const { return static_cast<int64_t>(labels.size()); }
};

Dataset make_dataset(int64_t n, std::mt19937& rng) {
  Dataset d;
  std::uniform_int_distribution<int64_t> length(3, kMaxLen), word(2, kVocab - 1), coin(0, 1);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t len = length(rng), label = coin(rng);
    std::vector<int64_t> row(kMaxLen, kPad);
    for (int64_t t = 0; t < len; ++t) row[t] = word(rng);
    if (label == 1) row[std::uniform_int_distribution<int64_t>(0, len - 1)(rng)] = kKeyword;
    d.tokens.insert(d.tokens.end(), row.begin(), row.end());
    d.labels.push_back(label);
  }
  return d;
}

// Rows [begin, end) of the dataset as tensors.
std::pair<Tensor, Tensor> batch(const Dataset& d, const std::vector<int64_t>& order, int64_t begin, int64_t end) {
  std::vector<int64_t> tokens, labels;
  for (int64_t i = begin; i < end; ++i) {
    const int64_t r = order[i];
    tokens.insert(tokens.end(), d.tokens.begin() + r * kMaxLen, d.tokens.begin() + (r + 1) * kMaxLen);
    labels.push_back(d.labels[r]);
  }
  return {tensor_i64(tokens, {end - begin, kMaxLen}), tensor_i64(labels, {end - begin})};
}

double accuracy(Classifier& model, const Dataset& d) {
  NoGradGuard no_grad;
  std::vector<int64_t> all(d.size());
  for (int64_t i = 0; i < d.size(); ++i) all[i] = i;
  auto [x, y] = batch(d, all, 0, d.size());
  Tensor predicted = model.forward(x).argmax(1);
  return predicted.eq(y).to(DType::Float32).mean().item<double>();
}

}  // namespace

int main() {
  manual_seed(1234);
  std::mt19937 rng(42);
  const Dataset train = make_dataset(800, rng);
  const Dataset test = make_dataset(200, rng);

  auto model = std::make_shared<Classifier>();
  optim::Adam adam(model->parameters(), optim::AdamOptions(0.01));
  const int64_t batch_size = 32, epochs = 12;
  std::vector<int64_t> order(train.size());
  for (int64_t i = 0; i < train.size(); ++i) order[i] = i;

  double test_acc = 0;
  for (int64_t epoch = 1; epoch <= epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    model->train();
    double total = 0;
    int64_t batches = 0;
    for (int64_t start = 0; start < train.size(); start += batch_size) {
      auto [x, y] = batch(train, order, start, std::min(start + batch_size, train.size()));
      Tensor loss = nn::functional::cross_entropy(model->forward(x), y);
      adam.zero_grad();
      loss.backward();
      adam.step();
      total += loss.item<double>();
      ++batches;
    }
    model->eval();
    const double train_acc = accuracy(*model, train);
    test_acc = accuracy(*model, test);
    std::printf("epoch %2lld  loss %.4f  train acc %.3f  test acc %.3f\n", static_cast<long long>(epoch),
                total / static_cast<double>(batches), train_acc, test_acc);
  }

  // Where does the attention look? For a positive test sentence, the keyword's weight.
  {
    NoGradGuard no_grad;
    std::vector<int64_t> first_positive;
    for (int64_t i = 0; i < test.size() && first_positive.empty(); ++i)
      if (test.labels[i] == 1) first_positive.push_back(i);
    auto [x, y] = batch(test, first_positive, 0, 1);
    Tensor alpha;
    model->forward(x, &alpha);
    std::vector<int64_t> tok = x.to_vector<int64_t>();
    std::vector<float> w = alpha.to_vector<float>();
    std::printf("attention on a positive sentence:");
    for (int64_t t = 0; t < kMaxLen; ++t)
      if (tok[t] != kPad) std::printf(" %s%lld:%.2f", tok[t] == kKeyword ? "*" : "", static_cast<long long>(tok[t]), w[t]);
    std::printf("\n");
  }

  if (test_acc < 0.95) {
    std::printf("FAILED: held-out accuracy %.3f < 0.95\n", test_acc);
    return 1;
  }
  std::printf("OK: held-out accuracy %.3f >= 0.95\n", test_acc);
  return 0;
}
