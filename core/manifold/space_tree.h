// The Barnes-Hut tree of t-SNE: a quadtree in 2-D (a binary tree in 1-D, an octree in 3-D)
// over the embedding, rebuilt at every iteration, that sums the repulsive forces of all other
// points on one point in O(log n) by treating a far cell as one point at its centre of mass.
//
// A cell is "far" from y_i when its side w and the distance r from y_i to its centre of mass
// have w / r < angle (theta): theta = 0 visits every point (exact), 0.5 is sklearn's default.
// Points at identical coordinates share a leaf (its count says how many).
//
// Nodes live in one vector reused across builds: after the first iteration, no allocation.
// Insertion order is the point order and each query walks the cells in a fixed order, so
// the sums are the same whatever the number of threads.
#pragma once

#include <cstdint>
#include <vector>

namespace kd {
namespace manifold {

class SpaceTree {
 public:
  static constexpr int kMaxDims = 3;

  // y: n points of `dims` floats (1 <= dims <= 3), all finite.
  void build(const float* y, int64_t n, int dims);

  // For point i at y (its coordinates in the points the tree was built on): adds to `force`
  // (dims doubles) the sum over the other points j of q_ij^2 (y_i - y_j), with
  // q_ij = 1 / (1 + |y_i - y_j|^2), and returns the sum of the q_ij, both with far cells
  // summarised. `stack` is scratch space, reused between calls.
  double repulsion(const float* y, double theta, double* force, std::vector<int32_t>& stack) const;

 private:
  struct Node {
    double center[kMaxDims];  // of the cell
    double half_width;
    double sum[kMaxDims];     // of the coordinates of the points inside
    int64_t count;
    int32_t first_child;      // -1 for a leaf; else 2^dims consecutive children
    int32_t point;            // a leaf's point (the first one inserted), -1 when empty
  };

  // What a query reads of a node, packed (40 bytes in 2-D) so that a walk touches fewer cache
  // lines than the whole Node would.
  struct Cell {
    double mass_center[kMaxDims];
    double width2;  // the side, squared
    int32_t count;
    int32_t first_child;
  };

  int32_t add_node(const double* center, double half_width);
  int child_slot(const Node& node, const double* y) const;

  int dims_ = 2;
  std::vector<Node> nodes_;
  std::vector<Cell> cells_;  // cells_[i] is nodes_[i] for queries, filled at the end of build
};

}  // namespace manifold
}  // namespace kd
