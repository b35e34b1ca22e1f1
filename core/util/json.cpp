#include "util/json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "util/error.h"

namespace kd {

// ---- value access ----

const char* Json::type_name() const {
  switch (type_) {
    case Type::Null: return "null";
    case Type::Bool: return "bool";
    case Type::Number: return "number";
    case Type::String: return "string";
    case Type::Array: return "array";
    case Type::Object: return "object";
  }
  return "?";
}

namespace {
[[noreturn]] void wrong_type(const char* expected, const Json& j) {
  throw ValueError(str("JSON: expected ", expected, ", got ", j.type_name()));
}
}  // namespace

bool Json::is_integer() const {
  if (type_ != Type::Number) return false;
  if (is_int_) return true;
  // 2^63 is exactly representable as a double but not as int64, hence the strict upper bound.
  return std::isfinite(number_) && number_ == std::floor(number_) && number_ >= -9223372036854775808.0 &&
         number_ < 9223372036854775808.0;
}

bool Json::as_bool() const {
  if (type_ != Type::Bool) wrong_type("bool", *this);
  return bool_;
}
double Json::as_double() const {
  if (type_ != Type::Number) wrong_type("number", *this);
  return number_;
}
int64_t Json::as_int() const {
  if (type_ != Type::Number) wrong_type("integer", *this);
  if (is_int_) return int_;
  KD_CHECK(is_integer(), ValueError, "JSON: expected integer, got ", dump());
  return static_cast<int64_t>(number_);
}
const std::string& Json::as_string() const {
  if (type_ != Type::String) wrong_type("string", *this);
  return string_;
}
const Json::Array& Json::as_array() const {
  if (type_ != Type::Array) wrong_type("array", *this);
  return array_;
}
Json::Array& Json::as_array() {
  if (type_ != Type::Array) wrong_type("array", *this);
  return array_;
}
const Json::Object& Json::as_object() const {
  if (type_ != Type::Object) wrong_type("object", *this);
  return object_;
}
Json::Object& Json::as_object() {
  if (type_ != Type::Object) wrong_type("object", *this);
  return object_;
}

size_t Json::size() const {
  if (type_ == Type::Array) return array_.size();
  if (type_ == Type::Object) return object_.size();
  return 0;
}

const Json& Json::operator[](size_t index) const {
  const Array& a = as_array();
  KD_CHECK(index < a.size(), ValueError, "JSON: array index ", index, " out of range for size ", a.size());
  return a[index];
}

const Json* Json::find(std::string_view key) const {
  for (const auto& member : as_object())
    if (member.first == key) return &member.second;
  return nullptr;
}

const Json& Json::at(std::string_view key) const {
  const Json* j = find(key);
  KD_CHECK(j != nullptr, ValueError, "JSON: no key \"", key, "\"");
  return *j;
}

void Json::push_back(Json value) { as_array().push_back(std::move(value)); }

Json& Json::set(std::string key, Json value) {
  Object& o = as_object();
  for (auto& member : o)
    if (member.first == key) return member.second = std::move(value);
  o.emplace_back(std::move(key), std::move(value));
  return o.back().second;
}

bool Json::operator==(const Json& other) const {
  if (type_ != other.type_) return false;
  switch (type_) {
    case Type::Null: return true;
    case Type::Bool: return bool_ == other.bool_;
    case Type::Number:
      if (is_int_ && other.is_int_) return int_ == other.int_;
      return number_ == other.number_;
    case Type::String: return string_ == other.string_;
    case Type::Array: return array_ == other.array_;
    case Type::Object: return object_ == other.object_;
  }
  return false;
}

// ---- parser ----

class JsonParser {
 public:
  JsonParser(std::string_view text, const JsonLimits& limits) : s_(text), limits_(limits) {}

  Json parse_document() {
    if (s_.size() > limits_.max_size)
      throw ValueError(str("JSON: input of ", s_.size(), " bytes exceeds the limit of ", limits_.max_size, " bytes"));
    skip_ws();
    Json value = parse_value(0);
    skip_ws();
    if (pos_ != s_.size()) fail("unexpected trailing characters after the value");
    return value;
  }

 private:
  std::string_view s_;
  JsonLimits limits_;
  size_t pos_ = 0;

  [[noreturn]] void fail(const std::string& what) const { fail_at(what, pos_); }
  [[noreturn]] void fail_at(const std::string& what, size_t at) const {
    throw ValueError(str("JSON: ", what, " at byte ", at));
  }

  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[pos_]; }

