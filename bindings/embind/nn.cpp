// Raw Embind block for kd::nn: the C++ Module (as std::shared_ptr), a constructor per built-in
// module, the functional forms, init, and the few tensor helpers the JS module system needs.
//
// Arguments cross explicitly (the JS layer in bindings/js/nn.mjs parses and type-checks the
// options objects first, so nothing here can meet a JS value of the wrong type):
//   - an absent optional tensor is the undefined tensor (raw `nnUndefinedTensor()`);
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
using kd::wasm::guarded;
using kd::wasm::optional_int;
using kd::wasm::optional_number;
using kd::wasm::shape_from_js;
using kd::wasm::tensors_from_js;
using kd::wasm::tensors_to_js;
namespace nn = kd::nn;
namespace F = kd::nn::functional;

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

F::Reduction reduction(const std::string& name) { return F::reduction_from_string(name); }

// ---- Module methods ----
// The JS module system (bindings/js/nn/module.mjs) keeps no maps of its own: registration and
// every walk run here, on the C++ Module, for built-in and JS modules alike. Walks hand back
// dotted names; the JS side finds the objects under those names as attributes.

std::string type_name(const ModulePtr& m) {
  return guarded([&] { return m->type_name(); });
}
// The module's identity (its address), as ctx.identity() is a tensor's.
double module_id(const ModulePtr& m) { return static_cast<double>(reinterpret_cast<uintptr_t>(m.get())); }

Tensor forward(const ModulePtr& m, const Tensor& input) {
  return guarded([&] { return m->forward(input); });
}

// Any module's forward over lists (Module::forward_list): `args` are raw tensors (undefined
// for "not given"); need_weights and average_attn_weights are MultiheadAttention's. Returns
// the outputs as an array (undefined entries for absent ones).
val forward_many(const ModulePtr& m, const val& args, bool need_weights, bool average_attn_weights) {
  std::vector<Tensor> inputs = tensors_from_js(args);
  return guarded([&] { return tensors_to_js(m->forward_list(inputs, {need_weights, average_attn_weights})); });
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

Tensor f_linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  return guarded([&] { return F::linear(x, w, b); });
}
Tensor f_bilinear(const Tensor& x1, const Tensor& x2, const Tensor& w, const Tensor& b) {
  return guarded([&] { return F::bilinear(x1, x2, w, b); });
}
// kind: relu, sigmoid, tanh, silu.
Tensor f_unary(const std::string& kind, const Tensor& x) {
  return guarded([&]() -> Tensor {
    if (kind == "relu") return F::relu(x);
    if (kind == "silu") return F::silu(x);
    if (kind == "sigmoid") return kd::sigmoid(x);
    if (kind == "tanh") return kd::tanh(x);
    throw kd::ValueError("unknown function " + kind);
  });
}
Tensor f_leaky_relu(const Tensor& x, double slope) {
  return guarded([&] { return F::leaky_relu(x, slope); });
}
Tensor f_gelu(const Tensor& x, const std::string& approximate) {
  return guarded([&] { return F::gelu(x, approximate); });
}
Tensor f_softmax(const Tensor& x, double dim, bool log) {
  return guarded([&] { return log ? F::log_softmax(x, optional_int(dim)) : F::softmax(x, optional_int(dim)); });
}
Tensor f_dropout(const Tensor& x, double p, bool training) {
  return guarded([&] { return F::dropout(x, p, training); });
}
Tensor f_batch_norm(const Tensor& x, const Tensor& rm, const Tensor& rv, const Tensor& w, const Tensor& b,
                    bool training, double momentum, double eps) {
  return guarded([&] { return F::batch_norm(x, rm, rv, w, b, training, momentum, eps); });
}
Tensor f_layer_norm(const Tensor& x, const val& shape, const Tensor& w, const Tensor& b, double eps) {
  kd::Shape s = shape_from_js(shape);
  return guarded([&] { return F::layer_norm(x, s, w, b, eps); });
}
Tensor f_embedding(const Tensor& input, const Tensor& weight, double padding_idx, double max_norm, double norm_type,
                   bool scale_grad_by_freq, bool sparse) {
  return guarded([&] {
    return F::embedding(input, weight, optional_int(padding_idx), optional_number(max_norm), norm_type, scale_grad_by_freq, sparse);
  });
}
Tensor f_embedding_bag(const Tensor& input, const Tensor& weight, const Tensor& offsets, double max_norm,
                       double norm_type, bool scale_grad_by_freq, const std::string& mode, bool sparse,
                       const Tensor& per_sample_weights, bool include_last_offset, double padding_idx) {
  return guarded([&] {
    return F::embedding_bag(input, weight, offsets, optional_number(max_norm), norm_type, scale_grad_by_freq, mode, sparse,
                            per_sample_weights, include_last_offset, optional_int(padding_idx));
  });
}
// Two-input losses: mse, l1, smoothL1 (beta), nll / crossEntropy (weight, ignoreIndex,
// labelSmoothing), bce (weight), bceWithLogits (weight, posWeight).
Tensor f_loss2(const std::string& kind, const Tensor& input, const Tensor& target, const std::string& reduction_name,
               const Tensor& weight, const Tensor& pos_weight, double ignore_index, double label_smoothing,
               double beta) {
  return guarded([&]() -> Tensor {
    F::Reduction r = reduction(reduction_name);
    auto ii = static_cast<int64_t>(ignore_index);
    if (kind == "mse") return F::mse_loss(input, target, r);
    if (kind == "l1") return F::l1_loss(input, target, r);
    if (kind == "smoothL1") return F::smooth_l1_loss(input, target, r, beta);
    if (kind == "nll") return F::nll_loss(input, target, weight, ii, r);
    if (kind == "crossEntropy") return F::cross_entropy(input, target, weight, ii, r, label_smoothing);
    if (kind == "bce") return F::binary_cross_entropy(input, target, weight, r);
    if (kind == "bceWithLogits") return F::binary_cross_entropy_with_logits(input, target, weight, r, pos_weight);
    throw kd::ValueError("unknown loss " + kind);
  });
}
// Three-input losses: cosineEmbedding, marginRanking (margin), negativeSampling.
Tensor f_loss3(const std::string& kind, const Tensor& a, const Tensor& b, const Tensor& c,
               const std::string& reduction_name, double margin) {
  return guarded([&]() -> Tensor {
    F::Reduction r = reduction(reduction_name);
    if (kind == "cosineEmbedding") return F::cosine_embedding_loss(a, b, c, margin, r);
    if (kind == "marginRanking") return F::margin_ranking_loss(a, b, c, margin, r);
    if (kind == "negativeSampling") return F::negative_sampling_loss(a, b, c, r);
    throw kd::ValueError("unknown loss " + kind);
  });
}

