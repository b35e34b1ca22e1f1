#include "serialize/embeddings_text.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "ops/ops.h"

namespace kd {

namespace {

[[noreturn]] void fail(int64_t line, const std::string& message) {
  throw ValueError(str("embeddings text line ", line, ": ", message));
}

bool is_separator(char c) { return c == ' ' || c == '\t'; }

// Splits on single separators after trimming trailing whitespace; an empty field is an error.
std::vector<std::string_view> split_fields(std::string_view line, int64_t line_no) {
  while (!line.empty() && (is_separator(line.back()) || line.back() == '\r')) line.remove_suffix(1);
  std::vector<std::string_view> fields;
  if (line.empty()) fail(line_no, "empty line");
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || is_separator(line[i])) {
      if (i == start) fail(line_no, str("empty field at column ", start + 1, " (two separators in a row or a leading separator)"));
      fields.push_back(line.substr(start, i - start));
      start = i + 1;
    }
  }
  return fields;
}

bool is_decimal(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

bool parse_nonfinite(std::string_view s, float& out) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "nan") {
    out = NAN;
    return true;
  }
  if (lower == "inf" || lower == "infinity") {
    out = negative ? -INFINITY : INFINITY;
    return true;
  }
  return false;
}

float parse_value(std::string_view s, int64_t line_no, size_t column, bool allow_nonfinite) {
  float v;
  if (parse_nonfinite(s, v)) {
    if (!allow_nonfinite) fail(line_no, str("value ", column, " \"", s, "\" is not finite (allow_nonfinite is off)"));
    return v;
  }
  if (!is_decimal(s)) fail(line_no, str("value ", column, " \"", s, "\" is not a decimal number"));
  const std::string text(s);
  errno = 0;
  v = std::strtof(text.c_str(), nullptr);
  if (errno == ERANGE && std::isinf(v)) fail(line_no, str("value ", column, " \"", s, "\" overflows float32"));
  return v;
}

bool is_count(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

}  // namespace

PretrainedEmbeddings read_embeddings_text(std::string_view text, const EmbeddingTextOptions& options) {
  for (auto [name, limit] : {std::pair{"max_line_length", options.max_line_length}, {"max_vocab", options.max_vocab},
                              {"max_dim", options.max_dim}}) {
    KD_CHECK(limit >= 0, ValueError, "read_embeddings_text: ", name, " must be non-negative, got ", limit);
  }
  PretrainedEmbeddings out;
  std::vector<float> values;
  int64_t dim = -1, dim_line = 0, expected_rows = -1;
  int64_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    const bool last = end == std::string_view::npos;
    if (last) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (static_cast<int64_t>(line.size()) > options.max_line_length) {
      fail(line_no, str("line is ", line.size(), " bytes, over max_line_length ", options.max_line_length));
    }
    std::vector<std::string_view> fields = split_fields(line, line_no);

    if (line_no == 1 && options.header != HeaderMode::Absent) {
      int64_t count = 0, header_dim = 0;
      const bool looks_like_header = fields.size() == 2 && is_count(fields[0], count) && is_count(fields[1], header_dim);
      if (options.header == HeaderMode::Present && !looks_like_header) {
        fail(line_no, "expected a word2vec header \"count dim\"");
      }
      if (looks_like_header) {
        if (count > options.max_vocab) fail(line_no, str("header count ", count, " is over max_vocab ", options.max_vocab));
        if (header_dim > options.max_dim) fail(line_no, str("header dim ", header_dim, " is over max_dim ", options.max_dim));
        if (header_dim == 0) fail(line_no, "header dim must be positive");
        out.had_header = true;
        expected_rows = count;
        dim = header_dim;
        dim_line = 1;
        continue;
      }
    }

    const std::string_view word = fields[0];
    const int64_t d = static_cast<int64_t>(fields.size()) - 1;
    if (d == 0) fail(line_no, str("word \"", word, "\" has no values"));
    if (dim < 0) {
      if (d > options.max_dim) fail(line_no, str("row has ", d, " values, over max_dim ", options.max_dim));
      dim = d;
      dim_line = line_no;
    } else if (d != dim) {
      fail(line_no, str("word \"", word, "\" has ", d, " values, expected ", dim,
                        (out.had_header ? " (from the header)" : str(" (as on line ", dim_line, ")"))));
    }
    // Parse the whole row before keeping it.
    std::vector<float> row(static_cast<size_t>(d));
    for (int64_t k = 0; k < d; ++k) row[k] = parse_value(fields[k + 1], line_no, static_cast<size_t>(k + 1), options.allow_nonfinite);

    std::string w(word);
    auto found = out.word_to_index.find(w);
    if (found != out.word_to_index.end()) {
      if (options.duplicates == DuplicateWords::Reject) {
        fail(line_no, str("word \"", w, "\" appears again (first on row ", found->second + 1, ")"));
      }
      continue;  // KeepFirst
    }
    if (static_cast<int64_t>(out.index_to_word.size()) >= options.max_vocab) {
      fail(line_no, str("more than max_vocab ", options.max_vocab, " words"));
    }
    if (expected_rows >= 0 && line_no - 1 > expected_rows) {
      fail(line_no, str("more rows than the header's count ", expected_rows));
    }
    out.word_to_index.emplace(w, static_cast<int64_t>(out.index_to_word.size()));
    out.index_to_word.push_back(std::move(w));
    values.insert(values.end(), row.begin(), row.end());
    if (last) break;
  }
  if (expected_rows >= 0 && line_no - 1 != expected_rows) {
    fail(line_no, str("the header says ", expected_rows, " rows but the file has ", line_no - 1));
  }
  if (out.index_to_word.empty() && !out.had_header) throw ValueError("embeddings text: no vectors in the input");
  const int64_t V = static_cast<int64_t>(out.index_to_word.size());
  out.vectors = tensor(values, {V, dim < 0 ? 0 : dim});
  return out;
}

PretrainedEmbeddings read_embeddings_text_file(const std::string& path, const EmbeddingTextOptions& options) {
  std::ifstream f(path, std::ios::binary);
  KD_CHECK(f.good(), ValueError, "embeddings text: cannot open \"", path, "\"");
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return read_embeddings_text(text, options);
}

}  // namespace kd