  std::string describe_here() const {
    if (at_end()) return "end of input";
    unsigned char c = static_cast<unsigned char>(s_[pos_]);
    if (c >= 0x20 && c < 0x7f) return str("'", s_[pos_], "'");
    char buf[16];
    std::snprintf(buf, sizeof(buf), "byte 0x%02x", c);
    return buf;
  }

  void skip_ws() {
    while (!at_end()) {
      char c = s_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') ++pos_;
      else break;
    }
  }

  void expect_literal(const char* word) {
    size_t n = std::strlen(word);
    if (s_.substr(pos_, n) != word) fail(str("invalid literal (expected '", word, "')"));
    pos_ += n;
  }

  Json parse_value(size_t depth) {
    if (at_end()) fail("unexpected end of input, expected a value");
    char c = s_[pos_];
    switch (c) {
      case '{': return parse_object(depth + 1);
      case '[': return parse_array(depth + 1);
      case '"': return Json(parse_string());
      case 't': expect_literal("true"); return Json(true);
      case 'f': expect_literal("false"); return Json(false);
      case 'n': expect_literal("null"); return Json();
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number();
        fail(str("unexpected ", describe_here(), ", expected a value"));
    }
  }

  void check_depth(size_t depth) {
    if (depth > limits_.max_depth) fail(str("nesting deeper than the limit of ", limits_.max_depth));
  }

  Json parse_array(size_t depth) {
    check_depth(depth);
    ++pos_;  // '['
    Json out = Json::array();
    skip_ws();
    if (peek() == ']') { ++pos_; return out; }
    for (;;) {
      skip_ws();
      out.array_.push_back(parse_value(depth));
      skip_ws();
      if (peek() == ',') { ++pos_; skip_ws(); if (peek() == ']') fail("trailing comma in array"); continue; }
      if (peek() == ']') { ++pos_; return out; }
      fail(str("expected ',' or ']' in array, got ", describe_here()));
    }
  }

  Json parse_object(size_t depth) {
    check_depth(depth);
    ++pos_;  // '{'
    Json out = Json::object();
    std::unordered_set<std::string> seen;
    skip_ws();
    if (peek() == '}') { ++pos_; return out; }
    for (;;) {
      skip_ws();
      if (peek() != '"') fail(str("expected a string key in object, got ", describe_here()));
      size_t key_at = pos_;
      std::string key = parse_string();
      if (!seen.insert(key).second) fail_at(str("duplicate key \"", key, "\""), key_at);
      skip_ws();
      if (peek() != ':') fail(str("expected ':' after object key, got ", describe_here()));
      ++pos_;
      skip_ws();
      Json value = parse_value(depth);
      out.object_.emplace_back(std::move(key), std::move(value));
      skip_ws();
      if (peek() == ',') { ++pos_; skip_ws(); if (peek() == '}') fail("trailing comma in object"); continue; }
      if (peek() == '}') { ++pos_; return out; }
      fail(str("expected ',' or '}' in object, got ", describe_here()));
    }
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  uint32_t parse_hex4() {
    if (pos_ + 4 > s_.size()) fail("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
      else fail_at("invalid hex digit in \\u escape", pos_ - 1);
    }
    return v;
  }

  // Copies one UTF-8 encoded character starting at pos_, rejecting overlong forms, surrogates
  // and code points above U+10FFFF.
  void copy_utf8(std::string& out) {
    size_t start = pos_;
    unsigned char c = static_cast<unsigned char>(s_[pos_]);
    int extra;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) { extra = 1; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { extra = 2; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { extra = 3; cp = c & 0x07; }
    else fail("invalid UTF-8 in string");
    if (pos_ + 1 + extra > s_.size()) fail("truncated UTF-8 sequence in string");
    for (int i = 1; i <= extra; ++i) {
      unsigned char cc = static_cast<unsigned char>(s_[pos_ + i]);
      if ((cc & 0xC0) != 0x80) fail("invalid UTF-8 in string");
      cp = (cp << 6) | (cc & 0x3F);
    }
    static const uint32_t kMin[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail("invalid UTF-8 in string");
    out.append(s_.substr(start, static_cast<size_t>(extra) + 1));
    pos_ += static_cast<size_t>(extra) + 1;
  }

  std::string parse_string() {
    size_t start = pos_;
    ++pos_;  // opening quote
    std::string out;
    for (;;) {
      if (at_end()) fail_at("unterminated string", start);
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') { ++pos_; return out; }
      if (c < 0x20) fail("unescaped control character in string");
      if (c >= 0x80) { copy_utf8(out); continue; }
      if (c != '\\') { out += static_cast<char>(c); ++pos_; continue; }
      ++pos_;
      if (at_end()) fail_at("unterminated string", start);
      char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          size_t esc_at = pos_ - 2;
          uint32_t cp = parse_hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) fail_at("unpaired low surrogate in \\u escape", esc_at);
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (s_.substr(pos_, 2) != "\\u") fail_at("unpaired high surrogate in \\u escape", esc_at);
            pos_ += 2;
            uint32_t lo = parse_hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) fail_at("unpaired high surrogate in \\u escape", esc_at);
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default: fail_at(str("invalid escape '\\", e, "' in string"), pos_ - 2);
      }
    }
  }

