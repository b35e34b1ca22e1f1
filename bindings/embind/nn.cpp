// Raw Embind block for kd::nn: the C++ Module (as std::shared_ptr), a constructor per built-in
// module, the functional forms, init, and the few tensor helpers the JS module system needs.
//
// Arguments cross explicitly (the JS layer in bindings/js/nn*.mjs type-checks the options
// objects first, so nothing here can meet a JS value of the wrong type):
//   - module forward and the functional forms take tensors by address (convert.h), 0 for none;
//   - elsewhere an absent optional tensor is the undefined tensor (raw `nnUndefinedTensor()`);
//   - an absent optional number (padding_idx, max_norm, Softmax's dim, ...) is NaN;
//   - lists of tensors are JS arrays of raw handles; named tensors are {names, tensors}.
// Every body runs inside kd::wasm::guarded (see boundary.h).
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "autograd/grad_mode.h"
#include "boundary.h"
#include "convert.h"
// The recurrent and attention modules add forward overloads on purpose (as PyTorch's C++ API).
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Woverloaded-virtual"
#include "nn/nn.h"
#pragma clang diagnostic pop
#include "ops/ops.h"
#include "tensor/sparse.h"

using emscripten::val;
using kd::Tensor;
using kd::nn::Module;
using kd::wasm::TensorAddress;
using kd::wasm::at;
using kd::wasm::guarded;
using kd::wasm::optional_at;
using kd::wasm::owned;
using kd::wasm::optional_int;
using kd::wasm::optional_number;
using kd::wasm::tensors_from_js;
namespace nn = kd::nn;
namespace F = kd::nn::functional;
using F::Reduction;

using ModulePtr = std::shared_ptr<Module>;

