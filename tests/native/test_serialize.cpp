// Safetensors reader/writer and the GloVe / word2vec text readers.
//
// The byte-exact checks use the expected outputs of the reference implementation's own tests
// (huggingface/safetensors, safetensors/src/tensor.rs: test_serialization, test_empty,
// test_serialization_forced_alignement). python3-safetensors is not packaged for this Debian,
// so no file from the Python writer is compared.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "ops/ops.h"
#include "serialize/embeddings_text.h"
#include "serialize/safetensors.h"

using kd::Tensor;

namespace {

std::vector<uint8_t> le64(uint64_t n) {
  std::vector<uint8_t> out;
  for (int b = 0; b < 8; ++b) out.push_back(static_cast<uint8_t>(n >> (8 * b)));
  return out;
}

// A file from its header text (not padded) and raw data bytes.
std::vector<uint8_t> file_of(const std::string& header, const std::vector<uint8_t>& data = {}) {
  std::vector<uint8_t> out = le64(header.size());
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::vector<uint8_t> float_bytes(const std::vector<float>& v) {
  std::vector<uint8_t> out(v.size() * 4);
  if (!v.empty()) std::memcpy(out.data(), v.data(), out.size());
  return out;
}

void expect_invalid(const std::vector<uint8_t>& bytes, const std::string& message) {
  INFO("expected error: " << message);
  try {
    kd::load_safetensors(bytes);
    FAIL("no error");
  } catch (const kd::ValueError& e) {
    CHECK_THAT(e.what(), Catch::StartsWith("safetensors: "));
    CHECK_THAT(e.what(), Catch::Contains(message));
  }
}

}  // namespace

TEST_CASE("safetensors: byte-exact with the reference writer", "[serialize][safetensors]") {
  SECTION("one F32 tensor, no padding needed") {
    Tensor t = kd::tensor({0, 1, 2, 3, 4, 5}, {1, 2, 3});
    std::vector<uint8_t> want = file_of(R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})",
                                        float_bytes({0, 1, 2, 3, 4, 5}));
    REQUIRE(want[0] == 64);
    CHECK(kd::save_safetensors({{"attn.0", t}}) == want);
  }
  SECTION("padding with spaces to a multiple of 8") {
    Tensor t = kd::tensor({0, 1, 2, 3, 4, 5}, {1, 1, 2, 3});
    std::vector<uint8_t> want =
        file_of(R"({"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       )", float_bytes({0, 1, 2, 3, 4, 5}));
    REQUIRE(want[0] == 72);
    CHECK(kd::save_safetensors({{"attn0", t}}) == want);
  }
  SECTION("no tensors, with and without metadata") {
    CHECK(kd::save_safetensors({}) == std::vector<uint8_t>{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '});
    std::vector<uint8_t> want = file_of(R"({"__metadata__":{"framework":"pt"}}     )");
    REQUIRE(want[0] == 40);
    CHECK(kd::save_safetensors({}, {{"framework", "pt"}}) == want);
  }
}

TEST_CASE("safetensors: writer order and round trip of every dtype", "[serialize][safetensors]") {
  Tensor f = kd::tensor({1.5f, -2.0f, 3.25f, 0.0f}, {2, 2});
  Tensor i = kd::tensor_i64({-3, 1LL << 40, 7}, {3});
  Tensor b = kd::tensor_bool({true, false, true}, {3});
  Tensor scalar = kd::scalar_tensor(4.5);
  Tensor empty = kd::zeros({0, 3});
  Tensor strided = kd::tensor({0, 1, 2, 3, 4, 5}, {2, 3}).t();  // non-contiguous
  kd::NamedTensors in = {{"z.float", f}, {"mask", b}, {"a.index", i}, {"scalar", scalar}, {"empty", empty},
                         {"strided", strided}};
  std::vector<uint8_t> bytes = kd::save_safetensors(in, {{"format", "pt"}, {"note", "tab\there \"quoted\" é"}});
  const uint64_t n = bytes[0] | (uint64_t(bytes[1]) << 8);
  CHECK(n % 8 == 0);
  const std::string header(bytes.begin() + 8, bytes.begin() + 8 + n);
  // I64 first, then F32 (by name), then BOOL, as the reference sorts (descending alignment).
  const size_t pa = header.find("\"a.index\""), pe = header.find("\"empty\""), ps = header.find("\"scalar\""),
               pst = header.find("\"strided\""), pz = header.find("\"z.float\""), pm = header.find("\"mask\"");
  CHECK(header.find("{\"__metadata__\":{\"format\":\"pt\",\"note\":\"tab\\there \\\"quoted\\\" é\"}") == 0);
  CHECK(pa < pe);
  CHECK(pe < ps);
  CHECK(ps < pst);
  CHECK(pst < pz);
  CHECK(pz < pm);
  CHECK(header.find("\"scalar\":{\"dtype\":\"F32\",\"shape\":[],") != std::string::npos);

  kd::SafetensorsContent out = kd::load_safetensors(bytes);
  CHECK(out.metadata.at("note") == "tab\there \"quoted\" é");
  REQUIRE(out.tensors.size() == 6);
  CHECK(out.tensors[0].first == "a.index");  // file order
  CHECK(out.tensors[5].first == "mask");
  for (const auto& [name, t] : out.tensors) {
    const Tensor* orig = nullptr;
    for (const auto& [n2, t2] : in) if (n2 == name) orig = &t2;
    REQUIRE(orig != nullptr);
    INFO(name);
    CHECK(t.shape() == orig->shape());
    CHECK(t.dtype() == orig->dtype());
    CHECK(t.to_string() == orig->to_string());
  }
  CHECK(out.tensors[0].second.to_vector<int64_t>() == std::vector<int64_t>{-3, 1LL << 40, 7});

  CHECK_THROWS_WITH(kd::save_safetensors({{"a", f}, {"a", i}}), "safetensors: tensor name \"a\" appears twice");
  CHECK_THROWS_WITH(kd::save_safetensors({{"__metadata__", f}}),
                    "safetensors: \"__metadata__\" is reserved and cannot name a tensor");
  CHECK_THROWS_WITH(kd::save_safetensors({{"u", Tensor()}}), "safetensors: tensor \"u\" is undefined");
}

TEST_CASE("safetensors: the reader rejects every malformed file", "[serialize][safetensors]") {
  const std::vector<uint8_t> f8 = float_bytes({1, 2});  // 8 bytes: one F32 [2]
  auto entry = [](const std::string& name, const std::string& dtype, const std::string& shape, uint64_t b, uint64_t e) {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" +
           std::to_string(b) + "," + std::to_string(e) + "]}";
  };
  // The valid baseline, so each case below breaks exactly one rule.
  REQUIRE(kd::load_safetensors(file_of("{" + entry("w", "F32", "[2]", 0, 8) + "}", f8)).tensors.size() == 1);

  expect_invalid({1, 2, 3}, "file is 3 bytes, too small");
  expect_invalid(le64(100000001), "header length 100000001 exceeds the limit of 100000000 bytes");
  {
    std::vector<uint8_t> bytes = le64(50);
    bytes.push_back('{');
    expect_invalid(bytes, "header length 50 runs past the end of the file (9 bytes)");
  }
  {
    std::vector<uint8_t> bytes = file_of("{\"\xff\":1}");
    expect_invalid(bytes, "header is not valid JSON");
  }
  expect_invalid(file_of("{\"w\":"), "header is not valid JSON");
  expect_invalid(file_of("[1, 2]"), "header must be a JSON object, got array");
  expect_invalid(file_of(R"({"__metadata__":[1]})"), "\"__metadata__\" must be an object of strings");
  expect_invalid(file_of(R"({"__metadata__":{"k":1}})"), "\"__metadata__\" value for \"k\" must be a string, got number");
  expect_invalid(file_of(R"({"w":3})"), "tensor \"w\": entry must be an object, got number");
  expect_invalid(file_of(R"({"w":{"shape":[2],"data_offsets":[0,8]}})", f8), "tensor \"w\": missing \"dtype\"");
  expect_invalid(file_of(R"({"w":{"dtype":"F32","data_offsets":[0,8]}})", f8), "tensor \"w\": missing \"shape\"");
  expect_invalid(file_of(R"({"w":{"dtype":"F32","shape":[2]}})", f8), "tensor \"w\": missing \"data_offsets\"");
  expect_invalid(file_of("{" + entry("w", "X99", "[2]", 0, 8) + "}", f8), "tensor \"w\": dtype \"X99\" is unknown");
  expect_invalid(file_of("{" + entry("w", "F16", "[4]", 0, 8) + "}", f8),
                 "tensor \"w\": dtype \"F16\" is not supported (Kindling stores F32, I64, BOOL)");
  expect_invalid(file_of("{" + entry("w", "F32", "[-2]", 0, 8) + "}", f8),
                 "tensor \"w\": \"shape\" must be a list of non-negative integers");
  expect_invalid(file_of("{" + entry("w", "F32", "[2.5]", 0, 8) + "}", f8),
                 "tensor \"w\": \"shape\" must be a list of non-negative integers");
  expect_invalid(file_of(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", f8),
                 "tensor \"w\": \"data_offsets\" must be a list of two non-negative integers");
  expect_invalid(file_of("{" + entry("w", "F32", "[2]", 8, 0) + "}", f8), "tensor \"w\": data_offsets end 0 is before begin 8");
  expect_invalid(file_of("{" + entry("w", "F32", "[3]", 0, 8) + "}", f8),
                 "tensor \"w\": data_offsets [0, 8] hold 8 bytes but shape [3] of F32 needs 12");
  expect_invalid(file_of("{" + entry("w", "F32", "[4611686018427387904,4]", 0, 8) + "}", f8), "overflows");
  expect_invalid(file_of("{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 0, 4) + "}", f8),
                 "tensor \"b\": data_offsets begin 0 but the previous tensor ends at 4 (overlap)");
  expect_invalid(file_of("{" + entry("a", "F32", "[1]", 4, 8) + "}", f8),
                 "tensor \"a\": data_offsets begin 4 but the previous tensor ends at 0 (gap)");
  {
    std::vector<uint8_t> data = f8;
    data.push_back(0);
    expect_invalid(file_of("{" + entry("w", "F32", "[2]", 0, 8) + "}", data),
                   "the file has 1 bytes after the last tensor");
  }
  expect_invalid(file_of("{" + entry("w", "F32", "[2]", 0, 8) + "}", {1, 2, 3}),
                 "tensor data ends at 8 but the file holds only 3 data bytes");
  expect_invalid(file_of("{" + entry("w", "F32", "[1]", 0, 4) + "," + entry("w", "F32", "[1]", 4, 8) + "}", f8),
                 "duplicate key \"w\"");
  expect_invalid(file_of("{" + entry("m", "BOOL", "[2]", 0, 2) + "}", {1, 2}), "tensor \"m\": BOOL byte 2 is not 0 or 1");
}

TEST_CASE("safetensors: offsets in any order, extra entry keys ignored (as the reference)", "[serialize][safetensors]") {
  // Entries listed out of offset order are read in offset order.
  std::vector<uint8_t> data = float_bytes({1, 2, 3});
  std::vector<uint8_t> bytes = file_of(
      R"({"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12],"extra":true},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}})",
      data);
  kd::SafetensorsContent c = kd::load_safetensors(bytes);
  REQUIRE(c.tensors.size() == 2);
  CHECK(c.tensors[0].first == "a");
  CHECK(c.tensors[0].second.dim() == 0);
  CHECK(c.tensors[0].second.item<float>() == 1.0f);
  CHECK(c.tensors[1].second.to_vector<float>() == std::vector<float>{2, 3});
}

