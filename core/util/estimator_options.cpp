#include "util/estimator_options.h"

#include <cmath>

#include "util/error.h"

namespace kd {

EstimatorOptionReader::EstimatorOptionReader(const Json& json, const char* estimator)
    : json_(json), estimator_(estimator) {
  KD_CHECK(json.is_object(), ValueError, estimator, " options must be a JSON object, got ", json.type_name());
}

const Json* EstimatorOptionReader::find(const char* key) {
  seen_.emplace_back(key);
  return json_.find(key);
}

void EstimatorOptionReader::number(const char* key, double& out) {
  const Json* v = find(key);
  if (!v) return;
  KD_CHECK(v->is_number(), ValueError, estimator_, " option \"", key, "\" must be a number, got ", v->type_name());
  out = v->as_double();
}

void EstimatorOptionReader::integer(const char* key, int64_t& out) {
  const Json* v = find(key);
  if (!v) return;
  KD_CHECK(v->is_integer(), ValueError, estimator_, " option \"", key, "\" must be an integer, got ",
           v->is_number() ? Json(v->as_double()).dump() : std::string(v->type_name()));
  out = v->as_int();
}

void EstimatorOptionReader::optional_integer(const char* key, std::optional<int64_t>& out) {
  const Json* v = find(key);
  if (!v) return;
  if (v->is_null()) {
    out.reset();
    return;
  }
  KD_CHECK(v->is_integer(), ValueError, estimator_, " option \"", key, "\" must be an integer or null, got ",
           v->is_number() ? Json(v->as_double()).dump() : std::string(v->type_name()));
  out = v->as_int();
}

void EstimatorOptionReader::number_or_auto(const char* key, std::optional<double>& out) {
  const Json* v = find(key);
  if (!v) return;
  if (v->is_string() && v->as_string() == "auto") {
    out.reset();
    return;
  }
  KD_CHECK(v->is_number(), ValueError, estimator_, " option \"", key, "\" must be a number or \"auto\", got ",
           v->is_string() ? Json(v->as_string()).dump() : std::string(v->type_name()));
  out = v->as_double();
}

void EstimatorOptionReader::choice(const char* key, std::string& out, std::initializer_list<const char*> allowed) {
  const Json* v = find(key);
  if (!v) return;
  std::string expected;
  for (const char* a : allowed) expected += (expected.empty() ? "\"" : ", \"") + std::string(a) + "\"";
  KD_CHECK(v->is_string(), ValueError, estimator_, " option \"", key, "\" must be one of ", expected, ", got ",
           v->type_name());
  for (const char* a : allowed) {
    if (v->as_string() == a) {
      out = a;
      return;
    }
  }
  throw ValueError(str(estimator_, " option \"", key, "\" must be one of ", expected, ", got \"", v->as_string(), "\""));
}

void EstimatorOptionReader::finish() const {
  for (const auto& kv : json_.as_object()) {
    bool known = false;
    for (const std::string& k : seen_) known = known || k == kv.first;
    KD_CHECK(known, ValueError, estimator_, " has no option named \"", kv.first, "\"");
  }
}

}  // namespace kd