namespace {

// {names: [...], tensors: [...]}: the JS layer zips them into an ordered object.
val named_to_js(const nn::NamedTensors& named) {
  val names = val::array();
  val tensors = val::array();
  for (size_t i = 0; i < named.size(); ++i) {
    names.set(i, named[i].first);
    tensors.set(i, named[i].second);
  }
  val out = val::object();
  out.set("names", names);
  out.set("tensors", tensors);
  return out;
}

nn::NamedTensors named_from_js(const val& names, const val& tensors) {
  std::vector<std::string> keys = emscripten::vecFromJSArray<std::string>(names);
  std::vector<Tensor> values = tensors_from_js(tensors);
  nn::NamedTensors out;
  for (size_t i = 0; i < keys.size() && i < values.size(); ++i) out.emplace_back(keys[i], values[i]);
  return out;
}

val strings_to_js(const std::vector<std::string>& strings) {
  val out = val::array();
  for (size_t i = 0; i < strings.size(); ++i) out.set(i, strings[i]);
  return out;
}


// ---- Module methods ----
// The JS module system (bindings/js/nn/module.mjs) keeps no maps of its own: registration and
// every walk run here, on the C++ Module, for built-in and JS modules alike. Walks hand back
// dotted names; the JS side finds the objects under those names as attributes.

std::string type_name(const ModulePtr& m) {
  return guarded([&] { return m->type_name(); });
}
// The module's identity (its address), as ctx.identity() is a tensor's.
double module_id(const ModulePtr& m) { return static_cast<double>(reinterpret_cast<uintptr_t>(m.get())); }

// Forward by the module's id (its address, which the JS module holds while its handle lives)
// and tensor addresses: the training step's calls make no Embind class handle.
Module& module_at(uintptr_t id) { return *reinterpret_cast<Module*>(id); }

TensorAddress forward(uintptr_t module, TensorAddress input) {
  return guarded([&] { return owned(module_at(module).forward(at(input))); });
}

// Any module's forward over lists (Module::forward_list): `inputs` are addresses (0 for "not
// given"); need_weights and average_attn_weights are MultiheadAttention's. Returns the outputs
// as an array of addresses (0 for absent ones).
val forward_many(uintptr_t module, const val& inputs, bool need_weights, bool average_attn_weights) {
  std::vector<Tensor> tensors = kd::wasm::tensors_at(inputs);
  return guarded([&] { return kd::wasm::owned_list(module_at(module).forward_list(tensors, {need_weights, average_attn_weights})); });
}

Module::Slot slot_from_name(const std::string& kind) {
  if (kind == "parameter") return Module::Slot::Parameter;
  if (kind == "buffer") return Module::Slot::Buffer;
  if (kind == "module") return Module::Slot::Module;
  return Module::Slot::None;
}
// "parameter", "buffer", "module" or "" for a local name.
std::string slot(const ModulePtr& m, const std::string& name) {
  return guarded([&] {
    static const char* const kNames[] = {"", "parameter", "buffer", "module"};
    return std::string(kNames[static_cast<int>(m->slot(name))]);
  });
}
val slot_names(const ModulePtr& m, const std::string& kind) {
  return guarded([&] { return strings_to_js(m->slot_names(slot_from_name(kind))); });
}
Tensor param(const ModulePtr& m, const std::string& name) {
  return guarded([&] { return m->param(name); });
}
Tensor buffer(const ModulePtr& m, const std::string& name) {
  return guarded([&] { return m->buffer(name); });
}
ModulePtr child(const ModulePtr& m, const std::string& name) {
  return guarded([&] { return m->child(name); });
}
void register_parameter(const ModulePtr& m, const std::string& name, const Tensor& p) {
  guarded([&] { m->register_parameter(name, p); });
}
void register_buffer(const ModulePtr& m, const std::string& name, const Tensor& b, bool persistent) {
  guarded([&] { m->register_buffer(name, b, persistent); });
}
// Replaces a registered buffer's tensor, keeping whether it is persistent.
void set_buffer(const ModulePtr& m, const std::string& name, const Tensor& b) {
  guarded([&] { m->buffer(name) = b; });
}
void register_module(const ModulePtr& m, const std::string& name, const ModulePtr& c) {
  guarded([&] { m->register_module(name, c); });
}
void clear_module(const ModulePtr& m, const std::string& name) {
  guarded([&] { m->register_module(name, ModulePtr()); });
}
bool remove_slot(const ModulePtr& m, const std::string& name) {
  return guarded([&] { return m->remove(name); });
}

template <typename Named>
val names_of(const Named& named) {
  std::vector<std::string> names;
  for (const auto& entry : named) names.push_back(entry.first);
  return strings_to_js(names);
}
val parameter_names(const ModulePtr& m, bool recurse) {
  return guarded([&] { return names_of(m->named_parameters(recurse)); });
}
val buffer_names(const ModulePtr& m, bool recurse) {
  return guarded([&] { return names_of(m->named_buffers(recurse)); });
}
val module_names(const ModulePtr& m) {
  return guarded([&] { return names_of(m->named_modules()); });
}
val child_names(const ModulePtr& m) {
  return guarded([&] { return names_of(m->named_children()); });
}
val state_dict(const ModulePtr& m) {
  return guarded([&] { return named_to_js(m->state_dict()); });
}
val load_state_dict(const ModulePtr& m, const val& names, const val& tensors, bool strict) {
  nn::NamedTensors state = named_from_js(names, tensors);
  return guarded([&] {
    nn::LoadStateDictResult r = m->load_state_dict(state, strict);
    val out = val::object();
    out.set("missingKeys", strings_to_js(r.missing_keys));
    out.set("unexpectedKeys", strings_to_js(r.unexpected_keys));
    return out;
  });
}
void train(const ModulePtr& m, bool on) {
  guarded([&] { m->train(on); });
}
bool is_training(const ModulePtr& m) {
  return guarded([&] { return m->is_training(); });
}
void zero_grad(const ModulePtr& m, bool set_to_none) {
  guarded([&] { m->zero_grad(set_to_none); });
}
void module_requires_grad(const ModulePtr& m, bool on) {
  guarded([&] { m->requires_grad_(on); });
}
std::string module_to_string(const ModulePtr& m) {
  return guarded([&] { return m->to_string(); });
}
std::string extra_repr(const ModulePtr& m) {
  return guarded([&] { return m->extra_repr(); });
}

// ---- JS modules ----

// The JS function that answers a JS module's extraRepr(): given the module's id, the string, or
// false when the JS method threw (kept on the JS side and rethrown there: no JS exception
// crosses a C++ frame). Set once by the JS layer.
val& js_extra_repr() {
  static val fn = val::undefined();
  return fn;
}
void set_js_extra_repr(const val& fn) { js_extra_repr() = fn; }

// A kd.nn.Module subclass written in JS, as C++ sees it: a Module whose registrations, walks,
// state and modes are the C++ ones, and whose forward stays in JS (the JS layer calls it;
// C++ never does). Its repr asks JS for extraRepr() when the class overrides it.
class JsModule : public Module {
 public:
  JsModule(const std::string& type_name, bool has_extra_repr) : Module(type_name), has_extra_repr_(has_extra_repr) {}
  std::string extra_repr() const override {
    if (!has_extra_repr_ || js_extra_repr().isUndefined()) return "";
    val r = js_extra_repr()(static_cast<double>(reinterpret_cast<uintptr_t>(this)));
    KD_CHECK(r.isString(), ValueError, type_name(), ".extraRepr() failed");
    return r.as<std::string>();
  }

