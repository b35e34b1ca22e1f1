// Options structs as JSON, from one list of their fields.
//
// An options struct (or a module whose settings are plain members) lists its fields once, in
// PyTorch's / sklearn's key order, in a `fields(visitor)` member, with its defaults as member
// initializers; OptionReader and OptionWriter turn that one list into from-JSON and to-JSON,
// so the JS layer never writes a default:
//
//   struct PCAOptions {
//     std::optional<int64_t> n_components;            // null: all components
//     template <typename V> void fields(V& v) { v.optional_integer("n_components", n_components); }
//   };
//
// read_fields(json, "TSNE", opts) reads into a copy and assigns only when every key was valid,
// so an error changes nothing. Absent keys keep their value; unknown keys and wrong types are
// ValueErrors naming the owner and the key. Range checks belong to the owner (a validate(), or
// the constructor the options are given to). Used by the estimators (util/estimator_options.h),
// the nn modules (nn/factory.h) and the optimizers (optim/optimizer.h, where a param group's
// options must all be present: require_all).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/error.h"
#include "util/json.h"
#include "util/shape.h"

namespace kd {

class OptionReader {
 public:
  // require_all: a key the fields ask for and `json` lacks raises (an optimizer's param group).
  OptionReader(const Json& json, const char* owner, bool require_all = false);
  void number(const char* key, double& out);
  void integer(const char* key, int64_t& out);
  void boolean(const char* key, bool& out);
  void optional_integer(const char* key, std::optional<int64_t>& out);  // null allowed
  void optional_number(const char* key, std::optional<double>& out);    // null allowed
  // A number, or the string "auto" (stored as nullopt).
  void number_or_auto(const char* key, std::optional<double>& out);
  // Any string (a name the owner checks itself).
  void string(const char* key, std::string& out);
  // One of `allowed`, e.g. metric: "euclidean" | "cosine".
  void choice(const char* key, std::string& out, std::initializer_list<const char*> allowed);
  // An enum by name, e.g. reduction: "none" | "mean" | "sum".
  template <typename E>
  void enumeration(const char* key, E& out, std::initializer_list<std::pair<const char*, E>> names) {
    const Json* v = find(key);
    if (!v) return;
    std::string expected;
    for (const auto& n : names) expected += (expected.empty() ? "\"" : ", \"") + std::string(n.first) + "\"";
    KD_CHECK(v->is_string(), ValueError, owner_, " option \"", key, "\" must be one of ", expected, ", got ", v->type_name());
    for (const auto& n : names)
      if (v->as_string() == n.first) {
        out = n.second;
        return;
      }
    throw ValueError(str(owner_, " option \"", key, "\" must be one of ", expected, ", got \"", v->as_string(), "\""));
  }
  // A list of integers (a shape).
  void int_list(const char* key, Shape& out);
  // Two numbers, e.g. Adam's betas.
  void number_pair(const char* key, std::pair<double, double>& out);
  // Rejects keys no field asked for.
  void finish() const;

 private:
  const Json* find(const char* key);
  const Json& json_;
  const char* owner_;
  bool require_all_;
  std::vector<std::string> seen_;
};

class OptionWriter {
 public:
  void number(const char* key, double value) { out_.set(key, value); }
  void integer(const char* key, int64_t value) { out_.set(key, value); }
  void boolean(const char* key, bool value) { out_.set(key, value); }
  void optional_integer(const char* key, const std::optional<int64_t>& value) {
    out_.set(key, value ? Json(*value) : Json(nullptr));
  }
  void optional_number(const char* key, const std::optional<double>& value) {
    out_.set(key, value ? Json(*value) : Json(nullptr));
  }
  void number_or_auto(const char* key, const std::optional<double>& value) {
    out_.set(key, value ? Json(*value) : Json("auto"));
  }
  void string(const char* key, const std::string& value) { out_.set(key, value); }
  void choice(const char* key, const std::string& value, std::initializer_list<const char*>) { out_.set(key, value); }
  template <typename E>
  void enumeration(const char* key, const E& value, std::initializer_list<std::pair<const char*, E>> names) {
    for (const auto& n : names)
      if (n.second == value) out_.set(key, n.first);
  }
  void number_pair(const char* key, const std::pair<double, double>& value) {
    out_.set(key, Json::Array{value.first, value.second});
  }
  void int_list(const char* key, const Shape& value) {
    Json::Array a;
    for (int64_t d : value) a.emplace_back(d);
    out_.set(key, Json(std::move(a)));
  }
  Json take() { return std::move(out_); }

 private:
  Json out_ = Json::object();
};

// The fields of `object` as a JSON object. (`fields` takes a visitor by reference and the
// writer only reads, so a const object is visited through a cast.)
template <typename T>
Json fields_to_json(const T& object) {
  OptionWriter writer;
  const_cast<T&>(object).fields(writer);
  return writer.take();
}

// Reads the keys present in `json` over `object`'s fields (absent keys keep their value);
// on any error `object` is unchanged.
template <typename T>
void read_fields(const Json& json, const char* owner, T& object) {
  T next = object;
  OptionReader reader(json, owner);
  next.fields(reader);
  reader.finish();
  object = next;
}

}  // namespace kd