  Json parse_number() {
    size_t start = pos_;
    bool integral = true;
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
      if (peek() >= '0' && peek() <= '9') fail_at("leading zero in number", start);
    } else if (peek() >= '1' && peek() <= '9') {
      while (peek() >= '0' && peek() <= '9') ++pos_;
    } else {
      fail("expected a digit in number");
    }
    if (peek() == '.') {
      integral = false;
      ++pos_;
      if (!(peek() >= '0' && peek() <= '9')) fail("expected a digit after the decimal point");
      while (peek() >= '0' && peek() <= '9') ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!(peek() >= '0' && peek() <= '9')) fail("expected a digit in the exponent");
      while (peek() >= '0' && peek() <= '9') ++pos_;
    }
    std::string literal(s_.substr(start, pos_ - start));
    // The grammar above has been checked, so strtod (C locale, as the core never calls
    // setlocale) reads exactly this literal.
    double d = std::strtod(literal.c_str(), nullptr);
    if (!std::isfinite(d)) fail_at(str("number ", literal, " is out of range"), start);
    Json out(d);
    if (integral) {
      // Exact int64 when it fits: accumulate negatively so INT64_MIN is representable.
      bool neg = literal[0] == '-';
      int64_t acc = 0;
      bool fits = true;
      for (size_t i = neg ? 1 : 0; i < literal.size(); ++i) {
        int digit = literal[i] - '0';
        if (acc < (std::numeric_limits<int64_t>::min() + digit) / 10) { fits = false; break; }
        acc = acc * 10 - digit;
      }
      if (fits && !neg && acc == std::numeric_limits<int64_t>::min()) fits = false;
      if (fits) {
        out.int_ = neg ? acc : -acc;
        out.is_int_ = true;
      }
    }
    return out;
  }
};

Json parse_json(std::string_view text, const JsonLimits& limits) { return JsonParser(text, limits).parse_document(); }

// ---- serializer ----

namespace {

void dump_string(std::string& out, const std::string& s) {
  out += '"';
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void dump_number(std::string& out, double d) {
  KD_CHECK(std::isfinite(d), ValueError, "JSON: cannot serialize a non-finite number (", d, ")");
  char buf[32];
  // The shortest of %.15g, %.16g, %.17g that reads back to the same double.
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  out += buf;
}

void newline(std::string& out, int indent, int level) {
  if (indent < 0) return;
  out += '\n';
  out.append(static_cast<size_t>(indent) * static_cast<size_t>(level), ' ');
}

void dump_value(std::string& out, const Json& j, int indent, int level) {
  switch (j.type()) {
    case Json::Type::Null: out += "null"; return;
    case Json::Type::Bool: out += j.as_bool() ? "true" : "false"; return;
    case Json::Type::Number:
      // An integer (exact int64, or an integral double, which int64 then holds exactly) is
      // written without exponent; -0.0 keeps its sign.
      if (j.as_double() == 0 && std::signbit(j.as_double())) out += "-0.0";
      else if (j.is_integer()) out += std::to_string(j.as_int());
      else dump_number(out, j.as_double());
      return;
    case Json::Type::String: dump_string(out, j.as_string()); return;
    case Json::Type::Array: {
      const auto& a = j.as_array();
      out += '[';
      for (size_t i = 0; i < a.size(); ++i) {
        if (i) out += ',';
        newline(out, indent, level + 1);
        dump_value(out, a[i], indent, level + 1);
      }
      if (!a.empty()) newline(out, indent, level);
      out += ']';
      return;
    }
    case Json::Type::Object: {
      const auto& o = j.as_object();
      out += '{';
      for (size_t i = 0; i < o.size(); ++i) {
        if (i) out += ',';
        newline(out, indent, level + 1);
        dump_string(out, o[i].first);
        out += indent < 0 ? ":" : ": ";
        dump_value(out, o[i].second, indent, level + 1);
      }
      if (!o.empty()) newline(out, indent, level);
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string Json::dump(int indent) const {
  std::string out;
  dump_value(out, *this, indent, 0);
  return out;
}

}  // namespace kd
