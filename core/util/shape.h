// Shape arithmetic shared by every op: dim wrapping, broadcasting, strides, formatting.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <string>
#include <vector>

namespace kd {

// Sizes or strides of a tensor: a vector of int64 that keeps up to kInline values inside itself
// and goes to the heap only beyond (tensors of more than six dims are rare). Every tensor has
// two, and every op makes a few, so a heap block each was a fifth of the allocations of a small
// training step. It has the part of std::vector's interface the code uses.
class Shape {
 public:
  static constexpr size_t kInline = 6;
  using value_type = int64_t;
  using size_type = size_t;
  using difference_type = std::ptrdiff_t;
  using reference = int64_t&;
  using const_reference = const int64_t&;
  using pointer = int64_t*;
  using const_pointer = const int64_t*;
  using iterator = int64_t*;
  using const_iterator = const int64_t*;
  using reverse_iterator = std::reverse_iterator<iterator>;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;

  Shape() = default;
  explicit Shape(size_t n, int64_t value = 0) { assign(n, value); }
  Shape(std::initializer_list<int64_t> values) { assign(values.begin(), values.end()); }
  template <typename It, typename = typename std::iterator_traits<It>::iterator_category>
  Shape(It first, It last) { assign(first, last); }
  Shape(const std::vector<int64_t>& values) { assign(values.begin(), values.end()); }  // NOLINT: as a vector converts
  Shape(const Shape& other) { assign(other.begin(), other.end()); }
  Shape(Shape&& other) noexcept { take(other); }
  ~Shape() { release(); }
  Shape& operator=(const Shape& other) {
    if (this != &other) assign(other.begin(), other.end());
    return *this;
  }
  Shape& operator=(Shape&& other) noexcept {
    if (this != &other) {
      release();
      take(other);
    }
    return *this;
  }
  Shape& operator=(std::initializer_list<int64_t> values) {
    assign(values.begin(), values.end());
    return *this;
  }
  operator std::vector<int64_t>() const { return std::vector<int64_t>(begin(), end()); }  // NOLINT

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return capacity_; }
  int64_t* data() { return on_heap() ? heap_ : inline_; }
  const int64_t* data() const { return on_heap() ? heap_ : inline_; }
  iterator begin() { return data(); }
  iterator end() { return data() + size_; }
  const_iterator begin() const { return data(); }
  const_iterator end() const { return data() + size_; }
  const_iterator cbegin() const { return begin(); }
  const_iterator cend() const { return end(); }
  reverse_iterator rbegin() { return reverse_iterator(end()); }
  reverse_iterator rend() { return reverse_iterator(begin()); }
  const_reverse_iterator rbegin() const { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const { return const_reverse_iterator(begin()); }
  int64_t& operator[](size_t i) { return data()[i]; }
  const int64_t& operator[](size_t i) const { return data()[i]; }
  int64_t& front() { return data()[0]; }
  const int64_t& front() const { return data()[0]; }
  int64_t& back() { return data()[size_ - 1]; }
  const int64_t& back() const { return data()[size_ - 1]; }

  void reserve(size_t n) {
    if (n <= capacity_) return;
    int64_t* grown = new int64_t[n];
    std::copy(begin(), end(), grown);
    release();
    heap_ = grown;
    capacity_ = n;
  }
  void clear() { size_ = 0; }
  void resize(size_t n, int64_t value = 0) {
    reserve(n);
    if (n > size_) std::fill(data() + size_, data() + n, value);
    size_ = n;
  }
  void assign(size_t n, int64_t value) {
    clear();
    resize(n, value);
  }
  template <typename It>
  void assign(It first, It last) {
    const size_t n = static_cast<size_t>(std::distance(first, last));
    clear();
    reserve(n);
    std::copy(first, last, data());
    size_ = n;
  }
  void push_back(int64_t value) {
    if (size_ == capacity_) reserve(2 * capacity_);
    data()[size_++] = value;
  }
  void emplace_back(int64_t value) { push_back(value); }
  void pop_back() { --size_; }
  iterator insert(const_iterator pos, int64_t value) { return insert(pos, size_t{1}, value); }
  iterator insert(const_iterator pos, size_t n, int64_t value) {
    const size_t at = open_gap(pos, n);
    std::fill_n(data() + at, n, value);
    return data() + at;
  }
  template <typename It, typename = typename std::iterator_traits<It>::iterator_category>
  iterator insert(const_iterator pos, It first, It last) {
    // A copy first: the range may lie inside this shape, which the gap moves.
    const Shape values(first, last);
    const size_t at = open_gap(pos, values.size());
    std::copy(values.begin(), values.end(), data() + at);
    return data() + at;
  }
  iterator insert(const_iterator pos, std::initializer_list<int64_t> values) {
    return insert(pos, values.begin(), values.end());
  }
  iterator erase(const_iterator pos) { return erase(pos, pos + 1); }
  iterator erase(const_iterator first, const_iterator last) {
    const size_t at = static_cast<size_t>(first - begin()), n = static_cast<size_t>(last - first);
    std::copy(data() + at + n, end(), data() + at);
    size_ -= n;
    return data() + at;
  }

  friend bool operator==(const Shape& a, const Shape& b) {
    return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
  }
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }
  friend bool operator<(const Shape& a, const Shape& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  bool on_heap() const { return capacity_ > kInline; }
  void release() {
    if (on_heap()) delete[] heap_;
    capacity_ = kInline;
  }
  // Takes other's values (its heap block, when it has one) and leaves it empty.
  void take(Shape& other) noexcept {
    size_ = other.size_;
    capacity_ = other.capacity_;
    if (other.on_heap()) heap_ = other.heap_;
    else std::copy(other.inline_, other.inline_ + other.size_, inline_);
    other.size_ = 0;
    other.capacity_ = kInline;
  }
  // Moves the values from `pos` on n places right; returns pos as an index.
  size_t open_gap(const_iterator pos, size_t n) {
    const size_t at = static_cast<size_t>(pos - begin());
    if (size_ + n > capacity_) reserve(std::max(size_ + n, 2 * capacity_));
    std::copy_backward(data() + at, end(), end() + n);
    size_ += n;
    return at;
  }

  size_t size_ = 0;
  size_t capacity_ = kInline;
  union {
    int64_t inline_[kInline];
    int64_t* heap_;
  };
};

int64_t shape_numel(const Shape& shape);
Shape contiguous_strides(const Shape& shape);

// a * b into *out; true when it overflows int64. Sizes and strides are almost always below
// 2^31, where the product cannot overflow and needs no check: the checked 64-bit multiply is
// a 128-bit library call (__multi3) in wasm32, 3% of a small training step when every product
// took it.
inline bool mul_overflows(int64_t a, int64_t b, int64_t* out) {
  if (static_cast<uint64_t>(a) < (uint64_t(1) << 31) && static_cast<uint64_t>(b) < (uint64_t(1) << 31)) {
    *out = a * b;
    return false;
  }
  return __builtin_mul_overflow(a, b, out);
}

// "[2, 3]", as PyTorch prints sizes inside messages.
std::string shape_str(const Shape& shape);

// Wraps a possibly negative dim into [0, ndim), or raises PyTorch's IndexError
// ("Dimension out of range (expected to be in range of [-2, 1], but got 2)").
int64_t wrap_dim(int64_t dim, int64_t ndim);

// The broadcast shape of a and b, or a ShapeError naming `op` and both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace kd
