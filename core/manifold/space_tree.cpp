#include "manifold/space_tree.h"

#include <algorithm>
#include <cmath>

namespace kd {
namespace manifold {

namespace {
// Below this cell size (relative to the root) distinct points are kept in one leaf, as if they
// were duplicates: it bounds the depth when two points are a rounding error apart.
constexpr double kMinRelativeWidth = 1e-12;
}  // namespace

int32_t SpaceTree::add_node(const double* center, double half_width) {
  Node node{};
  for (int d = 0; d < dims_; ++d) node.center[d] = center[d];
  node.half_width = half_width;
  node.first_child = -1;
  node.point = -1;
  nodes_.push_back(node);
  return static_cast<int32_t>(nodes_.size() - 1);
}

int SpaceTree::child_slot(const Node& node, const double* y) const {
  int slot = 0;
  for (int d = 0; d < dims_; ++d)
    if (y[d] >= node.center[d]) slot |= 1 << d;
  return slot;
}

void SpaceTree::build(const float* y, int64_t n, int dims) {
  dims_ = dims;
  nodes_.clear();
  double lo[kMaxDims] = {}, hi[kMaxDims] = {}, center[kMaxDims] = {};
  for (int d = 0; d < dims; ++d) {
    lo[d] = hi[d] = n > 0 ? y[d] : 0.0;
  }
  for (int64_t i = 0; i < n; ++i)
    for (int d = 0; d < dims; ++d) {
      lo[d] = std::min(lo[d], static_cast<double>(y[i * dims + d]));
      hi[d] = std::max(hi[d], static_cast<double>(y[i * dims + d]));
    }
  double half = 0;
  for (int d = 0; d < dims; ++d) {
    center[d] = (lo[d] + hi[d]) / 2;
    half = std::max(half, (hi[d] - lo[d]) / 2);
  }
  // A little room so that the largest coordinate is strictly inside.
  half = half * (1 + 1e-6) + 1e-12;
  const double min_half = half * kMinRelativeWidth;
  add_node(center, half);

  const int children = 1 << dims;
  for (int64_t i = 0; i < n; ++i) {
    double p[kMaxDims];
    for (int d = 0; d < dims; ++d) p[d] = y[i * dims + d];
    int32_t at = 0;
    while (true) {
      Node& node = nodes_[at];
      node.count += 1;
      for (int d = 0; d < dims; ++d) node.sum[d] += p[d];
      if (node.first_child >= 0) {
        at = node.first_child + child_slot(node, p);
        continue;
      }
      if (node.point < 0) {
        node.point = static_cast<int32_t>(i);
        break;
      }
      const int64_t old = node.point;
      bool same = true;
      for (int d = 0; d < dims; ++d) same = same && y[old * dims + d] == p[d];
      if (same || node.half_width < min_half) break;
      // Split: the leaf's points (old and its duplicates) move to one child, then i goes on down.
      double old_p[kMaxDims];
      for (int d = 0; d < dims; ++d) old_p[d] = y[old * dims + d];
      const double child_half = node.half_width / 2;
      double parent_center[kMaxDims];
      for (int d = 0; d < dims; ++d) parent_center[d] = node.center[d];
      const int64_t moved_count = node.count - 1;
      double moved_sum[kMaxDims];
      for (int d = 0; d < dims; ++d) moved_sum[d] = node.sum[d] - p[d];
      const int32_t first = static_cast<int32_t>(nodes_.size());
      for (int c = 0; c < children; ++c) {
        double cc[kMaxDims];
        for (int d = 0; d < dims; ++d) cc[d] = parent_center[d] + ((c >> d) & 1 ? child_half : -child_half);
        add_node(cc, child_half);  // may reallocate: `node` is not used below
      }
      Node& parent = nodes_[at];
      parent.first_child = first;
      parent.point = -1;
      Node& moved = nodes_[first + child_slot(parent, old_p)];
      moved.point = static_cast<int32_t>(old);
      moved.count = moved_count;
      for (int d = 0; d < dims; ++d) moved.sum[d] = moved_sum[d];
      at = first + child_slot(parent, p);
    }
  }
  cells_.resize(nodes_.size());
  for (size_t c = 0; c < nodes_.size(); ++c) {
    const Node& node = nodes_[c];
    Cell& cell = cells_[c];
    for (int d = 0; d < dims; ++d) cell.mass_center[d] = node.count > 0 ? node.sum[d] / node.count : 0.0;
    cell.width2 = 4 * node.half_width * node.half_width;
    cell.count = static_cast<int32_t>(node.count);
    cell.first_child = node.first_child;
  }
}

double SpaceTree::repulsion(const float* y, double theta, double* force, std::vector<int32_t>& stack) const {
  const int dims = dims_;
  double yi[kMaxDims];
  for (int d = 0; d < dims; ++d) yi[d] = y[d];
  const double theta2 = theta * theta;
  const int children = 1 << dims;
  double z = 0;
  // Stack entries are node * 2 + on_path, where on_path says the cell is one that inserting y
  // descended through: i's own cell at that depth, which holds i (i must not repel itself, so
  // such a cell is never summarised). A cell is judged when its parent is opened, so only the
  // cells to open go through the stack.
  auto visit = [&](int32_t at, bool on_path) {
    const Cell& cell = cells_[at];
    if (cell.count == 0) return;
    const bool leaf = cell.first_child < 0;
    if (!leaf && on_path) {
      stack.push_back(at * 2 + 1);
      return;
    }
    double count = cell.count;
    double diff[kMaxDims], dist2 = 0;
    if (leaf && on_path) {
      // i's own leaf: the others in it (duplicates), at their own centre of mass.
      if (cell.count == 1) return;
      for (int d = 0; d < dims; ++d) diff[d] = yi[d] - (cell.mass_center[d] * count - yi[d]) / (count - 1);
      count -= 1;
    } else {
      for (int d = 0; d < dims; ++d) diff[d] = yi[d] - cell.mass_center[d];
    }
    for (int d = 0; d < dims; ++d) dist2 += diff[d] * diff[d];
    if (leaf || cell.width2 < theta2 * dist2) {
      const double q = 1 / (1 + dist2);
      z += count * q;
      const double mult = count * q * q;
      for (int d = 0; d < dims; ++d) force[d] += mult * diff[d];
    } else {
      stack.push_back(at * 2);
    }
  };
  stack.clear();
  visit(0, true);
  while (!stack.empty()) {
    const int32_t entry = stack.back();
    stack.pop_back();
    const int32_t at = entry >> 1;
    const int own = (entry & 1) ? child_slot(nodes_[at], yi) : -1;
    const int32_t first = cells_[at].first_child;
    for (int c = 0; c < children; ++c) visit(first + c, c == own);
  }
  return z;
}

}  // namespace manifold
}  // namespace kd
