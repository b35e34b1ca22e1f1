// Pretrained word vectors from text: GloVe ("word v1 ... vd" per line) and word2vec's text
// format (the same rows after a "count dim" header line).
//
// Parsing is strict; every error is a kd::ValueError that starts with
// "embeddings text line N:" (1-based) and says which rule failed:
//   - fields are separated by one space or tab; an empty field (two separators in a row, a
//     leading separator) is an error; trailing spaces, tabs and a '\r' at line end are ignored
//   - every value is a decimal float ([+-]digits[.digits][e[+-]digits], or .digits): "1.0abc",
//     "0x1p3", "" are rejected; "nan"/"inf"/"infinity" (any case, signed) only with
//     allow_nonfinite; values that overflow float32 are rejected
//   - every row has the same number of values (the first row's, or the header's dim)
//   - a line may hold at most max_line_length bytes; at most max_vocab rows; dim <= max_dim
//   - blank lines are rejected, except a final newline
//   - a word appearing twice is an error by default; DuplicateWords::KeepFirst keeps the first
//     vector and ignores later ones, as gensim's load_word2vec_format does
//   - the header: with HeaderMode::Auto, a first line of exactly two non-negative integers is a
//     word2vec header (so a GloVe file whose first word is an integer with a one-dimensional
//     vector needs HeaderMode::Absent). With a header, the row count must equal `count` and
//     every row must have `dim` values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tensor/tensor.h"

namespace kd {

enum class HeaderMode { Auto, Present, Absent };
enum class DuplicateWords { Reject, KeepFirst };

struct EmbeddingTextOptions {
  HeaderMode header = HeaderMode::Auto;
  DuplicateWords duplicates = DuplicateWords::Reject;
  bool allow_nonfinite = false;
  int64_t max_line_length = int64_t(1) << 20;  // bytes per line, default 1 MiB
  int64_t max_vocab = 4000000;                 // rows, default 4M
  int64_t max_dim = 10000;                     // values per row, default 10,000

  // The options by name, as kd.readEmbeddingsText takes them (util/option_fields.h); the limits
  // must be non-negative (checked by read_embeddings_text).
  template <typename V>
  void fields(V& v) {
    v.enumeration("header", header, {{"auto", HeaderMode::Auto}, {"present", HeaderMode::Present}, {"absent", HeaderMode::Absent}});
    v.enumeration("duplicates", duplicates, {{"error", DuplicateWords::Reject}, {"keepFirst", DuplicateWords::KeepFirst}});
    v.boolean("allow_nonfinite", allow_nonfinite);
    v.integer("max_line_length", max_line_length);
    v.integer("max_vocab", max_vocab);
    v.integer("max_dim", max_dim);
  }

  EmbeddingTextOptions& with_header(HeaderMode v) { header = v; return *this; }
  EmbeddingTextOptions& with_duplicates(DuplicateWords v) { duplicates = v; return *this; }
  EmbeddingTextOptions& with_allow_nonfinite(bool v) { allow_nonfinite = v; return *this; }
  EmbeddingTextOptions& with_max_line_length(int64_t v) { max_line_length = v; return *this; }
  EmbeddingTextOptions& with_max_vocab(int64_t v) { max_vocab = v; return *this; }
  EmbeddingTextOptions& with_max_dim(int64_t v) { max_dim = v; return *this; }
};

struct PretrainedEmbeddings {
  std::vector<std::string> index_to_word;               // row i of vectors is index_to_word[i]
  std::unordered_map<std::string, int64_t> word_to_index;
  Tensor vectors;                                       // float32 [V, d]
  bool had_header = false;
};

PretrainedEmbeddings read_embeddings_text(std::string_view text, const EmbeddingTextOptions& options = {});
// Reads a whole file (ValueError when it cannot be opened).
PretrainedEmbeddings read_embeddings_text_file(const std::string& path, const EmbeddingTextOptions& options = {});

}  // namespace kd
