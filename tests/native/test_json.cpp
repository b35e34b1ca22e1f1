// The strict JSON parser and serializer (core/util/json.h).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "util/error.h"
#include "util/json.h"

using kd::Json;
using kd::parse_json;

namespace {

// The ValueError message for `text`, or "" when it parses.
std::string parse_error(const std::string& text, const kd::JsonLimits& limits = {}) {
  try {
    parse_json(text, limits);
  } catch (const kd::Error& e) {
    CHECK(e.kind() == kd::ErrorKind::Value);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("json: scalars", "[json]") {
  CHECK(parse_json("null").is_null());
  CHECK(parse_json("true").as_bool() == true);
  CHECK(parse_json(" false ").as_bool() == false);
  CHECK(parse_json("\"hi\"").as_string() == "hi");
  CHECK(parse_json("0").as_int() == 0);
  CHECK(parse_json("-12").as_int() == -12);
  CHECK(parse_json("1.5").as_double() == 1.5);
  CHECK(parse_json("-2.5e-3").as_double() == -2.5e-3);
  CHECK(parse_json("1E2").as_double() == 100.0);
  CHECK(parse_json("1e2").is_integer());  // integral value, though written with an exponent
  CHECK(parse_json("1e2").as_int() == 100);
  CHECK_FALSE(parse_json("1.25").is_integer());
  CHECK_THROWS_AS(parse_json("1.25").as_int(), kd::ValueError);
  CHECK_THROWS_AS(parse_json("\"x\"").as_double(), kd::ValueError);
}

TEST_CASE("json: int64 values are exact beyond 2^53", "[json]") {
  CHECK(parse_json("9007199254740993").as_int() == 9007199254740993LL);  // 2^53 + 1
  CHECK(parse_json("9223372036854775807").as_int() == std::numeric_limits<int64_t>::max());
  CHECK(parse_json("-9223372036854775808").as_int() == std::numeric_limits<int64_t>::min());
  // One past int64 is still a valid JSON number, just not an exact integer.
  Json big = parse_json("9223372036854775808");
  CHECK(big.as_double() == 9223372036854775808.0);
  CHECK_FALSE(big.is_integer());
  CHECK(Json(int64_t(9007199254740993LL)).dump() == "9007199254740993");
  CHECK(parse_json("[18446744073709551615]").dump() == "[1.8446744073709552e+19]");
}

TEST_CASE("json: arrays and objects keep order", "[json]") {
  Json j = parse_json(R"( {"b": [1, 2, {"c": null}], "a": {"x": "y"}, "": true} )");
  REQUIRE(j.is_object());
  REQUIRE(j.size() == 3);
  CHECK(j.as_object()[0].first == "b");
  CHECK(j.as_object()[1].first == "a");
  CHECK(j.as_object()[2].first == "");
  CHECK(j["b"].size() == 3);
  CHECK(j["b"][1].as_int() == 2);
  CHECK(j["b"][2]["c"].is_null());
  CHECK(j["a"]["x"].as_string() == "y");
  CHECK(j.contains("a"));
  CHECK_FALSE(j.contains("z"));
  CHECK(j.find("z") == nullptr);
  CHECK_THROWS_WITH(j.at("z"), Catch::Contains("no key \"z\""));
  CHECK_THROWS_WITH(j["b"][7], Catch::Contains("index 7 out of range"));
  CHECK(parse_json("[]").size() == 0);
  CHECK(parse_json("{}").size() == 0);
  CHECK(j.dump() == R"({"b":[1,2,{"c":null}],"a":{"x":"y"},"":true})");
}

TEST_CASE("json: string escapes and UTF-8", "[json]") {
  CHECK(parse_json(R"("a\"b\\c\/d\b\f\n\r\t")").as_string() == "a\"b\\c/d\b\f\n\r\t");
  CHECK(parse_json(R"("\u0041\u00e9\u20ac")").as_string() == "A\xC3\xA9\xE2\x82\xAC");
  CHECK(parse_json(R"("\ud83d\ude00")").as_string() == "\xF0\x9F\x98\x80");  // U+1F600
  CHECK(parse_json("\"caf\xC3\xA9\"").as_string() == "caf\xC3\xA9");
  // Serializer escapes quotes, backslashes and control characters; keeps UTF-8 as is.
  CHECK(Json(std::string("q\"\\\n\x01\xC3\xA9")).dump() == "\"q\\\"\\\\\\n\\u0001\xC3\xA9\"");
}

TEST_CASE("json: malformed input names the byte offset", "[json]") {
  struct Row { const char* text; const char* message; };
  const Row rows[] = {
      {"", "unexpected end of input, expected a value at byte 0"},
      {"   ", "unexpected end of input, expected a value at byte 3"},
      {"[1,]", "trailing comma in array at byte 3"},
      {"{\"a\":1,}", "trailing comma in object at byte 7"},
      {"[1 2]", "expected ',' or ']' in array, got '2' at byte 3"},
      {"{\"a\" 1}", "expected ':' after object key, got '1' at byte 5"},
      {"{a:1}", "expected a string key in object, got 'a' at byte 1"},
      {"{\"a\":1,\"a\":2}", "duplicate key \"a\" at byte 7"},
      {"01", "leading zero in number at byte 0"},
      {"-", "expected a digit in number at byte 1"},
      {"1.", "expected a digit after the decimal point at byte 2"},
      {"1e+", "expected a digit in the exponent at byte 3"},
      {"1e999", "number 1e999 is out of range at byte 0"},
      {"NaN", "unexpected 'N', expected a value at byte 0"},
      {"Infinity", "unexpected 'I', expected a value at byte 0"},
      {"tru", "invalid literal (expected 'true') at byte 0"},
      {"nul1", "invalid literal (expected 'null') at byte 0"},
      {"true false", "unexpected trailing characters after the value at byte 5"},
      {"[1] // c", "unexpected trailing characters after the value at byte 4"},
      {"\"abc", "unterminated string at byte 0"},
      {"\"a\nb\"", "unescaped control character in string at byte 2"},
      {"\"\\x\"", "invalid escape '\\x' in string at byte 1"},
      {"\"\\u12G4\"", "invalid hex digit in \\u escape at byte 5"},
      {"\"\\ud800\"", "unpaired high surrogate in \\u escape at byte 1"},
      {"\"\\udc00\"", "unpaired low surrogate in \\u escape at byte 1"},
      {"\"\xC0\xAF\"", "invalid UTF-8 in string at byte 1"},          // overlong '/'
      {"\"\xED\xA0\x80\"", "invalid UTF-8 in string at byte 1"},      // encoded surrogate
      {"\"\xE2\x82\"", "invalid UTF-8 in string at byte 1"},          // truncated
      {"[\x01]", "unexpected byte 0x01, expected a value at byte 1"},
      {"'a'", "unexpected ''', expected a value at byte 0"},
  };
  for (const Row& row : rows) {
    INFO("input: " << row.text);
    CHECK(parse_error(row.text) == std::string("JSON: ") + row.message);
  }
}

TEST_CASE("json: limits on depth and size", "[json]") {
  kd::JsonLimits limits;
  limits.max_depth = 4;
  CHECK(parse_error("[[[[1]]]]", limits).empty());
  CHECK(parse_error("[[[[[1]]]]]", limits) == "JSON: nesting deeper than the limit of 4 at byte 4");
  CHECK(parse_error("{\"a\":{\"a\":{\"a\":{\"a\":{}}}}}", limits) == "JSON: nesting deeper than the limit of 4 at byte 20");
  // The default depth limit stops a deeply nested input before it can exhaust the stack.
  std::string deep(100000, '[');
  CHECK(parse_error(deep).find("nesting deeper than the limit of 128") != std::string::npos);
  limits = kd::JsonLimits();
  limits.max_size = 8;
  CHECK(parse_error("[1,2,3]", limits).empty());
  CHECK(parse_error("[1,2,3,4]", limits) == "JSON: input of 9 bytes exceeds the limit of 8 bytes");
}

TEST_CASE("json: serializer round-trips", "[json]") {
  Json j = Json::object();
  j.set("name", "w");
  j.set("shape", Json(Json::Array{2, 3}));
  j.set("offsets", Json(Json::Array{int64_t(0), int64_t(1) << 60}));
  j.set("x", 0.1);
  j.set("y", 1.0f / 3.0f);  // a float32 value, written with enough digits to read back exactly
  j.set("tiny", 1e-300);
  j.set("neg0", -0.0);
  j.set("flag", false);
  j.set("none", nullptr);
  j.set("name", "v");  // replaces, keeps position
  CHECK(j.dump() ==
        R"({"name":"v","shape":[2,3],"offsets":[0,1152921504606846976],"x":0.1,"y":0.3333333432674408,)"
        R"("tiny":1e-300,"neg0":-0.0,"flag":false,"none":null})");
  Json back = parse_json(j.dump());
  CHECK(back == j);
  CHECK(static_cast<float>(back["y"].as_double()) == 1.0f / 3.0f);
  CHECK(std::signbit(back["neg0"].as_double()));
  CHECK(back["offsets"][1].as_int() == int64_t(1) << 60);
  CHECK(parse_json(j.dump(2)) == j);
  CHECK(parse_json("[1, {\"a\": []}]").dump(1) == "[\n 1,\n {\n  \"a\": []\n }\n]");
  CHECK_THROWS_WITH(Json(std::numeric_limits<double>::infinity()).dump(), Catch::Contains("non-finite"));
  CHECK_THROWS_WITH(Json(std::nan("")).dump(), Catch::Contains("non-finite"));
}
