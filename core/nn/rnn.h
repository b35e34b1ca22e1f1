// Recurrent layers as in PyTorch 1.13: RNN (tanh/relu), LSTM, GRU and their one-step cells.
//
// Everything is composed from differentiable tensor ops (matmul, add, sigmoid, tanh, mul,
// narrow, select, stack, cat), so backward comes from autograd and a long unroll only deepens
// the graph, which the engine walks iteratively.
//
// The parameters carry PyTorch's names, shapes and order, so a state_dict moves between the
// two unchanged: per layer k and direction (suffix "" or "_reverse")
//   weight_ih_l{k}{suffix} [gates*hidden, layer_input]   weight_hh_l{k}{suffix} [gates*hidden, hidden]
//   bias_ih_l{k}{suffix}   [gates*hidden]                 bias_hh_l{k}{suffix}   [gates*hidden]
//   (LSTM with proj_size > 0 also weight_hr_l{k}{suffix} [proj_size, hidden])
// with gates = 1 (RNN), 3 (GRU: r, z, n) or 4 (LSTM: i, f, g, o), stacked in that order.
//
// Inputs are [T, B, input_size] (or [B, T, input_size] with batch_first), or unbatched
// [T, input_size]. States are [num_layers * num_directions, B, hidden] ([.., hidden] when
// unbatched); an undefined state means zeros.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "nn/module.h"
#include "nn/options.h"

