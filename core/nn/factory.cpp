#include "nn/factory.h"

#include <initializer_list>

#include "nn/attention.h"
#include "nn/layers.h"
#include "nn/loss.h"
#include "nn/rnn.h"

namespace kd::nn {

namespace {

void check_required(const Json& json, const char* type, std::initializer_list<const char*> required) {
  KD_CHECK(json.is_object(), ValueError, type, " options must be a JSON object, got ", json.type_name());
  for (const char* key : required)
    KD_CHECK(json.find(key) != nullptr, TypeError, type, "() missing required option \"", key, "\"");
}

// Options built with stand-in values for the required fields, then read from `json` (which
// must hold those fields: check_required).
template <typename Options>
Options read(const Json& json, const char* type, Options options, std::initializer_list<const char*> required = {}) {
  check_required(json, type, required);
  read_fields(json, type, options);
  return options;
}

// A module whose options are plain members: made with its defaults, then read (a module that
// fails to read is dropped, so nothing half-read escapes).
template <typename M>
std::shared_ptr<M> read_into(std::shared_ptr<M> module, const Json& json, const char* type) {
  check_required(json, type, {});
  OptionReader reader(json, type);
  module->fields(reader);
  reader.finish();
  return module;
}

// A module without options: any key is unknown.
template <typename M>
ModulePtr plain(const Json& json, const char* type) {
  check_required(json, type, {});
  OptionReader(json, type).finish();
  return std::make_shared<M>();
}

Tensor tensor_named(const NamedTensors& tensors, const char* name) {
  for (const auto& [k, t] : tensors)
    if (k == name) return t;
  return Tensor();
}

using Maker = ModulePtr (*)(const Json&, const NamedTensors&);
struct Entry {
  const char* type;
  const char* tensor_names[2];  // the tensor options it takes (unused entries null)
  Maker make;
};

// One line (or a few) per module: its required options, its tensors, its constructor.
const Entry kModules[] = {
    {"Identity", {}, [](const Json& j, const NamedTensors&) { return plain<Identity>(j, "Identity"); }},
    {"ReLU", {}, [](const Json& j, const NamedTensors&) { return plain<ReLU>(j, "ReLU"); }},
    {"Tanh", {}, [](const Json& j, const NamedTensors&) { return plain<Tanh>(j, "Tanh"); }},
    {"Sigmoid", {}, [](const Json& j, const NamedTensors&) { return plain<Sigmoid>(j, "Sigmoid"); }},
    {"SiLU", {}, [](const Json& j, const NamedTensors&) { return plain<SiLU>(j, "SiLU"); }},
    {"LeakyReLU", {}, [](const Json& j, const NamedTensors&) -> ModulePtr {
       return read_into(std::make_shared<LeakyReLU>(), j, "LeakyReLU");
     }},
    {"GELU", {}, [](const Json& j, const NamedTensors&) -> ModulePtr { return read_into(std::make_shared<GELU>(), j, "GELU"); }},
    {"Softmax", {}, [](const Json& j, const NamedTensors&) -> ModulePtr {
       return read_into(std::make_shared<Softmax>(), j, "Softmax");
     }},
    {"LogSoftmax", {}, [](const Json& j, const NamedTensors&) -> ModulePtr {
       return read_into(std::make_shared<LogSoftmax>(), j, "LogSoftmax");
     }},
    {"Linear", {}, [](const Json& j, const NamedTensors&) -> ModulePtr {
       return std::make_shared<Linear>(read(j, "Linear", LinearOptions(0, 0), {"in_features", "out_features"}));
     }},
    {"Bilinear", {}, [](const Json& j, const NamedTensors&) -> ModulePtr {
       return std::make_shared<Bilinear>(
           read(j, "Bilinear", BilinearOptions(0, 0, 0), {"in1_features", "in2_features", "out_features"}));
     }},
    {"Dropout", {}, [](const Json& j, const NamedTensors&) -> ModulePtr {
       return std::make_shared<Dropout>(read(j, "Dropout", DropoutOptions()));
     }},
    {"BatchNorm1d", {}, [](const Json& j, const NamedTensors&) -> ModulePtr {
       return std::make_shared<BatchNorm1d>(read(j, "BatchNorm1d", BatchNormOptions(0), {"num_features"}));
     }},
    {"LayerNorm", {}, [](const Json& j, const NamedTensors&) -> ModulePtr {
       return std::make_shared<LayerNorm>(read(j, "LayerNorm", LayerNormOptions(Shape{}), {"normalized_shape"}));
     }},
    {"Flatten", {}, [](const Json& j, const NamedTensors&) -> ModulePtr {
       return std::make_shared<Flatten>(read(j, "Flatten", FlattenOptions()));
     }},
    {"Embedding", {"_weight"}, [](const Json& j, const NamedTensors& t) -> ModulePtr {
       return std::make_shared<Embedding>(read(j, "Embedding", EmbeddingOptions(0, 0), {"num_embeddings", "embedding_dim"})
                                              ._weight(tensor_named(t, "_weight")));
     }},
    {"EmbeddingBag", {"_weight"}, [](const Json& j, const NamedTensors& t) -> ModulePtr {
       return std::make_shared<EmbeddingBag>(
           read(j, "EmbeddingBag", EmbeddingBagOptions(0, 0), {"num_embeddings", "embedding_dim"})
               ._weight(tensor_named(t, "_weight")));
     }},
    {"RNN", {}, [](const Json& j, const NamedTensors&) -> ModulePtr {
       return std::make_shared<RNN>(read(j, "RNN", RNNOptions(0, 0), {"input_size", "hidden_size"}));
     }},
    {"LSTM", {}, [](const Json& j, const NamedTensors&) -> ModulePtr {
       return std::make_shared<LSTM>(read(j, "LSTM", LSTMOptions(0, 0), {"input_size", "hidden_size"}));
     }},
    {"GRU", {}, [](const Json& j, const NamedTensors&) -> ModulePtr {
       return std::make_shared<GRU>(read(j, "GRU", GRUOptions(0, 0), {"input_size", "hidden_size"}));
     }},
    {"RNNCell", {}, [](const Json& j, const NamedTensors&) -> ModulePtr {
       return std::make_shared<RNNCell>(read(j, "RNNCell", RNNCellOptions(0, 0), {"input_size", "hidden_size"}));
     }},
    {"LSTMCell", {}, [](const Json& j, const NamedTensors&) -> ModulePtr {
       return std::make_shared<LSTMCell>(read(j, "LSTMCell", LSTMCellOptions(0, 0), {"input_size", "hidden_size"}));
     }},
    {"GRUCell", {}, [](const Json& j, const NamedTensors&) -> ModulePtr {
       return std::make_shared<GRUCell>(read(j, "GRUCell", GRUCellOptions(0, 0), {"input_size", "hidden_size"}));
     }},
    {"MultiheadAttention", {}, [](const Json& j, const NamedTensors&) -> ModulePtr {
       return std::make_shared<MultiheadAttention>(
           read(j, "MultiheadAttention", MultiheadAttentionOptions(0, 0), {"embed_dim", "num_heads"}));
     }},
    {"MSELoss", {}, [](const Json& j, const NamedTensors&) -> ModulePtr {
       return read_into(std::make_shared<MSELoss>(), j, "MSELoss");
     }},
    {"L1Loss", {}, [](const Json& j, const NamedTensors&) -> ModulePtr { return read_into(std::make_shared<L1Loss>(), j, "L1Loss"); }},
    {"SmoothL1Loss", {}, [](const Json& j, const NamedTensors&) -> ModulePtr {
       return read_into(std::make_shared<SmoothL1Loss>(), j, "SmoothL1Loss");
     }},
    {"CrossEntropyLoss", {"weight"}, [](const Json& j, const NamedTensors& t) -> ModulePtr {
       return std::make_shared<CrossEntropyLoss>(
           read(j, "CrossEntropyLoss", CrossEntropyLossOptions()).weight(tensor_named(t, "weight")));
     }},
    {"NLLLoss", {"weight"}, [](const Json& j, const NamedTensors& t) -> ModulePtr {
       return std::make_shared<NLLLoss>(read(j, "NLLLoss", NLLLossOptions()).weight(tensor_named(t, "weight")));
     }},
    {"BCELoss", {"weight"}, [](const Json& j, const NamedTensors& t) -> ModulePtr {
       return read_into(std::make_shared<BCELoss>(tensor_named(t, "weight")), j, "BCELoss");
     }},
    {"BCEWithLogitsLoss", {"weight", "pos_weight"}, [](const Json& j, const NamedTensors& t) -> ModulePtr {
       return read_into(std::make_shared<BCEWithLogitsLoss>(tensor_named(t, "weight"), Reduction::Mean,
                                                            tensor_named(t, "pos_weight")),
                        j, "BCEWithLogitsLoss");
     }},
    {"CosineEmbeddingLoss", {}, [](const Json& j, const NamedTensors&) -> ModulePtr {
       return read_into(std::make_shared<CosineEmbeddingLoss>(), j, "CosineEmbeddingLoss");
     }},
    {"MarginRankingLoss", {}, [](const Json& j, const NamedTensors&) -> ModulePtr {
       return read_into(std::make_shared<MarginRankingLoss>(), j, "MarginRankingLoss");
     }},
    {"NegativeSamplingLoss", {}, [](const Json& j, const NamedTensors&) -> ModulePtr {
       return read_into(std::make_shared<NegativeSamplingLoss>(), j, "NegativeSamplingLoss");
     }},
};

}  // namespace

ModulePtr make_module(const std::string& type, const Json& options, const NamedTensors& tensors) {
  for (const Entry& e : kModules) {
    if (type != e.type) continue;
    for (const auto& [name, t] : tensors) {
      bool known = false;
      for (const char* n : e.tensor_names) known = known || (n != nullptr && name == n);
      KD_CHECK(known, ValueError, type, " has no tensor option named \"", name, "\"");
    }
    return e.make(options, tensors);
  }
  throw ValueError(str("unknown module type \"", type, "\""));
}

std::shared_ptr<Embedding> embedding_from_pretrained(const Tensor& embeddings, const Json& options) {
  return embedding_from_pretrained(embeddings, read(options, "Embedding.from_pretrained", EmbeddingFromPretrainedOptions()));
}

std::vector<std::string> module_types() {
  std::vector<std::string> out;
  for (const Entry& e : kModules) out.emplace_back(e.type);
  return out;
}

}  // namespace kd::nn
