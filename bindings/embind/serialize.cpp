// Raw Embind block for kd serialization: safetensors bytes in and out, and pretrained word
// vectors from GloVe / word2vec text. Bytes cross as Uint8Array copies; every body is guarded.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "boundary.h"
#include "convert.h"
#include "serialize/embeddings_text.h"
#include "serialize/safetensors.h"
#include "util/json.h"
#include "util/option_fields.h"

using emscripten::val;
using kd::Tensor;
using kd::wasm::guarded;

namespace {

// names/tensors: parallel arrays; metadata: {key: string} (checked by the JS layer).
val save_safetensors(const val& names, const val& tensors, const val& metadata_keys, const val& metadata_values) {
  std::vector<std::string> keys = emscripten::vecFromJSArray<std::string>(names);
  std::vector<Tensor> values = kd::wasm::tensors_from_js(tensors);
  std::vector<std::string> mk = emscripten::vecFromJSArray<std::string>(metadata_keys);
  std::vector<std::string> mv = emscripten::vecFromJSArray<std::string>(metadata_values);
  return guarded([&] {
    KD_CHECK(keys.size() == values.size(), ValueError, "save_safetensors: ", keys.size(), " names for ",
             values.size(), " tensors");
    kd::NamedTensors named;
    for (size_t i = 0; i < keys.size(); ++i) named.emplace_back(keys[i], values[i]);
    std::map<std::string, std::string> metadata;
    for (size_t i = 0; i < mk.size() && i < mv.size(); ++i) metadata[mk[i]] = mv[i];
    return kd::wasm::bytes_to_js(kd::save_safetensors(named, metadata));
  });
}

// {names, tensors, metadataKeys, metadataValues}, tensors in file order.
val load_safetensors(const val& bytes) {
  std::vector<uint8_t> data = emscripten::convertJSArrayToNumberVector<uint8_t>(bytes);
  return guarded([&] {
    kd::SafetensorsContent content = kd::load_safetensors(data);
    val names = val::array();
    val tensors = val::array();
    for (size_t i = 0; i < content.tensors.size(); ++i) {
      names.set(i, content.tensors[i].first);
      tensors.set(i, content.tensors[i].second);
    }
    val mk = val::array();
    val mv = val::array();
    unsigned i = 0;
    for (const auto& [k, v] : content.metadata) {
      mk.set(i, k);
      mv.set(i, v);
      ++i;
    }
    val out = val::object();
    out.set("names", names);
    out.set("tensors", tensors);
    out.set("metadataKeys", mk);
    out.set("metadataValues", mv);
    return out;
  });
}

// options_json: the options with their C++ names ('' for none); EmbeddingTextOptions::fields.
val read_embeddings_text(const std::string& text, const std::string& options_json) {
  return guarded([&] {
    kd::EmbeddingTextOptions o;
    if (!options_json.empty()) kd::read_fields(kd::parse_json(options_json), "readEmbeddingsText()", o);
    kd::PretrainedEmbeddings e = kd::read_embeddings_text(text, o);
    val words = val::array();
    for (size_t i = 0; i < e.index_to_word.size(); ++i) words.set(i, e.index_to_word[i]);
    val out = val::object();
    out.set("indexToWord", words);
    out.set("vectors", e.vectors);
    out.set("hadHeader", e.had_header);
    return out;
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(kindling_serialize) {
  emscripten::function("serializeSaveSafetensors", &save_safetensors);
  emscripten::function("serializeLoadSafetensors", &load_safetensors);
  emscripten::function("serializeReadEmbeddingsText", &read_embeddings_text);
}