namespace kd::nn {

enum class RNNNonlinearity { Tanh, ReLU };

// What RNNBase keeps of the options (the fields RNN, LSTM and GRU share).
struct RecurrentConfig {
  int64_t input_size_ = 0, hidden_size_ = 0, num_layers_ = 1;
  bool bias_ = true, batch_first_ = false;
  double dropout_ = 0.0;
  bool bidirectional_ = false;
  int64_t proj_size_ = 0;
};

// The options every recurrent layer has, with PyTorch's defaults.
#define KD_RECURRENT_OPTIONS(Self)                                                                   \
  Self(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {} \
  KD_ARG(int64_t, input_size);     /* features of the input (required) */                          \
  KD_ARG(int64_t, hidden_size);    /* features of the hidden state (required) */                   \
  KD_ARG(int64_t, num_layers) = 1; /* stacked recurrent layers */                                  \
  KD_ARG(bool, bias) = true;       /* add bias_ih / bias_hh */                                     \
  KD_ARG(bool, batch_first) = false; /* input/output as [B, T, F] instead of [T, B, F] */          \
  KD_ARG(double, dropout) = 0.0;   /* dropout on each layer's output but the last, in training */  \
  KD_ARG(bool, bidirectional) = false; /* also run each layer backwards in time */                 \
  template <typename V>                                                                             \
  void recurrent_fields(V& v) {                                                                    \
    v.integer("input_size", input_size_);                                                          \
    v.integer("hidden_size", hidden_size_);                                                        \
    v.integer("num_layers", num_layers_);                                                          \
    v.boolean("bias", bias_);                                                                      \
    v.boolean("batch_first", batch_first_);                                                        \
    v.number("dropout", dropout_);                                                                 \
    v.boolean("bidirectional", bidirectional_);                                                    \
  }                                                                                                \
  RecurrentConfig config() const {                                                                 \
    return {input_size_, hidden_size_, num_layers_, bias_, batch_first_, dropout_, bidirectional_, 0}; \
  }

// RNNOptions(10, 20).num_layers(2).nonlinearity(RNNNonlinearity::ReLU)
struct RNNOptions {
  KD_RECURRENT_OPTIONS(RNNOptions)
  KD_ARG(RNNNonlinearity, nonlinearity) = RNNNonlinearity::Tanh;
  template <typename V>
  void fields(V& v) {
    recurrent_fields(v);
    v.enumeration("nonlinearity", nonlinearity_, {{"tanh", RNNNonlinearity::Tanh}, {"relu", RNNNonlinearity::ReLU}});
  }
};

struct LSTMOptions {
  KD_RECURRENT_OPTIONS(LSTMOptions)
  KD_ARG(int64_t, proj_size) = 0;  // project h to this size (0: no projection)
  template <typename V>
  void fields(V& v) {
    recurrent_fields(v);
    v.integer("proj_size", proj_size_);
  }
};

struct GRUOptions {
  KD_RECURRENT_OPTIONS(GRUOptions)
  template <typename V>
  void fields(V& v) { recurrent_fields(v); }
};

#undef KD_RECURRENT_OPTIONS

// The stack of layers shared by RNN, LSTM and GRU.
class RNNBase : public Module {
 public:
  enum class Mode { RNN_TANH, RNN_RELU, LSTM, GRU };

  // Every parameter ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch.
  void reset();
  std::string extra_repr() const override;

  const RecurrentConfig& config() const { return config_; }
  Mode mode() const { return mode_; }
  // PyTorch's _flat_weights_names: the parameter names in registration order.
  const std::vector<std::string>& flat_weights_names() const { return flat_names_; }
  // PyTorch's all_weights: per layer and direction, its parameters in order.
  std::vector<std::vector<Tensor>> all_weights() const;

 protected:
  RNNBase(std::string type_name, Mode mode, const RecurrentConfig& config);

  // Checks and runs the stack. `input` as the user gave it; hx (and cx for LSTM) may be
  // undefined. Returns (output, h_n, c_n) with c_n undefined except for LSTM.
  struct Result {
    Tensor output, h_n, c_n;
  };
  Result run(const Tensor& input, const Tensor& hx, const Tensor& cx);

 private:
  int64_t num_directions() const { return config_.bidirectional_ ? 2 : 1; }
  int64_t gate_count() const;
  int64_t real_hidden_size() const { return config_.proj_size_ > 0 ? config_.proj_size_ : config_.hidden_size_; }
  // One layer in one direction over time-major x [T, B, F]; returns outputs [T, B, H'] and
  // the final h (and c).
  Result run_direction(const Tensor& x, int64_t layer, bool reverse, const Tensor& h0, const Tensor& c0);

  Mode mode_;
  RecurrentConfig config_;
  std::vector<std::string> flat_names_;
};

// RNN, LSTM, GRU and LSTMCell hide Module::forward(input) on purpose (the pragmas below): PyTorch's
// forward(input, hx=None) returning a tuple cannot also be the one-tensor virtual, and
// `using Module::forward` would make forward(x) ambiguous. Every caller that does not know the
// module's type goes through forward_list.

// Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).
class RNN : public RNNBase {
 public:
  explicit RNN(const RNNOptions& options);
  RNN(int64_t input_size, int64_t hidden_size) : RNN(RNNOptions(input_size, hidden_size)) {}
  // (output, h_n); output [T, B, D*hidden] (batch_first: [B, T, ..]), h_n [L*D, B, hidden].
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverloaded-virtual"
  std::pair<Tensor, Tensor> forward(const Tensor& input, const Tensor& hx = Tensor());
#pragma GCC diagnostic pop
  std::pair<Tensor, Tensor> operator()(const Tensor& input, const Tensor& hx = Tensor()) {
    std::vector<Tensor> out = call({input, hx});
    return {out[0], out[1]};
  }
  // (input, h0) -> (output, h_n)
  std::vector<Tensor> forward_list(const std::vector<Tensor>& inputs, const ForwardOptions& = {}) override;
  RNNOptions options;
  Json options_json() const override { return fields_to_json(options); }
};

// LSTM: gates i, f, g, o; c' = f*c + i*g; h' = o*tanh(c') (then h' W_hr^T with proj_size).
class LSTM : public RNNBase {
 public:
  using State = std::pair<Tensor, Tensor>;  // (h, c)
  explicit LSTM(const LSTMOptions& options);
  LSTM(int64_t input_size, int64_t hidden_size) : LSTM(LSTMOptions(input_size, hidden_size)) {}
  // (output, (h_n, c_n)). hx = (h_0, c_0), both defined or both undefined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverloaded-virtual"
  std::pair<Tensor, State> forward(const Tensor& input, const State& hx = State());
#pragma GCC diagnostic pop
  std::pair<Tensor, State> operator()(const Tensor& input, const State& hx = State()) {
    std::vector<Tensor> out = call({input, hx.first, hx.second});
    return {out[0], {out[1], out[2]}};
  }
  // (input, h0, c0) -> (output, h_n, c_n)
  std::vector<Tensor> forward_list(const std::vector<Tensor>& inputs, const ForwardOptions& = {}) override;
  LSTMOptions options;
  Json options_json() const override { return fields_to_json(options); }
};

// GRU: r = σ(W_ir x + b_ir + W_hr h + b_hr), z likewise, n = tanh(W_in x + b_in + r*(W_hn h + b_hn)),
// h' = (1 - z)*n + z*h.
class GRU : public RNNBase {
 public:
  explicit GRU(const GRUOptions& options);
  GRU(int64_t input_size, int64_t hidden_size) : GRU(GRUOptions(input_size, hidden_size)) {}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverloaded-virtual"
  std::pair<Tensor, Tensor> forward(const Tensor& input, const Tensor& hx = Tensor());
#pragma GCC diagnostic pop
  std::pair<Tensor, Tensor> operator()(const Tensor& input, const Tensor& hx = Tensor()) {
    std::vector<Tensor> out = call({input, hx});
    return {out[0], out[1]};
  }
  // (input, h0) -> (output, h_n)
  std::vector<Tensor> forward_list(const std::vector<Tensor>& inputs, const ForwardOptions& = {}) override;
  GRUOptions options;
  Json options_json() const override { return fields_to_json(options); }
};

// ---- cells: one time step; input [B, input_size] or unbatched [input_size] ----

// The cells' options, with PyTorch's defaults.
struct RNNCellOptions {
  RNNCellOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  KD_ARG(int64_t, input_size);   // features of the input (required)
  KD_ARG(int64_t, hidden_size);  // features of the hidden state (required)
  KD_ARG(bool, bias) = true;     // add bias_ih / bias_hh
  KD_ARG(RNNNonlinearity, nonlinearity) = RNNNonlinearity::Tanh;
  template <typename V>
  void fields(V& v) {
    v.integer("input_size", input_size_);
    v.integer("hidden_size", hidden_size_);
    v.boolean("bias", bias_);
    v.enumeration("nonlinearity", nonlinearity_, {{"tanh", RNNNonlinearity::Tanh}, {"relu", RNNNonlinearity::ReLU}});
  }
};

struct LSTMCellOptions {
  LSTMCellOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  KD_ARG(int64_t, input_size);   // features of the input (required)
  KD_ARG(int64_t, hidden_size);  // features of the hidden state (required)
  KD_ARG(bool, bias) = true;     // add bias_ih / bias_hh
  template <typename V>
  void fields(V& v) {
    v.integer("input_size", input_size_);
    v.integer("hidden_size", hidden_size_);
    v.boolean("bias", bias_);
  }
};

struct GRUCellOptions {
  GRUCellOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  KD_ARG(int64_t, input_size);   // features of the input (required)
  KD_ARG(int64_t, hidden_size);  // features of the hidden state (required)
  KD_ARG(bool, bias) = true;     // add bias_ih / bias_hh
  template <typename V>
  void fields(V& v) {
    v.integer("input_size", input_size_);
    v.integer("hidden_size", hidden_size_);
    v.boolean("bias", bias_);
  }
};

// Parameters weight_ih [gates*hidden, input], weight_hh [gates*hidden, hidden], bias_ih, bias_hh.
class RNNCellBase : public Module {
 public:
  void reset();
  std::string extra_repr() const override;
  int64_t input_size() const { return input_size_; }
  int64_t hidden_size() const { return hidden_size_; }

 protected:
  RNNCellBase(std::string type_name, int64_t input_size, int64_t hidden_size, bool bias, int64_t gates);
  // Validates and batches: returns input as [B, input_size] and sets `batched`.
  Tensor check_input(const Tensor& input, bool& batched) const;
  // hx as [B, hidden] (zeros when undefined); `name` is "hx"/"cx" for messages.
  Tensor check_state(const Tensor& hx, const Tensor& input2d, bool batched, const char* name) const;
  int64_t input_size_, hidden_size_;
  bool bias_;
};

class RNNCell : public RNNCellBase {
 public:
  explicit RNNCell(const RNNCellOptions& options);
  RNNCell(int64_t input_size, int64_t hidden_size) : RNNCell(RNNCellOptions(input_size, hidden_size)) {}
  Tensor forward(const Tensor& input) override { return forward(input, Tensor()); }
  Tensor forward(const Tensor& input, const Tensor& hx);
  using Module::operator();
  Tensor operator()(const Tensor& input, const Tensor& hx) { return call({input, hx})[0]; }
  // (input, h) -> (h')
  std::vector<Tensor> forward_list(const std::vector<Tensor>& inputs, const ForwardOptions& = {}) override;
  std::string extra_repr() const override;
  RNNCellOptions options;
  Json options_json() const override { return fields_to_json(options); }
};

class LSTMCell : public RNNCellBase {
 public:
  using State = std::pair<Tensor, Tensor>;  // (h, c)
  explicit LSTMCell(const LSTMCellOptions& options);
  LSTMCell(int64_t input_size, int64_t hidden_size) : LSTMCell(LSTMCellOptions(input_size, hidden_size)) {}
  // (h', c')
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverloaded-virtual"  // as RNN's, above
  State forward(const Tensor& input, const State& hx = State());
#pragma GCC diagnostic pop
  State operator()(const Tensor& input, const State& hx = State()) {
    std::vector<Tensor> out = call({input, hx.first, hx.second});
    return {out[0], out[1]};
  }
  // (input, h, c) -> (h', c')
  std::vector<Tensor> forward_list(const std::vector<Tensor>& inputs, const ForwardOptions& = {}) override;
  LSTMCellOptions options;
  Json options_json() const override { return fields_to_json(options); }
};

class GRUCell : public RNNCellBase {
 public:
  explicit GRUCell(const GRUCellOptions& options);
  GRUCell(int64_t input_size, int64_t hidden_size) : GRUCell(GRUCellOptions(input_size, hidden_size)) {}
  Tensor forward(const Tensor& input) override { return forward(input, Tensor()); }
  Tensor forward(const Tensor& input, const Tensor& hx);
  using Module::operator();
  Tensor operator()(const Tensor& input, const Tensor& hx) { return call({input, hx})[0]; }
  // (input, h) -> (h')
  std::vector<Tensor> forward_list(const std::vector<Tensor>& inputs, const ForwardOptions& = {}) override;
  GRUCellOptions options;
  Json options_json() const override { return fields_to_json(options); }
};

}  // namespace kd::nn
