// Built-in modules by class name, from their options as JSON: how the JS layer builds them
// (and how a model could be built from a config file).
//
// `options` has PyTorch's keyword names ({"in_features": 3, "out_features": 2}); an absent key
// takes the module's default, which lives only in its options (the `fields` lists, read by
// util/option_fields.h); unknown keys and wrong types raise ValueError, a missing required
// option TypeError (as Python's missing argument). Options that are tensors (a loss's weight
// and pos_weight, an embedding's _weight) come in `tensors` under those names. A module's
// options read back with Module::options_json().
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nn/embedding.h"
#include "nn/module.h"

namespace kd::nn {

ModulePtr make_module(const std::string& type, const Json& options, const NamedTensors& tensors = {});

// Embedding.from_pretrained(embeddings, **options) with EmbeddingFromPretrainedOptions' keys.
std::shared_ptr<Embedding> embedding_from_pretrained(const Tensor& embeddings, const Json& options);

// The class names make_module knows.
std::vector<std::string> module_types();

}  // namespace kd::nn
