#include "util/option_fields.h"

#include <cmath>

#include "util/error.h"

namespace kd {

OptionReader::OptionReader(const Json& json, const char* owner, bool require_all)
    : json_(json), owner_(owner), require_all_(require_all) {
  KD_CHECK(json.is_object(), ValueError, owner, " options must be a JSON object, got ", json.type_name());
}

const Json* OptionReader::find(const char* key) {
  seen_.emplace_back(key);
  const Json* value = json_.find(key);
  KD_CHECK(value != nullptr || !require_all_, ValueError, owner_, " param group is missing the option \"", key, "\"");
  return value;
}

void OptionReader::number(const char* key, double& out) {
  const Json* v = find(key);
  if (!v) return;
  KD_CHECK(v->is_number(), ValueError, owner_, " option \"", key, "\" must be a number, got ", v->type_name());
  out = v->as_double();
}

void OptionReader::integer(const char* key, int64_t& out) {
  const Json* v = find(key);
  if (!v) return;
  KD_CHECK(v->is_integer(), ValueError, owner_, " option \"", key, "\" must be an integer, got ",
           v->is_number() ? Json(v->as_double()).dump() : std::string(v->type_name()));
  out = v->as_int();
}

void OptionReader::optional_integer(const char* key, std::optional<int64_t>& out) {
  const Json* v = find(key);
  if (!v) return;
  if (v->is_null()) {
    out.reset();
    return;
  }
  KD_CHECK(v->is_integer(), ValueError, owner_, " option \"", key, "\" must be an integer or null, got ",
           v->is_number() ? Json(v->as_double()).dump() : std::string(v->type_name()));
  out = v->as_int();
}

void OptionReader::number_or_auto(const char* key, std::optional<double>& out) {
  const Json* v = find(key);
  if (!v) return;
  if (v->is_string() && v->as_string() == "auto") {
    out.reset();
    return;
  }
  KD_CHECK(v->is_number(), ValueError, owner_, " option \"", key, "\" must be a number or \"auto\", got ",
           v->is_string() ? Json(v->as_string()).dump() : std::string(v->type_name()));
  out = v->as_double();
}

void OptionReader::string(const char* key, std::string& out) {
  const Json* v = find(key);
  if (!v) return;
  KD_CHECK(v->is_string(), ValueError, owner_, " option \"", key, "\" must be a string, got ", v->type_name());
  out = v->as_string();
}

void OptionReader::choice(const char* key, std::string& out, std::initializer_list<const char*> allowed) {
  const Json* v = find(key);
  if (!v) return;
  std::string expected;
  for (const char* a : allowed) expected += (expected.empty() ? "\"" : ", \"") + std::string(a) + "\"";
  KD_CHECK(v->is_string(), ValueError, owner_, " option \"", key, "\" must be one of ", expected, ", got ",
           v->type_name());
  for (const char* a : allowed) {
    if (v->as_string() == a) {
      out = a;
      return;
    }
  }
  throw ValueError(str(owner_, " option \"", key, "\" must be one of ", expected, ", got \"", v->as_string(), "\""));
}

void OptionReader::boolean(const char* key, bool& out) {
  const Json* v = find(key);
  if (!v) return;
  KD_CHECK(v->is_bool(), ValueError, owner_, " option \"", key, "\" must be a boolean, got ", v->type_name());
  out = v->as_bool();
}

void OptionReader::optional_number(const char* key, std::optional<double>& out) {
  const Json* v = find(key);
  if (!v) return;
  if (v->is_null()) {
    out.reset();
    return;
  }
  KD_CHECK(v->is_number(), ValueError, owner_, " option \"", key, "\" must be a number or null, got ", v->type_name());
  out = v->as_double();
}

void OptionReader::int_list(const char* key, Shape& out) {
  const Json* v = find(key);
  if (!v) return;
  KD_CHECK(v->is_array(), ValueError, owner_, " option \"", key, "\" must be a list of integers, got ", v->type_name());
  Shape values;
  for (const Json& e : v->as_array()) {
    KD_CHECK(e.is_integer(), ValueError, owner_, " option \"", key, "\" must be a list of integers");
    values.push_back(e.as_int());
  }
  out = values;
}

void OptionReader::number_pair(const char* key, std::pair<double, double>& out) {
  const Json* v = find(key);
  if (!v) return;
  KD_CHECK(v->is_array() && v->size() == 2 && (*v)[0].is_number() && (*v)[1].is_number(), ValueError, owner_,
           " option \"", key, "\" must be a list of two numbers");
  out = {(*v)[0].as_double(), (*v)[1].as_double()};
}

void OptionReader::finish() const {
  for (const auto& kv : json_.as_object()) {
    bool known = false;
    for (const std::string& k : seen_) known = known || k == kv.first;
    KD_CHECK(known, ValueError, owner_, " has no option named \"", kv.first, "\"");
  }
}

}  // namespace kd
