// In-place ops and autograd. An in-place op computes its result out of place from a clone of
// `self` (so the old value's history is kept), writes the values into self, and then
// `rebase_history` makes self's grad_fn the result's. When self is a view, the base's history
// is rewritten by a CopySlices node: the gradient of the viewed region flows through the
// in-place op, the rest of the base's gradient flows to its old history.
#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "autograd/view_backward.h"

namespace kd {
namespace {

class CopySlices final : public Node {
 public:
  CopySlices(Geometry base, Geometry view) : base_(std::move(base)), view_(std::move(view)) {}
  // grads[0] has the base's shape. Output 0 goes to the base's old history with the region
  // zeroed (it was overwritten); output 1 goes to the in-place result's history: the gradient
  // read at the view's places. Both are maps over the storage the two share, recorded in a
  // backward with create_graph.
  TensorList apply(TensorList&& grads) override {
    const Tensor& g = grads[0];
    return {zero_region(g, base_, view_), scatter_to_geometry("AsStridedBackward0", g, view_, base_)};
  }
  std::string name() const override { return "CopySlices"; }

 private:
  Geometry base_;
  Geometry view_;
};

bool has_internal_overlap(const Tensor& t) {
  for (int64_t i = 0; i < t.dim(); ++i)
    if (t.strides()[i] == 0 && t.shape()[i] > 1) return true;
  return false;
}

}  // namespace

void check_inplace(const Tensor& self, const char* op) {
  KD_CHECK(!has_internal_overlap(self), StateError, op,
           ": unsupported operation: more than one element of the written-to tensor refers to a single memory "
           "location. Please clone() the tensor before performing the operation.");
  if (!GradMode::is_enabled()) return;
  const TensorImpl* t = self.impl();
  KD_CHECK(!(t->requires_grad && !t->grad_fn && !t->view_base), StateError, op,
           ": a leaf Variable that requires grad is being used in an in-place operation.");
  if (t->view_base) {
    const TensorImpl* base = t->view_base.get();
    KD_CHECK(!(base->requires_grad && !base->grad_fn), StateError, op,
             ": a view of a leaf Variable that requires grad is being used in an in-place operation.");
    // A view without history of a base with history was made under no_grad (or before the base
    // required grad): writing through it untracked would change the base's values behind its
    // history, a silently wrong gradient.
    KD_CHECK(!(base->requires_grad && !t->grad_fn), StateError, op,
             ": A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given that "
             "this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both "
             "the view and the inplace either both inside the no_grad block (if you don't want the inplace to be "
             "tracked) or both outside (if you want the inplace to be tracked).");
  }
}

void rebase_history(Tensor& self, const Tensor& result) {
  TensorImpl* t = self.impl();
  if (!result.requires_grad()) return;
  if (!t->view_base) {
    std::shared_ptr<Node> old_fn = t->grad_fn;
    const uint32_t old_nr = t->output_nr;
    t->grad_fn = result.grad_fn();
    t->output_nr = result.impl()->output_nr;
    t->requires_grad = true;
    // retain_grad() registered self on its old grad_fn: move it, so that .grad is the gradient
    // of the value self holds now (as PyTorch; for a view PyTorch drops it, and so do we).
    if (t->retains_grad && old_fn && old_fn != t->grad_fn) {
      if (old_nr < old_fn->retained_outputs.size()) old_fn->retained_outputs[old_nr].reset();
      auto& retained = t->grad_fn->retained_outputs;
      if (retained.size() <= t->output_nr) retained.resize(t->output_nr + 1);
      retained[t->output_nr] = self.impl_ptr();
    }
    return;
  }
  Tensor base(t->view_base);
  auto copy_slices = make_node<CopySlices>(Geometry::of(base), Geometry::of(self));
  copy_slices->next_edges = {gradient_edge(base), Edge{result.grad_fn(), result.impl()->output_nr}};
  copy_slices->num_outputs = 1;
  TensorImpl* b = base.impl();
  b->grad_fn = copy_slices;
  b->output_nr = 0;
  b->requires_grad = true;
  // The view now reads the base's new history through its geometry.
  auto view_fn = make_node<AsStridedBackward>("AsStridedBackward0", Geometry::of(base), Geometry::of(self));
  view_fn->next_edges = {Edge{copy_slices, 0}};
  t->grad_fn = view_fn;
  t->output_nr = 0;
  t->requires_grad = true;
  t->view_version = t->version->version;
}

}  // namespace kd
