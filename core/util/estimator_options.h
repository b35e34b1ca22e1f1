// Options of the estimators (PCA, TSNE, neighbors) as JSON, with sklearn's snake_case keys.
//
// As with the optimizers (optim/optimizer.h), an options struct lists its fields once, in a
// `fields(visitor)` member, with its defaults as member initializers; these two visitors turn
// that one list into from_json and to_json, so the JS layer never writes a default:
//
//   struct PCAOptions {
//     std::optional<int64_t> n_components;            // null: all components
//     template <typename V> void fields(V& v) { v.optional_integer("n_components", n_components); }
//   };
//
// read_estimator_options(json, "TSNE", opts) reads into a copy and assigns only when every key
// was valid, so an error changes nothing. Unknown keys and wrong types are ValueErrors naming
// the estimator and the key; range checks belong to the struct's own validate().
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "util/json.h"

namespace kd {

class EstimatorOptionReader {
 public:
  EstimatorOptionReader(const Json& json, const char* estimator);
  void number(const char* key, double& out);
  void integer(const char* key, int64_t& out);
  void optional_integer(const char* key, std::optional<int64_t>& out);  // null allowed
  // A number, or the string "auto" (stored as nullopt).
  void number_or_auto(const char* key, std::optional<double>& out);
  // One of `allowed`, e.g. metric: "euclidean" | "cosine".
  void choice(const char* key, std::string& out, std::initializer_list<const char*> allowed);
  // Rejects keys no field asked for.
  void finish() const;

 private:
  const Json* find(const char* key);
  const Json& json_;
  const char* estimator_;
  std::vector<std::string> seen_;
};

class EstimatorOptionWriter {
 public:
  void number(const char* key, double value) { out_.set(key, value); }
  void integer(const char* key, int64_t value) { out_.set(key, value); }
  void optional_integer(const char* key, const std::optional<int64_t>& value) {
    out_.set(key, value ? Json(*value) : Json(nullptr));
  }
  void number_or_auto(const char* key, const std::optional<double>& value) {
    out_.set(key, value ? Json(*value) : Json("auto"));
  }
  void choice(const char* key, const std::string& value, std::initializer_list<const char*>) { out_.set(key, value); }
  Json take() { return std::move(out_); }

 private:
  Json out_ = Json::object();
};

template <typename Options>
Json estimator_options_to_json(const Options& options) {
  Options copy = options;
  EstimatorOptionWriter writer;
  copy.fields(writer);
  return writer.take();
}

// Reads the keys present in `json` over `options` (absent keys keep their value), then runs
// validate(); on any error `options` is unchanged.
template <typename Options>
void read_estimator_options(const Json& json, const char* estimator, Options& options) {
  Options next = options;
  EstimatorOptionReader reader(json, estimator);
  next.fields(reader);
  reader.finish();
  next.validate();
  options = next;
}

}  // namespace kd
