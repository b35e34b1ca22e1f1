#include "nn/rnn.h"

#include <cmath>
#include <tuple>

#include "autograd/grad_mode.h"
#include "nn/format.h"
#include "nn/functional.h"
#include "ops/ops.h"

namespace kd::nn {

namespace {

using functional::linear;

// One time step of each cell, given gi = x W_ih^T + b_ih (precomputed for a whole sequence
// by the layers, as PyTorch's CPU path does). Gate slices are narrow() views of one matmul.

// h' = act(gi + h W_hh^T + b_hh)
Tensor rnn_step(const Tensor& gi, const Tensor& h, const Tensor& w_hh, const Tensor& b_hh, bool relu) {
  Tensor pre = gi + linear(h, w_hh, b_hh);
  return relu ? pre.relu() : pre.tanh();
}

// gates (i, f, g, o) = gi + h W_hh^T + b_hh; c' = f*c + i*g; h' = o*tanh(c') [W_hr^T].
std::pair<Tensor, Tensor> lstm_step(const Tensor& gi, const Tensor& h, const Tensor& c, const Tensor& w_hh,
                                    const Tensor& b_hh, const Tensor& w_hr) {
  const int64_t H = c.size(-1);
  Tensor gates = linear(h, w_hh, b_hh) + gi;
  Tensor i = gates.narrow(-1, 0, H).sigmoid();
  Tensor f = gates.narrow(-1, H, H).sigmoid();
  Tensor g = gates.narrow(-1, 2 * H, H).tanh();
  Tensor o = gates.narrow(-1, 3 * H, H).sigmoid();
  Tensor c_next = f * c + i * g;
  Tensor h_next = o * c_next.tanh();
  if (w_hr.defined()) h_next = linear(h_next, w_hr);
  return {h_next, c_next};
}

// r, z = σ(gi_rz + gh_rz); n = tanh(gi_n + r * gh_n); h' = (h - n) * z + n  (= (1-z)*n + z*h).
// b_hn sits inside gh_n, so it is scaled by r, as in PyTorch (and cuDNN).
Tensor gru_step(const Tensor& gi, const Tensor& h, const Tensor& w_hh, const Tensor& b_hh) {
  const int64_t H = h.size(-1);
  Tensor gh = linear(h, w_hh, b_hh);
  Tensor r = (gh.narrow(-1, 0, H) + gi.narrow(-1, 0, H)).sigmoid();
  Tensor z = (gh.narrow(-1, H, H) + gi.narrow(-1, H, H)).sigmoid();
  Tensor n = (gi.narrow(-1, 2 * H, H) + gh.narrow(-1, 2 * H, H) * r).tanh();
  return (h - n) * z + n;
}

std::string hidden_tuple(int64_t a, int64_t b, int64_t c) { return str("(", a, ", ", b, ", ", c, ")"); }

std::string shape_list(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

void init_uniform(Module& m, int64_t hidden_size) {
  const double stdv = hidden_size > 0 ? 1.0 / std::sqrt(static_cast<double>(hidden_size)) : 0.0;
  NoGradGuard no_grad;
  for (Tensor& p : m.parameters()) p.uniform_(-stdv, stdv);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// RNNBase

RNNBase::RNNBase(std::string type_name, Mode mode, const RecurrentConfig& config)
    : Module(std::move(type_name)), mode_(mode), config_(config) {
  const RecurrentConfig& c = config_;
  KD_CHECK(c.dropout_ >= 0 && c.dropout_ <= 1, ValueError,
           "dropout should be a number in range [0, 1] representing the probability of an element being zeroed");
  KD_CHECK(c.input_size_ > 0, ValueError, this->type_name(), ": input_size must be greater than zero, got ", c.input_size_);
  KD_CHECK(c.hidden_size_ > 0, ValueError, "hidden_size must be greater than zero, got ", c.hidden_size_);
  KD_CHECK(c.num_layers_ > 0, ValueError, "num_layers must be greater than zero, got ", c.num_layers_);
  KD_CHECK(c.proj_size_ >= 0, ValueError, "proj_size should be a positive integer or zero to disable projections");
  KD_CHECK(c.proj_size_ == 0 || mode == Mode::LSTM, ValueError,
           "proj_size argument is only supported for LSTM, not RNN or GRU");
  KD_CHECK(c.proj_size_ < c.hidden_size_, ValueError, "proj_size has to be smaller than hidden_size");

  const int64_t gate_size = gate_count() * c.hidden_size_;
  const int64_t real_hidden = real_hidden_size();
  for (int64_t layer = 0; layer < c.num_layers_; ++layer) {
    for (int64_t dir = 0; dir < num_directions(); ++dir) {
      const int64_t layer_input = layer == 0 ? c.input_size_ : real_hidden * num_directions();
      const std::string suffix = "_l" + std::to_string(layer) + (dir == 1 ? "_reverse" : "");
      auto add = [&](const std::string& name, const Shape& shape) {
        register_parameter(name + suffix, empty(shape));
        flat_names_.push_back(name + suffix);
      };
      add("weight_ih", {gate_size, layer_input});
      add("weight_hh", {gate_size, real_hidden});
      if (c.bias_) {
        add("bias_ih", {gate_size});
        add("bias_hh", {gate_size});
      }
      if (c.proj_size_ > 0) add("weight_hr", {c.proj_size_, c.hidden_size_});
    }
  }
  reset();
}

int64_t RNNBase::gate_count() const {
  switch (mode_) {
    case Mode::LSTM: return 4;
    case Mode::GRU: return 3;
    default: return 1;
  }
}

void RNNBase::reset() { init_uniform(*this, config_.hidden_size_); }

std::vector<std::vector<Tensor>> RNNBase::all_weights() const {
  std::vector<std::vector<Tensor>> out;
  const size_t per = flat_names_.size() / static_cast<size_t>(config_.num_layers_ * num_directions());
  for (size_t i = 0; i < flat_names_.size(); i += per) {
    std::vector<Tensor> group;
    for (size_t j = i; j < i + per; ++j) group.push_back(param(flat_names_[j]));
    out.push_back(group);
  }
  return out;
}

std::string RNNBase::extra_repr() const {
  const RecurrentConfig& c = config_;
  std::string s = str(c.input_size_, ", ", c.hidden_size_);
  if (c.proj_size_ != 0) s += str(", proj_size=", c.proj_size_);
  if (c.num_layers_ != 1) s += str(", num_layers=", c.num_layers_);
  if (!c.bias_) s += ", bias=False";
  if (c.batch_first_) s += ", batch_first=True";
  if (c.dropout_ != 0) s += ", dropout=" + py_float(c.dropout_);
  if (c.bidirectional_) s += ", bidirectional=True";
  return s;
}

RNNBase::Result RNNBase::run_direction(const Tensor& x, int64_t layer, bool reverse, const Tensor& h0,
                                       const Tensor& c0) {
  const std::string suffix = "_l" + std::to_string(layer) + (reverse ? "_reverse" : "");
  auto get = [&](const std::string& name) { return has_param(name + suffix) ? param(name + suffix) : Tensor(); };
  const Tensor w_ih = get("weight_ih"), w_hh = get("weight_hh"), b_ih = get("bias_ih"), b_hh = get("bias_hh"),
               w_hr = get("weight_hr");
  const int64_t T = x.size(0), B = x.size(1);
  // The input half of every gate for all steps at once: one [T*B, F] x [F, G*H] product.
  Tensor gi = linear(x.reshape({T * B, x.size(2)}), w_ih, b_ih).view({T, B, w_ih.size(0)});
  Tensor h = h0, c = c0;
  std::vector<Tensor> outputs(static_cast<size_t>(T));
  for (int64_t s = 0; s < T; ++s) {
    const int64_t t = reverse ? T - 1 - s : s;
    Tensor g = gi.select(0, t);
    switch (mode_) {
      case Mode::RNN_TANH: h = rnn_step(g, h, w_hh, b_hh, false); break;
      case Mode::RNN_RELU: h = rnn_step(g, h, w_hh, b_hh, true); break;
      case Mode::GRU: h = gru_step(g, h, w_hh, b_hh); break;
      case Mode::LSTM: std::tie(h, c) = lstm_step(g, h, c, w_hh, b_hh, w_hr); break;
    }
    outputs[static_cast<size_t>(t)] = h;
  }
  Tensor out = T > 0 ? stack(outputs, 0) : zeros({0, B, h0.size(-1)});
  return {out, h, c};
}

RNNBase::Result RNNBase::run(const Tensor& input, const Tensor& hx_in, const Tensor& cx_in) {
  const RecurrentConfig& cfg = config_;
  const std::string& name = type_name();
  const bool lstm = mode_ == Mode::LSTM;
  KD_CHECK(input.defined(), ValueError, name, ": input is undefined");
  KD_CHECK(input.dtype() == DType::Float32, TypeError, name, ": expected a float32 input, got ", dtype_name(input.dtype()));
  KD_CHECK(input.dim() == 2 || input.dim() == 3, ShapeError, name, ": Expected input to be 2-D or 3-D but received ",
           input.dim(), "-D tensor");
  const bool batched = input.dim() == 3;
  const int64_t batch_dim = cfg.batch_first_ ? 0 : 1;
  Tensor hx = hx_in, cx = cx_in;
  if (lstm) {
    KD_CHECK(hx.defined() == cx.defined(), ValueError, "LSTM: hx must be (h_0, c_0) with both tensors defined or both undefined");
    if (hx.defined()) {
      if (batched)
        KD_CHECK(hx.dim() == 3 && cx.dim() == 3, ShapeError, "For batched 3-D input, hx and cx should also be 3-D but got (",
                 hx.dim(), "-D, ", cx.dim(), "-D) tensors");
      else
        KD_CHECK(hx.dim() == 2 && cx.dim() == 2, ShapeError, "For unbatched 2-D input, hx and cx should also be 2-D but got (",
                 hx.dim(), "-D, ", cx.dim(), "-D) tensors");
    }
  } else if (hx.defined()) {
    if (batched)
      KD_CHECK(hx.dim() == 3, ShapeError, "For batched 3-D input, hx should also be 3-D but got ", hx.dim(), "-D tensor");
    else
      KD_CHECK(hx.dim() == 2, ShapeError, "For unbatched 2-D input, hx should also be 2-D but got ", hx.dim(), "-D tensor");
  }
  Tensor x = batched ? input : input.unsqueeze(batch_dim);
  if (!batched && hx.defined()) {
    hx = hx.unsqueeze(1);
    if (cx.defined()) cx = cx.unsqueeze(1);
  }
  KD_CHECK(x.size(-1) == cfg.input_size_, ShapeError, "input.size(-1) must be equal to input_size. Expected ",
           cfg.input_size_, ", got ", x.size(-1));
  if (cfg.batch_first_) x = x.transpose(0, 1);  // time-major from here on: [T, B, F]
  const int64_t B = x.size(1), LD = cfg.num_layers_ * num_directions();
  const int64_t H = real_hidden_size();
  if (hx.defined()) {
    KD_CHECK(hx.shape() == Shape({LD, B, H}), ShapeError, lstm ? "Expected hidden[0] size " : "Expected hidden size ",
             hidden_tuple(LD, B, H), ", got ", shape_list(hx.shape()));
    KD_CHECK(hx.dtype() == DType::Float32, TypeError, name, ": expected a float32 hx, got ", dtype_name(hx.dtype()));
  }
  if (cx.defined()) {
    KD_CHECK(cx.shape() == Shape({LD, B, cfg.hidden_size_}), ShapeError, "Expected hidden[1] size ",
             hidden_tuple(LD, B, cfg.hidden_size_), ", got ", shape_list(cx.shape()));
    KD_CHECK(cx.dtype() == DType::Float32, TypeError, name, ": expected a float32 cx, got ", dtype_name(cx.dtype()));
  }

  std::vector<Tensor> h_n, c_n;
  Tensor layer_input = x;
  for (int64_t layer = 0; layer < cfg.num_layers_; ++layer) {
    std::vector<Tensor> outs;
    for (int64_t dir = 0; dir < num_directions(); ++dir) {
      const int64_t idx = layer * num_directions() + dir;
      Tensor h0 = hx.defined() ? hx.select(0, idx) : zeros({B, H});
      Tensor c0 = lstm ? (cx.defined() ? cx.select(0, idx) : zeros({B, cfg.hidden_size_})) : Tensor();
      Result r = run_direction(layer_input, layer, dir == 1, h0, c0);
      outs.push_back(r.output);
      h_n.push_back(r.h_n);
      if (lstm) c_n.push_back(r.c_n);
    }
    Tensor out = outs.size() == 1 ? outs[0] : cat(outs, 2);
    // Between layers only, and only in training (PyTorch never drops the last layer's output).
    if (cfg.dropout_ > 0 && is_training() && layer + 1 < cfg.num_layers_) out = functional::dropout(out, cfg.dropout_, true);
    layer_input = out;
  }
  Result result{layer_input, stack(h_n, 0), lstm ? stack(c_n, 0) : Tensor()};
  if (cfg.batch_first_) result.output = result.output.transpose(0, 1);
  if (!batched) {
    result.output = result.output.squeeze(batch_dim);
    result.h_n = result.h_n.squeeze(1);
    if (lstm) result.c_n = result.c_n.squeeze(1);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// RNN, LSTM, GRU

RNN::RNN(const RNNOptions& o)
    : RNNBase("RNN", o.nonlinearity() == RNNNonlinearity::ReLU ? Mode::RNN_RELU : Mode::RNN_TANH, o.config()),
      options(o) {}

std::pair<Tensor, Tensor> RNN::forward(const Tensor& input, const Tensor& hx) {
  Result r = run(input, hx, Tensor());
  return {r.output, r.h_n};
}

namespace {
RecurrentConfig lstm_config(const LSTMOptions& o) {
  RecurrentConfig c = o.config();
  c.proj_size_ = o.proj_size();
  return c;
}
}  // namespace

LSTM::LSTM(const LSTMOptions& o) : RNNBase("LSTM", Mode::LSTM, lstm_config(o)), options(o) {}

std::pair<Tensor, LSTM::State> LSTM::forward(const Tensor& input, const State& hx) {
  Result r = run(input, hx.first, hx.second);
  return {r.output, {r.h_n, r.c_n}};
}

GRU::GRU(const GRUOptions& o) : RNNBase("GRU", Mode::GRU, o.config()), options(o) {}

std::pair<Tensor, Tensor> GRU::forward(const Tensor& input, const Tensor& hx) {
  Result r = run(input, hx, Tensor());
  return {r.output, r.h_n};
}

// ---------------------------------------------------------------------------------------------
// Cells

RNNCellBase::RNNCellBase(std::string type_name, int64_t input_size, int64_t hidden_size, bool bias, int64_t gates)
    : Module(std::move(type_name)), input_size_(input_size), hidden_size_(hidden_size), bias_(bias) {
  KD_CHECK(input_size > 0, ValueError, this->type_name(), ": input_size must be greater than zero, got ", input_size);
  KD_CHECK(hidden_size > 0, ValueError, this->type_name(), ": hidden_size must be greater than zero, got ", hidden_size);
  register_parameter("weight_ih", empty({gates * hidden_size, input_size}));
  register_parameter("weight_hh", empty({gates * hidden_size, hidden_size}));
  if (bias) {
    register_parameter("bias_ih", empty({gates * hidden_size}));
    register_parameter("bias_hh", empty({gates * hidden_size}));
  } else {
    // Empty slots, as PyTorch's register_parameter('bias_ih', None): not in parameters().
    register_parameter("bias_ih", Tensor());
    register_parameter("bias_hh", Tensor());
  }
  reset();
}

void RNNCellBase::reset() { init_uniform(*this, hidden_size_); }

std::string RNNCellBase::extra_repr() const {
  std::string s = str(input_size_, ", ", hidden_size_);
  if (!bias_) s += ", bias=False";
  return s;
}

Tensor RNNCellBase::check_input(const Tensor& input, bool& batched) const {
  KD_CHECK(input.defined(), ValueError, type_name(), ": input is undefined");
  KD_CHECK(input.dtype() == DType::Float32, TypeError, type_name(), ": expected a float32 input, got ",
           dtype_name(input.dtype()));
  KD_CHECK(input.dim() == 1 || input.dim() == 2, ShapeError, type_name(), ": Expected input to be 1-D or 2-D but received ",
           input.dim(), "-D tensor");
  batched = input.dim() == 2;
  Tensor x = batched ? input : input.unsqueeze(0);
  KD_CHECK(x.size(1) == input_size_, ShapeError, "input has inconsistent input_size: got ", x.size(1), " expected ",
           input_size_);
  return x;
}

Tensor RNNCellBase::check_state(const Tensor& hx, const Tensor& x, bool batched, const char* label) const {
  if (!hx.defined()) return zeros({x.size(0), hidden_size_});
  KD_CHECK(hx.dim() == (batched ? 2 : 1), ShapeError, type_name(), ": Expected hidden", label, " to be ",
           batched ? "2-D for batched" : "1-D for unbatched", " input but received ", hx.dim(), "-D tensor");
  Tensor h = batched ? hx : hx.unsqueeze(0);
  KD_CHECK(h.size(0) == x.size(0), ShapeError, "Input batch size ", x.size(0), " doesn't match hidden", label,
           " batch size ", h.size(0));
  KD_CHECK(h.size(1) == hidden_size_, ShapeError, "hidden", label, " has inconsistent hidden_size: got ", h.size(1),
           ", expected ", hidden_size_);
  return h;
}

RNNCell::RNNCell(const RNNCellOptions& o)
    : RNNCellBase("RNNCell", o.input_size(), o.hidden_size(), o.bias(), 1), options(o) {}

std::string RNNCell::extra_repr() const {
  std::string s = RNNCellBase::extra_repr();
  if (options.nonlinearity() == RNNNonlinearity::ReLU) s += ", nonlinearity=relu";
  return s;
}

Tensor RNNCell::forward(const Tensor& input, const Tensor& hx) {
  bool batched = true;
  Tensor x = check_input(input, batched);
  Tensor h = check_state(hx, x, batched, "");
  Tensor out = rnn_step(linear(x, param("weight_ih"), param("bias_ih")), h, param("weight_hh"), param("bias_hh"),
                        options.nonlinearity() == RNNNonlinearity::ReLU);
  return batched ? out : out.squeeze(0);
}

LSTMCell::LSTMCell(const LSTMCellOptions& o)
    : RNNCellBase("LSTMCell", o.input_size(), o.hidden_size(), o.bias(), 4), options(o) {}

LSTMCell::State LSTMCell::forward(const Tensor& input, const State& hx) {
  bool batched = true;
  Tensor x = check_input(input, batched);
  KD_CHECK(hx.first.defined() == hx.second.defined(), ValueError,
           "LSTMCell: hx must be (h_0, c_0) with both tensors defined or both undefined");
  Tensor h = check_state(hx.first, x, batched, "0");
  Tensor c = check_state(hx.second, x, batched, "1");
  auto [h1, c1] = lstm_step(linear(x, param("weight_ih"), param("bias_ih")), h, c, param("weight_hh"),
                            param("bias_hh"), Tensor());
  if (!batched) return {h1.squeeze(0), c1.squeeze(0)};
  return {h1, c1};
}

GRUCell::GRUCell(const GRUCellOptions& o)
    : RNNCellBase("GRUCell", o.input_size(), o.hidden_size(), o.bias(), 3), options(o) {}

Tensor GRUCell::forward(const Tensor& input, const Tensor& hx) {
  bool batched = true;
  Tensor x = check_input(input, batched);
  Tensor h = check_state(hx, x, batched, "");
  Tensor out = gru_step(linear(x, param("weight_ih"), param("bias_ih")), h, param("weight_hh"), param("bias_hh"));
  return batched ? out : out.squeeze(0);
}

std::vector<Tensor> RNN::forward_list(const std::vector<Tensor>& inputs, const ForwardOptions&) {
  std::vector<Tensor> in = forward_inputs(inputs, 1, 2);
  auto [out, h] = forward(in[0], in[1]);
  return {out, h};
}

std::vector<Tensor> GRU::forward_list(const std::vector<Tensor>& inputs, const ForwardOptions&) {
  std::vector<Tensor> in = forward_inputs(inputs, 1, 2);
  auto [out, h] = forward(in[0], in[1]);
  return {out, h};
}

std::vector<Tensor> LSTM::forward_list(const std::vector<Tensor>& inputs, const ForwardOptions&) {
  std::vector<Tensor> in = forward_inputs(inputs, 1, 3);
  auto [out, state] = forward(in[0], {in[1], in[2]});
  return {out, state.first, state.second};
}

std::vector<Tensor> RNNCell::forward_list(const std::vector<Tensor>& inputs, const ForwardOptions&) {
  std::vector<Tensor> in = forward_inputs(inputs, 1, 2);
  return {forward(in[0], in[1])};
}

std::vector<Tensor> GRUCell::forward_list(const std::vector<Tensor>& inputs, const ForwardOptions&) {
  std::vector<Tensor> in = forward_inputs(inputs, 1, 2);
  return {forward(in[0], in[1])};
}

std::vector<Tensor> LSTMCell::forward_list(const std::vector<Tensor>& inputs, const ForwardOptions&) {
  std::vector<Tensor> in = forward_inputs(inputs, 1, 3);
  auto [h, c] = forward(in[0], {in[1], in[2]});
  return {h, c};
}

}  // namespace kd::nn
