// Eigen-decomposition of a real symmetric matrix in double (the covariance behind PCA).
//
// Cyclic Jacobi rotations: slower than Householder + QL for large n (about 4 n^3 flops a sweep,
// 6 to 10 sweeps), but every rotation is orthogonal to machine precision, so eigenvectors come
// out orthonormal and small eigenvalues accurate, and the code is short enough to check by
// eye. PCA sees n = n_features (tens to a few hundred), where this takes milliseconds.
#pragma once

#include <cstdint>
#include <vector>

namespace kd {
namespace decomposition {

struct SymmetricEigen {
  std::vector<double> values;   // n eigenvalues, descending
  std::vector<double> vectors;  // n x n row-major: row i is the unit eigenvector of values[i]
};

// a: n x n row-major, symmetric (only symmetry up to rounding is assumed).
SymmetricEigen symmetric_eigen(std::vector<double> a, int64_t n);

}  // namespace decomposition
}  // namespace kd
