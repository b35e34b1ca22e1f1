// libFuzzer target: the GloVe / word2vec text reader (core/serialize/embeddings_text.cpp).
// The first byte picks the options (header mode, duplicates, non-finite values); the rest is
// the file. Invariant: what loads is a [V, d] float32 tensor whose rows match the vocabulary,
// finite unless non-finite values were allowed.
#include <cmath>
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"
#include "serialize/embeddings_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  kd::EmbeddingTextOptions options;
  options.header = flags % 3 == 0 ? kd::HeaderMode::Auto : flags % 3 == 1 ? kd::HeaderMode::Present : kd::HeaderMode::Absent;
  options.duplicates = (flags & 4) ? kd::DuplicateWords::KeepFirst : kd::DuplicateWords::Reject;
  options.allow_nonfinite = (flags & 8) != 0;
  options.max_line_length = 4096;
  options.max_vocab = 1000;
  options.max_dim = 300;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  kd::PretrainedEmbeddings e;
  if (!kd_fuzz_accepts([&] { e = kd::read_embeddings_text(text, options); })) return 0;
  const int64_t vocab = static_cast<int64_t>(e.index_to_word.size());
  KD_FUZZ_EXPECT(e.vectors.dtype() == kd::DType::Float32 && e.vectors.dim() == 2);
  KD_FUZZ_EXPECT(e.vectors.size(0) == vocab && vocab <= options.max_vocab && e.vectors.size(1) <= options.max_dim);
  KD_FUZZ_EXPECT(static_cast<int64_t>(e.word_to_index.size()) == vocab);
  for (int64_t i = 0; i < vocab; ++i) KD_FUZZ_EXPECT(e.word_to_index.at(e.index_to_word[i]) == i);
  if (!options.allow_nonfinite) {
    for (float v : e.vectors.to_vector<float>()) KD_FUZZ_EXPECT(std::isfinite(v));
  }
  return 0;
}