// ---- init (each fills in place and returns nothing; the JS layer returns its argument) ----

double calculate_gain(const std::string& nonlinearity, double param) {
  return guarded([&] { return nn::init::calculate_gain(nonlinearity, optional_number(param)); });
}
val calculate_fan_in_and_fan_out(const Tensor& t) {
  return guarded([&] {
    auto [fan_in, fan_out] = nn::init::calculate_fan_in_and_fan_out(t);
    val out = val::array();
    out.set(0, static_cast<double>(fan_in));
    out.set(1, static_cast<double>(fan_out));
    return out;
  });
}
// kind names torch.nn.init's functions; a, b, c, d are their numeric arguments in order.
void init_fill(const std::string& kind, const Tensor& t, double a, double b, double c, double d) {
  guarded([&] {
    if (kind == "uniform_") nn::init::uniform_(t, a, b);
    else if (kind == "normal_") nn::init::normal_(t, a, b);
    else if (kind == "constant_") nn::init::constant_(t, a);
    else if (kind == "ones_") nn::init::ones_(t);
    else if (kind == "zeros_") nn::init::zeros_(t);
    else if (kind == "eye_") nn::init::eye_(t);
    else if (kind == "xavierUniform_") nn::init::xavier_uniform_(t, a);
    else if (kind == "xavierNormal_") nn::init::xavier_normal_(t, a);
    else if (kind == "truncNormal_") nn::init::trunc_normal_(t, a, b, c, d);
    else if (kind == "orthogonal_") nn::init::orthogonal_(t, a);
    else throw kd::ValueError("unknown init " + kind);
  });
}
void init_kaiming(bool normal, const Tensor& t, double a, const std::string& mode, const std::string& nonlinearity) {
  guarded([&] {
    if (normal) nn::init::kaiming_normal_(t, a, mode, nonlinearity);
    else nn::init::kaiming_uniform_(t, a, mode, nonlinearity);
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
      .function("forward", &forward)
      .function("forwardMany", &forward_many)
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

  function("nnMakeModule", &make_module);
  function("nnEmbeddingFromPretrained", &embedding_from_pretrained);
  function("nnMakeJsModule", &make_js_module);
  function("nnSetJsExtraRepr", &set_js_extra_repr);

  function("nnLinear", &f_linear);
  function("nnBilinear", &f_bilinear);
  function("nnUnary", &f_unary);
  function("nnLeakyRelu", &f_leaky_relu);
  function("nnGelu", &f_gelu);
  function("nnSoftmax", &f_softmax);
  function("nnDropout", &f_dropout);
  function("nnBatchNorm", &f_batch_norm);
  function("nnLayerNorm", &f_layer_norm);
  function("nnEmbedding", &f_embedding);
  function("nnEmbeddingBag", &f_embedding_bag);
  function("nnLoss2", &f_loss2);
  function("nnLoss3", &f_loss3);

  function("nnCalculateGain", &calculate_gain);
  function("nnCalculateFanInAndFanOut", &calculate_fan_in_and_fan_out);
  function("nnInitFill", &init_fill);
  function("nnInitKaiming", &init_kaiming);

  function("nnUndefinedTensor", &undefined_tensor);
  function("nnSparseGrad", &sparse_grad);
  function("nnSetSparseGrad", &set_sparse_grad);
  function("nnSparseGradDense", &sparse_grad_dense);
}
