// Options of the estimators (PCA, TSNE, neighbors) as JSON, with sklearn's snake_case keys:
// the struct's one list of fields (util/option_fields.h), then its own validate().
#pragma once

#include "util/option_fields.h"

namespace kd {

template <typename Options>
Json estimator_options_to_json(const Options& options) {
  return fields_to_json(options);
}

// Reads the keys present in `json` over `options` (absent keys keep their value), then runs
// validate(); on any error `options` is unchanged.
template <typename Options>
void read_estimator_options(const Json& json, const char* estimator, Options& options) {
  Options next = options;
  read_fields(json, estimator, next);
  next.validate();
  options = next;
}

}  // namespace kd
