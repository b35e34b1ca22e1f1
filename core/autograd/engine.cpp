// The backward pass: an iterative walk over the graph (no recursion, so a 1000-step unrolled
// RNN does not overflow the small wasm stack), running each node once all the gradients
// flowing into it have been summed.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <unordered_map>

#include "autograd/anomaly_mode.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/view_backward.h"
#include "kernels/kernels.h"
#include "tensor/iter.h"

namespace kd {
namespace {
thread_local bool grad_enabled = true;
std::atomic<uint64_t> next_sequence_nr{0};

// The engine sums gradients of one tensor: float32, one shape. That needs no dtype promotion,
// no broadcasting and no history, so it is a plain loop over the vector kernel; only in a
// backward with create_graph is the sum recorded (Tensor::add), to be differentiated again.

// True when nothing but `t` can see its values (no other handle, view or alias of its
// storage): the engine may then add into it, or hand it to a leaf as its .grad, in place.
bool sole_owner(const Tensor& t) {
  const TensorImpl* impl = t.impl();
  // A tensor made by Tensor::make holds its storage and version counter through one control
  // block: two references that are both its own.
  const bool one_block = !impl->storage.owner_before(impl->version) && !impl->version.owner_before(impl->storage);
  return t.impl_ptr().use_count() == 1 && impl->storage.use_count() == (one_block ? 2 : 1) && !impl->view_base &&
         !impl->grad_fn && !impl->requires_grad && impl->dtype == DType::Float32 && t.is_contiguous();
}

// dst += src, element by element (float32, one shape, dst without internal overlap).
void add_into(const Tensor& dst, const Tensor& src) {
  const KernelTable& k = kernels();
  float* d = dst.data<float>();
  const float* s = src.data<float>();
  if (dst.is_contiguous() && src.is_contiguous()) {
    k.f32_vadd(dst.numel(), d, s, d);
    return;
  }
  for_each_row<2>(dst.shape(), {dst.strides(), src.strides()},
                  [&](const std::array<int64_t, 2>& off, const std::array<int64_t, 2>& st, int64_t n) {
                    if (st[0] == 1 && st[1] == 1) {
                      k.f32_vadd(n, d + off[0], s + off[1], d + off[0]);
                      return;
                    }
                    for (int64_t i = 0; i < n; ++i) d[off[0] + i * st[0]] += s[off[1] + i * st[1]];
                  });
}

// A fresh contiguous float32 copy of `t`'s values.
Tensor fresh_copy(const Tensor& t) {
  Tensor out = Tensor::make(t.shape(), DType::Float32);
  float* o = out.data<float>();
  const float* s = t.data<float>();
  if (t.is_contiguous()) {
    std::memcpy(o, s, static_cast<size_t>(t.numel()) * sizeof(float));
    return out;
  }
  for_each_row<2>(t.shape(), {out.strides(), t.strides()},
                  [&](const std::array<int64_t, 2>& off, const std::array<int64_t, 2>& st, int64_t n) {
                    for (int64_t i = 0; i < n; ++i) o[off[0] + i] = s[off[1] + i * st[1]];
                  });
  return out;
}

// Adds `g` into `slot`, which may still be empty.
void accumulate(Tensor& slot, Tensor&& g) {
  if (!g.defined()) return;
  if (!slot.defined()) {
    slot = std::move(g);
    return;
  }
  if (GradMode::is_enabled()) {
    slot = slot.add(g);
    return;
  }
  KD_CHECK(slot.shape() == g.shape() && slot.dtype() == DType::Float32 && g.dtype() == DType::Float32, RuntimeError,
           "autograd: two gradients of one tensor differ: ", dtype_name(slot.dtype()), " ", shape_str(slot.shape()),
           " and ", dtype_name(g.dtype()), " ", shape_str(g.shape()));
  if (sole_owner(slot)) {
    add_into(slot, g);
  } else if (sole_owner(g)) {
    add_into(g, slot);  // float addition commutes exactly
    slot = std::move(g);
  } else {
    Tensor sum = fresh_copy(slot);
    add_into(sum, g);
    slot = std::move(sum);
  }
}
}  // namespace

bool GradMode::is_enabled() { return grad_enabled; }
void GradMode::set_enabled(bool enabled) { grad_enabled = enabled; }

Node::Node() : sequence_nr(next_sequence_nr++) {}

namespace {
using ReleaseQueue = std::vector<std::shared_ptr<Node>, PoolAllocator<std::shared_ptr<Node>>>;
// Non-null while a release loop runs on this thread: nested releases queue here.
thread_local ReleaseQueue* release_queue = nullptr;
}  // namespace

void release_node(std::shared_ptr<Node>&& node) {
  if (!node) return;
  if (node.use_count() > 1) {
    node.reset();
    return;
  }
  if (release_queue) {
    release_queue->push_back(std::move(node));
    return;
  }
  ReleaseQueue queue;
  queue.reserve(16);  // a pooled block: releasing a small step's graph allocates nothing
  queue.push_back(std::move(node));
  release_queue = &queue;
  while (!queue.empty()) {
    std::shared_ptr<Node> next = std::move(queue.back());
    queue.pop_back();
    next.reset();  // its destructor queues what it held instead of recursing
  }
  release_queue = nullptr;
}

Node::~Node() {
  for (Edge& e : next_edges) release_node(std::move(e.node));
}

SavedTensor::SavedTensor(const Tensor& t, bool is_output, uint32_t output_nr)
    : defined_(t.defined()), is_output_(is_output), output_nr_(output_nr) {
  if (!t.defined()) return;
  saved_version_ = t.version();
  if (is_output) {
    // Keep values and version counter but not the history, which points back to the owner.
    auto alias = make_pooled<TensorImpl>(*t.impl());
    alias->grad_fn = nullptr;
    alias->grad.reset();
    alias->grad_accumulator.reset();
    alias->view_base.reset();
    alias->requires_grad = false;
    tensor_ = Tensor(alias);
  } else {
    tensor_ = t;
  }
}

Tensor SavedTensor::unpack(const Node& owner) const {
  if (!defined_) return Tensor();
  KD_CHECK(!released_, StateError,
           "Trying to backward through the graph a second time (or directly access saved tensors after they "
           "have already been freed). Saved intermediate values of the graph are freed when you call "
           ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
           "graph a second time or if you need to access saved tensors after calling backward. (in ",
           owner.name(), ")");
  KD_CHECK(tensor_.version() == saved_version_, StateError,
           "one of the variables needed for gradient computation has been modified by an inplace operation: [",
           dtype_name(tensor_.dtype()), " ", shape_str(tensor_.shape()), "], which is saved by ", owner.name(),
           ", is at version ", tensor_.version(), "; expected version ", saved_version_, " instead.");
  if (!is_output_ || !GradMode::is_enabled()) return tensor_;
  // A backward with create_graph: the output's history is its owner, alive while it runs. The
  // alias made here is only held by the new graph, so no cycle forms.
  auto alias = make_pooled<TensorImpl>(*tensor_.impl());
  alias->grad_fn = std::const_pointer_cast<Node>(owner.shared_from_this());
  alias->output_nr = output_nr_;
  alias->requires_grad = true;
  alias->view_version = alias->version->version;
  return Tensor(alias);
}

namespace {
// Adds a gradient into an existing .grad in place, as `grad += g` (the version counter moves).
void add_into_grad(const std::shared_ptr<TensorImpl>& grad, const Tensor& g) {
  Tensor dst(grad);
  check_inplace(dst, "AccumulateGrad");
  KD_CHECK(dst.shape() == g.shape() && dst.dtype() == DType::Float32, ShapeError, "AccumulateGrad: the gradient ",
           dtype_name(g.dtype()), " ", shape_str(g.shape()), " does not match .grad, ", dtype_name(dst.dtype()), " ",
           shape_str(dst.shape()));
  add_into(dst, g);
  dst.bump_version();
}
}  // namespace

TensorList AccumulateGrad::apply(TensorList&& grad_outputs) {
  Tensor& g = grad_outputs[0];
  if (!g.defined()) return {};
  if (GradMode::is_enabled()) {
    // create_graph: .grad keeps the history of the gradient, and a second gradient is added
    // out of place, recorded (an in-place add would rewrite the first one's history).
    leaf_->grad = (leaf_->grad ? Tensor(leaf_->grad).add(g) : g.clone()).impl_ptr();
    return {};
  }
  if (leaf_->grad) {
    add_into_grad(leaf_->grad, g);
    return {};
  }
  // The gradient itself when nothing else can see it, else a fresh contiguous copy (the
  // incoming gradient may alias a buffer of some other node, or a tensor a hook kept).
  leaf_->grad = (sole_owner(g) ? std::move(g) : fresh_copy(g)).impl_ptr();
  return {};
}

// A differentiable view whose storage was written in place after its history was recorded
// reads values its grad_fn knows nothing about: its history becomes "a strided view of the
// base's current history".
void refresh_view_history(TensorImpl& t) {
  if (!t.view_base || !t.grad_fn || t.view_version == t.version->version || !t.view_base->requires_grad) return;
  Tensor base(t.view_base);
  auto node = make_node<AsStridedBackward>("AsStridedBackward0", Geometry::of(base),
                                                  Geometry{t.shape, t.strides, t.offset});
  node->next_edges = {gradient_edge(base)};
  release_node(std::move(t.grad_fn));
  t.grad_fn = node;
  t.output_nr = 0;
  t.view_version = t.version->version;
}

Tensor run_tensor_hooks(const TensorHookList& hooks, Tensor grad) {
  // A copy: a hook may register or remove hooks on the same tensor while it runs.
  auto entries = hooks.entries;
  for (auto& [id, hook] : entries) {
    Tensor replaced = hook(grad);
    if (!replaced.defined()) continue;
    KD_CHECK(replaced.shape() == grad.shape(), ShapeError, "hook has changed the size of value: expected ",
             shape_str(grad.shape()), " but got ", shape_str(replaced.shape()));
    KD_CHECK(replaced.dtype() == grad.dtype(), TypeError, "hook has changed the type of value: expected ",
             dtype_name(grad.dtype()), " but got ", dtype_name(replaced.dtype()));
    grad = replaced;
  }
  return grad;
}

Edge gradient_edge(const Tensor& t) {
  TensorImpl* impl = t.impl();
  refresh_view_history(*impl);
  if (impl->grad_fn) return Edge{impl->grad_fn, impl->output_nr};
  if (!impl->requires_grad) return Edge{};
  std::shared_ptr<Node> acc = impl->grad_accumulator.lock();
  if (!acc) {
    acc = make_node<AccumulateGrad>(t.impl_ptr());
    impl->grad_accumulator = acc;
  }
  return Edge{acc, 0};
}

bool any_requires_grad(std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor* t : inputs)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

bool any_requires_grad(const Tensor* inputs, size_t count) {
  if (!GradMode::is_enabled()) return false;
  for (size_t i = 0; i < count; ++i)
    if (inputs[i].defined() && inputs[i].requires_grad()) return true;
  return false;
}

void set_history(const std::shared_ptr<Node>& node, const Tensor* inputs, size_t num_inputs, Tensor* const* outputs,
                 size_t num_outputs) {
  if (AnomalyMode::is_enabled())
    check_anomaly_forward(*node, std::vector<Tensor>(inputs, inputs + num_inputs),
                          std::vector<Tensor*>(outputs, outputs + num_outputs));
  node->next_edges.clear();
  node->next_edges.reserve(num_inputs);
  for (size_t i = 0; i < num_inputs; ++i)
    node->next_edges.push_back(inputs[i].defined() ? gradient_edge(inputs[i]) : Edge{});
  node->num_outputs = static_cast<uint32_t>(num_outputs);
  for (size_t i = 0; i < num_outputs; ++i) {
    TensorImpl* out = outputs[i]->impl();
    out->grad_fn = node;
    out->output_nr = static_cast<uint32_t>(i);
    out->requires_grad = true;
    out->view_version = out->version->version;
  }
}

namespace {

// The nodes from which a node in `targets` can be reached (targets included): the only ones
// autograd::grad must run. An iterative post-order walk, so a long graph cannot overflow the stack.
std::unordered_map<Node*, bool> nodes_leading_to(const std::vector<Node*>& starts, const std::unordered_map<Node*, int>& targets) {
  std::unordered_map<Node*, bool> leads;
  std::vector<std::pair<Node*, size_t>> stack;
  for (Node* start : starts) {
    if (leads.count(start)) continue;
    leads[start] = targets.count(start) > 0;
    stack.emplace_back(start, 0);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node->next_edges.size()) {
        Node* child = node->next_edges[next++].node.get();
        if (!child) continue;
        if (!leads.count(child)) {
          leads[child] = targets.count(child) > 0;
          stack.emplace_back(child, 0);
        } else if (leads[child]) {
          leads[node] = true;
        }
        continue;
      }
      Node* done = node;
      bool done_leads = leads[done];
      stack.pop_back();
      if (done_leads && !stack.empty()) leads[stack.back().first] = true;
    }
  }
  return leads;
}

}  // namespace