// ---------------------------------------------------------------------------------------------
// GloVe / word2vec text

namespace {

void expect_bad_text(const std::string& text, const std::string& message, const kd::EmbeddingTextOptions& o = {}) {
  INFO("expected error: " << message);
  try {
    kd::read_embeddings_text(text, o);
    FAIL("no error");
  } catch (const kd::ValueError& e) {
    CHECK_THAT(e.what(), Catch::Contains(message));
  }
}

}  // namespace

TEST_CASE("embeddings text: GloVe and word2vec files", "[serialize][embeddings]") {
  SECTION("GloVe, no header") {
    kd::PretrainedEmbeddings e = kd::read_embeddings_text("the 0.1 -0.2 3e-1\nof 1 2.5 -.5\r\n, 0.0 1E2 -4.\n");
    CHECK_FALSE(e.had_header);
    CHECK(e.index_to_word == std::vector<std::string>{"the", "of", ","});
    CHECK(e.word_to_index.at(",") == 2);
    CHECK(e.vectors.shape() == kd::Shape{3, 3});
    CHECK(e.vectors.to_vector<float>() == std::vector<float>{0.1f, -0.2f, 0.3f, 1, 2.5f, -0.5f, 0, 100, -4});
  }
  SECTION("word2vec, header detected, trailing spaces and tabs") {
    kd::PretrainedEmbeddings e = kd::read_embeddings_text("2 2\nking 0.5 0.25 \nqueen\t-1\t2");
    CHECK(e.had_header);
    CHECK(e.index_to_word == std::vector<std::string>{"king", "queen"});
    CHECK(e.vectors.to_vector<float>() == std::vector<float>{0.5f, 0.25f, -1, 2});
  }
  SECTION("header modes") {
    // "3 5" is a header under Auto, a word "3" with a 1-d vector under Absent.
    kd::PretrainedEmbeddings e =
        kd::read_embeddings_text("3 5\n4 6\n", kd::EmbeddingTextOptions().with_header(kd::HeaderMode::Absent));
    CHECK(e.index_to_word == std::vector<std::string>{"3", "4"});
    CHECK(e.vectors.shape() == kd::Shape{2, 1});
    expect_bad_text("a 1 2\n", "line 1: expected a word2vec header \"count dim\"",
                    kd::EmbeddingTextOptions().with_header(kd::HeaderMode::Present));
  }
  SECTION("duplicates: rejected by default, first kept on request (gensim)") {
    expect_bad_text("a 1 2\nb 3 4\na 5 6\n", "line 3: word \"a\" appears again (first on row 1)");
    kd::PretrainedEmbeddings e = kd::read_embeddings_text(
        "a 1 2\nb 3 4\na 5 6\n", kd::EmbeddingTextOptions().with_duplicates(kd::DuplicateWords::KeepFirst));
    CHECK(e.index_to_word.size() == 2);
    CHECK(e.vectors.to_vector<float>() == std::vector<float>{1, 2, 3, 4});
  }
  SECTION("non-finite values only when allowed") {
    expect_bad_text("a 1 nan\n", "line 1: value 2 \"nan\" is not finite (allow_nonfinite is off)");
    expect_bad_text("a -Infinity 1\n", "value 1 \"-Infinity\" is not finite");
    kd::PretrainedEmbeddings e =
        kd::read_embeddings_text("a NaN -inf\n", kd::EmbeddingTextOptions().with_allow_nonfinite(true));
    std::vector<float> v = e.vectors.to_vector<float>();
    CHECK(std::isnan(v[0]));
    CHECK(v[1] == -INFINITY);
  }
}