 private:
  bool has_extra_repr_;
};

ModulePtr make_js_module(const std::string& type_name, bool has_extra_repr) {
  return guarded([&]() -> ModulePtr { return std::make_shared<JsModule>(type_name, has_extra_repr); });
}

// ---- constructors ----

// A built-in module by class name (nn::make_module): options as JSON text with PyTorch's keyword
// names (defaults, validation and messages are the C++ ones); the tensor options (a loss's
// weight, an embedding's _weight) as names and raw tensors.
ModulePtr make_module(const std::string& type, const std::string& options_json, const val& tensor_names,
                      const val& tensors) {
  nn::NamedTensors named = named_from_js(tensor_names, tensors);
  return guarded([&]() -> ModulePtr { return nn::make_module(type, kd::parse_json(options_json), named); });
}
ModulePtr embedding_from_pretrained(const Tensor& embeddings, const std::string& options_json) {
  return guarded([&]() -> ModulePtr { return nn::embedding_from_pretrained(embeddings, kd::parse_json(options_json)); });
}
std::string options_json(const ModulePtr& m) {
  return guarded([&] { return m->options_json().dump(); });
}

// ---- functional ----
//
// Each functional form is one raw function over tensor addresses (the address ABI, convert.h),
// with its options as JSON text with torch's keyword names, read into the form's options struct
// (nn/functional_options.h), whose member initializers are the only defaults. A call without
// options passes "" and reads nothing: the common training step parses no JSON. Tensor-valued
// arguments (weight, pos_weight, offsets, running stats) are addresses, 0 for "not given".

// The options of a call: the defaults, with the keys of `json` read over them ("" for none).
template <typename Options>
Options options_of(const std::string& json, const char* owner, Options options = {}) {
  if (!json.empty()) kd::read_fields(kd::parse_json(json), owner, options);
  return options;
}
// A required option (TypeError, as Python's missing argument).
void require(const std::string& json, const char* owner, const char* key) {
  KD_CHECK(!json.empty() && kd::parse_json(json).find(key) != nullptr, TypeError, owner, "() missing required option \"", key, "\"");
}

TensorAddress f_linear(TensorAddress x, TensorAddress w, TensorAddress b) {
  return guarded([&] { return owned(F::linear(at(x), at(w), optional_at(b))); });
}
TensorAddress f_bilinear(TensorAddress x1, TensorAddress x2, TensorAddress w, TensorAddress b) {
  return guarded([&] { return owned(F::bilinear(at(x1), at(x2), at(w), optional_at(b))); });
}
template <Tensor (*Fn)(const Tensor&)>
TensorAddress f_unary(TensorAddress x) {
  return guarded([&] { return owned(Fn(at(x))); });
}
Tensor sigmoid_of(const Tensor& x) { return kd::sigmoid(x); }
Tensor tanh_of(const Tensor& x) { return kd::tanh(x); }
TensorAddress f_leaky_relu(TensorAddress x, const std::string& json) {
  return guarded([&] {
    auto o = options_of<F::LeakyReLUFuncOptions>(json, "leaky_relu");
    return owned(F::leaky_relu(at(x), o.negative_slope()));
  });
}
TensorAddress f_gelu(TensorAddress x, const std::string& json) {
  return guarded([&] { return owned(F::gelu(at(x), options_of<F::GELUFuncOptions>(json, "gelu").approximate())); });
}
// dim: NaN for "not given" (PyTorch's implicit choice).
TensorAddress f_softmax(TensorAddress x, double dim, bool log) {
  return guarded([&] {
    return owned(log ? F::log_softmax(at(x), optional_int(dim)) : F::softmax(at(x), optional_int(dim)));
  });
}
TensorAddress f_dropout(TensorAddress x, const std::string& json) {
  return guarded([&] {
    auto o = options_of<F::DropoutFuncOptions>(json, "dropout");
    return owned(F::dropout(at(x), o.p(), o.training()));
  });
}
// stats: [running_mean, running_var, weight, bias] addresses (0: none).
TensorAddress f_batch_norm(TensorAddress x, const val& stats, const std::string& json) {
  std::vector<Tensor> t = kd::wasm::tensors_at(stats);
  return guarded([&] {
    KD_CHECK(t.size() == 4, ValueError, "batch_norm: expected 4 tensors (running_mean, running_var, weight, bias)");
    auto o = options_of<F::BatchNormFuncOptions>(json, "batch_norm");
    return owned(F::batch_norm(at(x), t[0], t[1], t[2], t[3], o.training(), o.momentum(), o.eps()));
  });
}
TensorAddress f_layer_norm(TensorAddress x, TensorAddress w, TensorAddress b, const std::string& json) {
  return guarded([&] {
    require(json, "layer_norm", "normalized_shape");
    auto o = options_of<F::LayerNormFuncOptions>(json, "layer_norm", F::LayerNormFuncOptions());
    return owned(F::layer_norm(at(x), o.normalized_shape(), optional_at(w), optional_at(b), o.eps()));
  });
}
TensorAddress f_embedding(TensorAddress input, TensorAddress weight, const std::string& json) {
  return guarded([&] {
    auto o = options_of<F::EmbeddingFuncOptions>(json, "embedding");
    return owned(F::embedding(at(input), at(weight), o.padding_idx(), o.max_norm(), o.norm_type(),
                              o.scale_grad_by_freq(), o.sparse()));
  });
}
TensorAddress f_embedding_bag(TensorAddress input, TensorAddress weight, TensorAddress offsets,
                              TensorAddress per_sample_weights, const std::string& json) {
  return guarded([&] {
    auto o = options_of<F::EmbeddingBagFuncOptions>(json, "embedding_bag");
    return owned(F::embedding_bag(at(input), at(weight), optional_at(offsets), o.max_norm(), o.norm_type(),
                                  o.scale_grad_by_freq(), o.mode(), o.sparse(), optional_at(per_sample_weights),
                                  o.include_last_offset(), o.padding_idx()));
  });
}

// ---- losses: (input, target[, weight[, pos_weight]], options) ----

// Owner names for messages (template arguments need linkage).
constexpr char kMseLoss[] = "mse_loss";
constexpr char kL1Loss[] = "l1_loss";
constexpr char kCosineEmbeddingLoss[] = "cosine_embedding_loss";
constexpr char kMarginRankingLoss[] = "margin_ranking_loss";

template <Tensor (*Fn)(const Tensor&, const Tensor&, Reduction), const char* Name>
TensorAddress f_reduced_loss(TensorAddress input, TensorAddress target, const std::string& json) {
  return guarded([&] { return owned(Fn(at(input), at(target), options_of<F::LossFuncOptions>(json, Name).reduction())); });
}
TensorAddress f_smooth_l1_loss(TensorAddress input, TensorAddress target, const std::string& json) {
  return guarded([&] {
    auto o = options_of<F::SmoothL1LossFuncOptions>(json, "smooth_l1_loss");
    return owned(F::smooth_l1_loss(at(input), at(target), o.reduction(), o.beta()));
  });
}
TensorAddress f_cross_entropy(TensorAddress input, TensorAddress target, TensorAddress weight, const std::string& json) {
  return guarded([&] {
    auto o = options_of<nn::CrossEntropyLossOptions>(json, "cross_entropy");
    return owned(F::cross_entropy(at(input), at(target), optional_at(weight), o.ignore_index(), o.reduction(), o.label_smoothing()));
  });
}
TensorAddress f_nll_loss(TensorAddress input, TensorAddress target, TensorAddress weight, const std::string& json) {
  return guarded([&] {
    auto o = options_of<nn::NLLLossOptions>(json, "nll_loss");
    return owned(F::nll_loss(at(input), at(target), optional_at(weight), o.ignore_index(), o.reduction()));
  });
}
TensorAddress f_binary_cross_entropy(TensorAddress input, TensorAddress target, TensorAddress weight, const std::string& json) {
  return guarded([&] {
    auto o = options_of<F::LossFuncOptions>(json, "binary_cross_entropy");
    return owned(F::binary_cross_entropy(at(input), at(target), optional_at(weight), o.reduction()));
  });
}
TensorAddress f_binary_cross_entropy_with_logits(TensorAddress input, TensorAddress target, TensorAddress weight,
                                                 TensorAddress pos_weight, const std::string& json) {
  return guarded([&] {
    auto o = options_of<F::LossFuncOptions>(json, "binary_cross_entropy_with_logits");
    return owned(F::binary_cross_entropy_with_logits(at(input), at(target), optional_at(weight), o.reduction(),
                                                     optional_at(pos_weight)));
  });
}
// Three inputs: cosine_embedding_loss, margin_ranking_loss (margin, reduction).
template <Tensor (*Fn)(const Tensor&, const Tensor&, const Tensor&, double, Reduction), const char* Name>
TensorAddress f_margin_loss(TensorAddress a, TensorAddress b, TensorAddress c, const std::string& json) {
  return guarded([&] {
    auto o = options_of<F::MarginLossFuncOptions>(json, Name);
    return owned(Fn(at(a), at(b), at(c), o.margin(), o.reduction()));
  });
}
TensorAddress f_negative_sampling_loss(TensorAddress a, TensorAddress b, TensorAddress c, const std::string& json) {
  return guarded([&] {
    auto o = options_of<F::LossFuncOptions>(json, "negative_sampling_loss");
    return owned(F::negative_sampling_loss(at(a), at(b), at(c), o.reduction()));
  });
}

// ---- init (each fills in place and returns nothing; the JS layer returns its argument) ----

double calculate_gain(const std::string& nonlinearity, double param) {
  return guarded([&] { return nn::init::calculate_gain(nonlinearity, optional_number(param)); });
}
val calculate_fan_in_and_fan_out(TensorAddress t) {
  return guarded([&] {
    auto [fan_in, fan_out] = nn::init::calculate_fan_in_and_fan_out(at(t));
    val out = val::array();
    out.set(0, static_cast<double>(fan_in));
    out.set(1, static_cast<double>(fan_out));
    return out;
  });
}

// torch.nn.init's functions by name (kind is the JS name), each reading its options struct.
using InitFill = void (*)(const Tensor&, const std::string& json);
struct InitEntry {
  const char* kind;
  InitFill fill;
};
const InitEntry kInits[] = {
    {"uniform_", [](const Tensor& t, const std::string& j) {
       auto o = options_of<nn::init::UniformOptions>(j, "init.uniform_");
       nn::init::uniform_(t, o.a(), o.b());
     }},
    {"normal_", [](const Tensor& t, const std::string& j) {
       auto o = options_of<nn::init::NormalOptions>(j, "init.normal_");
       nn::init::normal_(t, o.mean(), o.std());
     }},
    {"constant_", [](const Tensor& t, const std::string& j) {
       require(j, "init.constant_", "val");
       nn::init::constant_(t, options_of<nn::init::ConstantOptions>(j, "init.constant_").val());
     }},
    {"ones_", [](const Tensor& t, const std::string& j) {
       options_of<nn::NoOptions>(j, "init.ones_");
       nn::init::ones_(t);
     }},
    {"zeros_", [](const Tensor& t, const std::string& j) {
       options_of<nn::NoOptions>(j, "init.zeros_");
       nn::init::zeros_(t);
     }},
    {"eye_", [](const Tensor& t, const std::string& j) {
       options_of<nn::NoOptions>(j, "init.eye_");
       nn::init::eye_(t);
     }},
    {"xavierUniform_", [](const Tensor& t, const std::string& j) {
       nn::init::xavier_uniform_(t, options_of<nn::init::GainOptions>(j, "init.xavier_uniform_").gain());
     }},
    {"xavierNormal_", [](const Tensor& t, const std::string& j) {
       nn::init::xavier_normal_(t, options_of<nn::init::GainOptions>(j, "init.xavier_normal_").gain());
     }},
    {"kaimingUniform_", [](const Tensor& t, const std::string& j) {
       auto o = options_of<nn::init::KaimingOptions>(j, "init.kaiming_uniform_");
       nn::init::kaiming_uniform_(t, o.a(), o.mode(), o.nonlinearity());
     }},
    {"kaimingNormal_", [](const Tensor& t, const std::string& j) {
       auto o = options_of<nn::init::KaimingOptions>(j, "init.kaiming_normal_");
       nn::init::kaiming_normal_(t, o.a(), o.mode(), o.nonlinearity());
     }},
    {"truncNormal_", [](const Tensor& t, const std::string& j) {
       auto o = options_of<nn::init::TruncNormalOptions>(j, "init.trunc_normal_");
       nn::init::trunc_normal_(t, o.mean(), o.std(), o.a(), o.b());
     }},
    {"orthogonal_", [](const Tensor& t, const std::string& j) {
       nn::init::orthogonal_(t, options_of<nn::init::GainOptions>(j, "init.orthogonal_").gain());
     }},
};
void init_fill(const std::string& kind, TensorAddress t, const std::string& json) {
  guarded([&] {
    for (const InitEntry& e : kInits)
      if (kind == e.kind) return e.fill(at(t), json);
    throw kd::ValueError("unknown init " + kind);
  });
}

// ---- helpers for the JS module system ----

Tensor undefined_tensor() { return Tensor(); }

// p.sparseGrad = {indices, values, shape?} (shape null when not given), or clears it (indices null).
void set_sparse_grad(const Tensor& t, const val& indices, const val& values, const val& shape) {
  const bool clear = indices.isNull();
  Tensor i = clear ? Tensor() : indices.as<Tensor>();
  Tensor v = clear ? Tensor() : values.as<Tensor>();
  std::optional<kd::Shape> dense_shape = kd::wasm::optional_shape_from_js(shape);
  guarded([&] {
    if (clear) {
      t.impl()->sparse_grad.reset();
      return;
    }
    kd::set_sparse_grad(t, i, v, dense_shape);
  });
}
// The row-sparse gradient of an embedding weight (coalesced), or null when there is none:
// {indices: int64 [nnz], values: [nnz, ...], shape: dense shape}.
val sparse_grad(const Tensor& t) {
  return guarded([&]() -> val {
    if (!t.defined() || !t.impl()->sparse_grad) return val::null();
    kd::SparseGrad g = t.impl()->sparse_grad->coalesce();
    val out = val::object();
    out.set("indices", g.indices);
    out.set("values", g.values);
    val shape = val::array();
    for (size_t i = 0; i < g.dense_shape.size(); ++i) shape.set(i, static_cast<double>(g.dense_shape[i]));
    out.set("shape", shape);
    return out;
  });
}
// The sparse gradient as a dense tensor (zeros in the rows not used), or undefined.
Tensor sparse_grad_dense(const Tensor& t) {
  return guarded([&]() -> Tensor {
    if (!t.defined() || !t.impl()->sparse_grad) return Tensor();
    return t.impl()->sparse_grad->to_dense();
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(kindling_nn) {
  using emscripten::function;

  emscripten::class_<Module>("RawModule")
      .smart_ptr<ModulePtr>("RawModulePtr")
      .function("typeName", &type_name)
      .function("id", &module_id)
      .function("slot", &slot)
      .function("slotNames", &slot_names)
      .function("param", &param)
      .function("buffer", &buffer)
      .function("child", &child)
      .function("registerParameter", &register_parameter)
      .function("registerBuffer", &register_buffer)
      .function("setBuffer", &set_buffer)
      .function("registerModule", &register_module)
      .function("clearModule", &clear_module)
      .function("remove", &remove_slot)
      .function("parameterNames", &parameter_names)
      .function("bufferNames", &buffer_names)
      .function("moduleNames", &module_names)
      .function("childNames", &child_names)
      .function("stateDict", &state_dict)
      .function("loadStateDict", &load_state_dict)
      .function("train", &train)
      .function("isTraining", &is_training)
      .function("zeroGrad", &zero_grad)
      .function("requiresGrad", &module_requires_grad)
      .function("toString", &module_to_string)
      .function("extraRepr", &extra_repr)
      .function("optionsJson", &options_json);

  function("nnForward", &forward);
  function("nnForwardMany", &forward_many);
  function("nnMakeModule", &make_module);
  function("nnEmbeddingFromPretrained", &embedding_from_pretrained);
  function("nnMakeJsModule", &make_js_module);
  function("nnSetJsExtraRepr", &set_js_extra_repr);

  function("nnLinear", &f_linear);
  function("nnBilinear", &f_bilinear);
  function("nnRelu", &f_unary<F::relu>);
  function("nnSilu", &f_unary<F::silu>);
  function("nnSigmoid", &f_unary<sigmoid_of>);
  function("nnTanh", &f_unary<tanh_of>);
  function("nnLeakyRelu", &f_leaky_relu);
  function("nnGelu", &f_gelu);
  function("nnSoftmax", &f_softmax);
  function("nnDropout", &f_dropout);
  function("nnBatchNorm", &f_batch_norm);
  function("nnLayerNorm", &f_layer_norm);
  function("nnEmbedding", &f_embedding);
  function("nnEmbeddingBag", &f_embedding_bag);
  function("nnMseLoss", &f_reduced_loss<F::mse_loss, kMseLoss>);
  function("nnL1Loss", &f_reduced_loss<F::l1_loss, kL1Loss>);
  function("nnSmoothL1Loss", &f_smooth_l1_loss);
  function("nnCrossEntropy", &f_cross_entropy);
  function("nnNllLoss", &f_nll_loss);
  function("nnBinaryCrossEntropy", &f_binary_cross_entropy);
  function("nnBinaryCrossEntropyWithLogits", &f_binary_cross_entropy_with_logits);
  function("nnCosineEmbeddingLoss", &f_margin_loss<F::cosine_embedding_loss, kCosineEmbeddingLoss>);
  function("nnMarginRankingLoss", &f_margin_loss<F::margin_ranking_loss, kMarginRankingLoss>);
  function("nnNegativeSamplingLoss", &f_negative_sampling_loss);

  function("nnCalculateGain", &calculate_gain);
  function("nnCalculateFanInAndFanOut", &calculate_fan_in_and_fan_out);
  function("nnInit", &init_fill);

  function("nnUndefinedTensor", &undefined_tensor);
  function("nnSparseGrad", &sparse_grad);
  function("nnSetSparseGrad", &set_sparse_grad);
  function("nnSparseGradDense", &sparse_grad_dense);
}