namespace {

// What one backward pass keeps per node reachable from its roots: the node (alive while the
// pass runs), the gradients summed for its outputs, and how many edges into it have not run.
struct Pending {
  std::shared_ptr<Node> node;
  TensorList grads;
  int dependencies = 0;
};

// The working memory of a backward pass, kept by its thread and reused by the next pass, so
// that a training step's backward makes no allocation of its own once warmed up: entries keep
// their gradient lists (inline up to three outputs, else their heap block), the index its pooled
// nodes and buckets, the stacks theirs.
struct PassState {
  std::vector<Pending> entries;  // [0, used) belong to the running pass
  size_t used = 0;
  std::unordered_map<Node*, size_t, std::hash<Node*>, std::equal_to<Node*>, PoolAllocator<std::pair<Node* const, size_t>>>
      index;  // node -> its entry
  std::vector<Node*> stack, starts, ready;

  Pending& entry(Node* node) {
    auto [it, inserted] = index.try_emplace(node, used);
    if (inserted && used++ == entries.size()) entries.emplace_back();
    return entries[it->second];
  }
  // The entry of a node the counting walk reached (every node the pass runs or feeds).
  Pending& reached(Node* node) { return entries[index.at(node)]; }
  // Lets go of the pass's nodes and gradients, keeping the memory (also when the pass threw).
  void reset() {
    for (size_t i = 0; i < used; ++i) {
      release_node(std::move(entries[i].node));
      entries[i].grads.clear();
      entries[i].dependencies = 0;
    }
    used = 0;
    index.clear();
    stack.clear();
    starts.clear();
    ready.clear();
  }
};

// One state per nesting level: a hook or a node may run a backward pass of its own inside one.
thread_local std::vector<std::unique_ptr<PassState>> pass_states;
thread_local size_t pass_depth = 0;

struct PassScope {
  PassState* state;
  PassScope() {
    if (pass_depth == pass_states.size()) pass_states.push_back(std::make_unique<PassState>());
    state = pass_states[pass_depth++].get();
  }
  ~PassScope() {
    state->reset();
    --pass_depth;
  }
};

}  // namespace