TEST_CASE("embeddings text: every bad-file rule names the line", "[serialize][embeddings]") {
  expect_bad_text("a 1 2\nb 1.0abc 2\n", "line 2: value 1 \"1.0abc\" is not a decimal number");
  expect_bad_text("a 0x1p3 2\n", "line 1: value 1 \"0x1p3\" is not a decimal number");
  expect_bad_text("a 1e 2\n", "value 1 \"1e\" is not a decimal number");
  expect_bad_text("a 1  2\n", "line 1: empty field at column 5");
  expect_bad_text(" a 1 2\n", "line 1: empty field at column 1");
  expect_bad_text("a 1 2\nb 1 2 3\n", "line 2: word \"b\" has 3 values, expected 2 (as on line 1)");
  expect_bad_text("2 3\na 1 2\n", "line 2: word \"a\" has 2 values, expected 3 (from the header)");
  expect_bad_text("a 1 2\n\nb 1 2\n", "line 2: empty line");
  expect_bad_text("a\n", "line 1: word \"a\" has no values");
  expect_bad_text("a 1e39 2\n", "line 1: value 1 \"1e39\" overflows float32");
  expect_bad_text("3 2\na 1 2\nb 1 2\n", "the header says 3 rows but the file has 2");
  expect_bad_text("1 2\na 1 2\nb 1 2\n", "line 3: more rows than the header's count 1");
  expect_bad_text("a 1 2\nb 3 4\nc 5 6\n", "line 3: more than max_vocab 2 words", kd::EmbeddingTextOptions().with_max_vocab(2));
  expect_bad_text("a 1 2 3\n", "line 1: row has 3 values, over max_dim 2", kd::EmbeddingTextOptions().with_max_dim(2));
  expect_bad_text("5 9\n", "line 1: header dim 9 is over max_dim 4", kd::EmbeddingTextOptions().with_max_dim(4));
  expect_bad_text("a 1 2\nbb 1.5 2.5\n", "line 2: line is 10 bytes, over max_line_length 8",
                  kd::EmbeddingTextOptions().with_max_line_length(8));
  expect_bad_text("", "no vectors in the input");
}
