// A small, strict JSON value type, parser and serializer (RFC 8259).
//
// Used for safetensors headers and for the golden test fixtures. Strict means: no comments, no
// trailing commas, no NaN/Infinity, no leading zeros, no duplicate object keys, no control
// characters or invalid UTF-8 inside strings, nothing but whitespace after the value. Every
// rejection is a kd::ValueError whose message gives the byte offset ("JSON: ... at byte 17").
// Parsing is bounded by JsonLimits (nesting depth and input size) so a hostile header cannot
// exhaust the stack or memory; the parser is recursive, but only to max_depth.
//
// Objects keep their keys in document order (a vector of pairs): safetensors headers and
// fixtures are read back in the order they were written. Look-up is linear, which is fine for
// the sizes these files have.
//
// Numbers are doubles; a number written without fraction or exponent that fits in int64 also
// keeps its exact int64 value (tensor offsets above 2^53 survive a round trip).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kd {

class Json {
 public:
  enum class Type { Null, Bool, Number, String, Array, Object };
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;

  Json() = default;  // null
  Json(std::nullptr_t) {}  // NOLINT: implicit, as in `obj.set("x", nullptr)`
  Json(bool b) : type_(Type::Bool), bool_(b) {}  // NOLINT
  Json(double d) : type_(Type::Number), number_(d) {}  // NOLINT
  Json(int64_t i) : type_(Type::Number), number_(static_cast<double>(i)), int_(i), is_int_(true) {}  // NOLINT
  Json(int i) : Json(static_cast<int64_t>(i)) {}  // NOLINT
  Json(const char* s) : type_(Type::String), string_(s) {}  // NOLINT
  Json(std::string s) : type_(Type::String), string_(std::move(s)) {}  // NOLINT
  Json(Array a) : type_(Type::Array), array_(std::move(a)) {}  // NOLINT
  Json(Object o) : type_(Type::Object), object_(std::move(o)) {}  // NOLINT
  static Json array() { return Json(Array{}); }
  static Json object() { return Json(Object{}); }

  Type type() const { return type_; }
  const char* type_name() const;
  bool is_null() const { return type_ == Type::Null; }
  bool is_bool() const { return type_ == Type::Bool; }
  bool is_number() const { return type_ == Type::Number; }
  // A number whose value is an integer representable exactly as int64.
  bool is_integer() const;
  bool is_string() const { return type_ == Type::String; }
  bool is_array() const { return type_ == Type::Array; }
  bool is_object() const { return type_ == Type::Object; }

  // Accessors raise ValueError naming the expected and the actual type.
  bool as_bool() const;
  double as_double() const;
  int64_t as_int() const;  // requires is_integer()
  const std::string& as_string() const;
  const Array& as_array() const;
  Array& as_array();
  const Object& as_object() const;
  Object& as_object();

  // Elements of an array or members of an object (0 for scalars).
  size_t size() const;
  // Array element, ValueError when out of range.
  const Json& operator[](size_t index) const;
  // Object member, ValueError ("JSON: no key \"x\"") when missing.
  const Json& at(std::string_view key) const;
  const Json& operator[](std::string_view key) const { return at(key); }
  // Object member or nullptr.
  const Json* find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }

  // Builders. push_back appends to an array; set replaces an existing key or appends a new one.
  void push_back(Json value);
  Json& set(std::string key, Json value);

  // Serializes: compact when indent < 0, else pretty with `indent` spaces per level. Doubles
  // are written with the fewest digits that read back to the same double; NaN and infinities
  // raise ValueError (JSON has no spelling for them).
  std::string dump(int indent = -1) const;

  bool operator==(const Json& other) const;
  bool operator!=(const Json& other) const { return !(*this == other); }

 private:
  friend class JsonParser;
  Type type_ = Type::Null;
  bool bool_ = false;
  double number_ = 0;
  int64_t int_ = 0;
  bool is_int_ = false;  // int_ holds the exact value
  std::string string_;
  Array array_;
  Object object_;
};

struct JsonLimits {
  size_t max_depth = 128;               // nested arrays/objects
  size_t max_size = size_t(64) << 20;   // bytes of input
};

// Parses exactly one JSON value (surrounded by optional whitespace) or throws kd::ValueError.
Json parse_json(std::string_view text, const JsonLimits& limits = {});

}  // namespace kd