std::vector<Tensor> run_backward(const Tensor* roots, const Tensor* seeds, size_t num_roots, bool retain_graph,
                                 bool create_graph, const std::vector<Tensor>* inputs, bool allow_unused) {
  PassScope scope;
  PassState& pass = *scope.state;

  // Count, for every node reachable from the roots, how many edges lead into it.
  for (size_t i = 0; i < num_roots; ++i) {
    Edge e = gradient_edge(roots[i]);
    KD_CHECK(e.valid(), StateError, "element 0 of tensors does not require grad and does not have a grad_fn");
    pass.starts.push_back(e.node.get());
    Pending& p = pass.entry(e.node.get());
    if (!p.node) {
      p.node = e.node;
      pass.stack.push_back(e.node.get());
    }
  }
  while (!pass.stack.empty()) {
    Node* node = pass.stack.back();
    pass.stack.pop_back();
    for (const Edge& e : node->next_edges) {
      if (!e.valid()) continue;
      Pending& p = pass.entry(e.node.get());
      p.dependencies++;
      if (!p.node) {
        p.node = e.node;
        pass.stack.push_back(e.node.get());
      }
    }
  }
  // Every node the pass can reach has its entry now: `entries` no longer grows, so references
  // into it stay valid below.

  // autograd::grad: where each input's gradient arrives (its grad_fn's output, or its leaf's
  // accumulator), and which nodes must run to get there.
  std::vector<Edge> input_edges;
  std::unordered_map<Node*, int> targets;
  std::unordered_map<Node*, bool> needed;
  std::vector<Tensor> captured;
  if (inputs) {
    for (size_t i = 0; i < inputs->size(); ++i) {
      const Tensor& in = (*inputs)[i];
      KD_CHECK(in.defined() && in.requires_grad(), StateError, "One of the differentiated Tensors does not require grad");
      Edge e = gradient_edge(in);
      input_edges.push_back(e);  // holds a leaf's accumulator, which may be new, for the pass
      targets[e.node.get()]++;
    }
    needed = nodes_leading_to(pass.starts, targets);
    captured.resize(inputs->size());
  }

  // Each node's backward runs with grad mode on exactly when the graph of the gradients is
  // wanted (restored however this returns).
  struct RestoreMode {
    bool mode = GradMode::is_enabled();
    ~RestoreMode() { GradMode::set_enabled(mode); }
  } restore;
  GradMode::set_enabled(create_graph);

  // A heap of ready nodes, the latest made on top.
  auto later_first = [](Node* a, Node* b) { return a->sequence_nr < b->sequence_nr; };
  auto make_ready = [&](Node* node) {
    pass.ready.push_back(node);
    std::push_heap(pass.ready.begin(), pass.ready.end(), later_first);
  };
  for (size_t i = 0; i < num_roots; ++i) {
    Edge e = gradient_edge(roots[i]);
    Pending& p = pass.reached(e.node.get());
    p.grads.resize(e.node->num_outputs);
    accumulate(p.grads[e.input_nr], Tensor(seeds[i]));
  }
  for (size_t i = 0; i < pass.used; ++i)
    if (pass.entries[i].dependencies == 0) make_ready(pass.entries[i].node.get());

  while (!pass.ready.empty()) {
    std::pop_heap(pass.ready.begin(), pass.ready.end(), later_first);
    Node* node = pass.ready.back();
    pass.ready.pop_back();
    TensorList& grads = pass.reached(node).grads;
    grads.resize(node->num_outputs);

    for (uint32_t k = 0; k < grads.size(); ++k) {
      const TensorHookList* hooks = node->hooks_for(k);
      if (hooks && !hooks->empty() && grads[k].defined()) grads[k] = run_tensor_hooks(*hooks, grads[k]);
    }

    // retain_grad(): a non-leaf keeps a copy of the gradient flowing into it.
    for (size_t k = 0; k < node->retained_outputs.size() && k < grads.size(); ++k) {
      auto impl = node->retained_outputs[k].lock();
      if (!impl || !grads[k].defined()) continue;
      if (impl->grad) add_into_grad(impl->grad, grads[k]);
      else impl->grad = fresh_copy(grads[k]).impl_ptr();
    }

    bool runs = true;
    if (inputs) {
      for (size_t i = 0; i < input_edges.size(); ++i)
        if (input_edges[i].node.get() == node && input_edges[i].input_nr < grads.size())
          captured[i] = grads[input_edges[i].input_nr];
      runs = !node->accumulates() && needed[node];
    }

    bool any_defined = false;
    for (const Tensor& g : grads) any_defined |= g.defined();
    TensorList input_grads;
    if (runs && any_defined) {
      // The node reads (or takes) the gradients; what it leaves is dropped right after, and the
      // list keeps its capacity for the next pass.
      input_grads = node->apply(std::move(grads));
      if (AnomalyMode::is_enabled()) check_anomaly_backward(*node, input_grads);
    }
    grads.clear();
    if (runs && !retain_graph) node->release_saved();

    for (size_t i = 0; i < node->next_edges.size(); ++i) {
      const Edge& e = node->next_edges[i];
      if (!e.valid()) continue;
      Pending& next = pass.reached(e.node.get());
      next.grads.resize(e.node->num_outputs);
      if (i < input_grads.size()) accumulate(next.grads[e.input_nr], std::move(input_grads[i]));
      if (--next.dependencies == 0) make_ready(e.node.get());
    }
  }

  if (inputs && !allow_unused)
    for (const Tensor& g : captured)
      KD_CHECK(g.defined(), StateError,
               "One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if "
               "this is the desired behavior.");
  return captured;
}

}  // namespace kd
