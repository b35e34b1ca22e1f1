// SmallVector<T, N>: a vector that keeps up to N elements inside itself and goes to the heap
// only beyond, for elements that own something. The graph bookkeeping of every recorded op (a
// node's edges, saved tensors and input shapes) holds a few elements almost always: a heap
// block each was a third of the allocations of a small training step. It has the part of
// std::vector's interface the code uses; elements are moved when the storage grows.
// Shape (util/shape.h) stays its own int64-only small vector: built on this one, every op
// file's code grew by a fifth in wasm (generic construct/destroy paths the compiler keeps).
#pragma once

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace kd {

template <typename T, size_t N>
class SmallVector {
  static_assert(N > 0, "SmallVector needs room for at least one element inside");

 public:
  static constexpr size_t kInline = N;
  using value_type = T;
  using size_type = size_t;
  using difference_type = std::ptrdiff_t;
  using reference = T&;
  using const_reference = const T&;
  using pointer = T*;
  using const_pointer = const T*;
  using iterator = T*;
  using const_iterator = const T*;
  using reverse_iterator = std::reverse_iterator<iterator>;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;

  SmallVector() {}  // NOLINT: user-provided, as the union of elements below requires
  explicit SmallVector(size_t n, const T& value = T()) { assign(n, value); }
  SmallVector(std::initializer_list<T> values) { assign(values.begin(), values.end()); }
  template <typename It, typename = typename std::iterator_traits<It>::iterator_category>
  SmallVector(It first, It last) { assign(first, last); }
  SmallVector(const SmallVector& other) { assign(other.begin(), other.end()); }
  SmallVector(SmallVector&& other) noexcept { take(other); }
  ~SmallVector() { release(); }
  SmallVector& operator=(const SmallVector& other) {
    if (this != &other) assign(other.begin(), other.end());
    return *this;
  }
  SmallVector& operator=(SmallVector&& other) noexcept {
    if (this != &other) {
      release();
      take(other);
    }
    return *this;
  }
  SmallVector& operator=(std::initializer_list<T> values) {
    assign(values.begin(), values.end());
    return *this;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return capacity_; }
  T* data() { return on_heap() ? heap_ : inline_data(); }
  const T* data() const { return on_heap() ? heap_ : inline_data(); }
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
  T& operator[](size_t i) { return data()[i]; }
  const T& operator[](size_t i) const { return data()[i]; }
  T& front() { return data()[0]; }
  const T& front() const { return data()[0]; }
  T& back() { return data()[size_ - 1]; }
  const T& back() const { return data()[size_ - 1]; }

  void reserve(size_t n) {
    if (n <= capacity_) return;
    T* grown = static_cast<T*>(::operator new(n * sizeof(T)));
    std::uninitialized_move(begin(), end(), grown);
    std::destroy(begin(), end());
    const size_t count = size_;
    release_storage();
    heap_ = grown;
    capacity_ = n;
    size_ = count;
  }
  void clear() {
    std::destroy(begin(), end());
    size_ = 0;
  }
  void resize(size_t n) { resize_with(n, [](T* p) { ::new (static_cast<void*>(p)) T(); }); }
  void resize(size_t n, const T& value) { resize_with(n, [&](T* p) { ::new (static_cast<void*>(p)) T(value); }); }
  void assign(size_t n, const T& value) {
    clear();
    resize(n, value);
  }
  template <typename It>
  void assign(It first, It last) {
    clear();
    reserve(static_cast<size_t>(std::distance(first, last)));
    std::uninitialized_copy(first, last, data());
    size_ = static_cast<size_t>(std::distance(first, last));
  }
  void push_back(const T& value) { emplace_back(value); }
  void push_back(T&& value) { emplace_back(std::move(value)); }
  template <typename... Args>
  T& emplace_back(Args&&... args) {
    if (size_ == capacity_) {
      // Built before growing: an argument may refer to an element that growing moves.
      T value(std::forward<Args>(args)...);
      reserve(2 * capacity_);
      return *::new (static_cast<void*>(data() + size_++)) T(std::move(value));
    }
    return *::new (static_cast<void*>(data() + size_++)) T(std::forward<Args>(args)...);
  }
  void pop_back() { std::destroy_at(data() + --size_); }
  iterator insert(const_iterator pos, const T& value) { return insert(pos, size_t{1}, value); }
  iterator insert(const_iterator pos, size_t n, const T& value) {
    const T copy = value;  // `value` may lie inside this vector, which the gap moves
    const size_t at = open_gap(pos, n);
    std::fill_n(data() + at, n, copy);
    return data() + at;
  }
  template <typename It, typename = typename std::iterator_traits<It>::iterator_category>
  iterator insert(const_iterator pos, It first, It last) {
    // A copy first: the range may lie inside this vector, which the gap moves.
    const SmallVector values(first, last);
    const size_t at = open_gap(pos, values.size());
    std::copy(values.begin(), values.end(), data() + at);
    return data() + at;
  }
  iterator insert(const_iterator pos, std::initializer_list<T> values) { return insert(pos, values.begin(), values.end()); }
  iterator erase(const_iterator pos) { return erase(pos, pos + 1); }
  iterator erase(const_iterator first, const_iterator last) {
    const size_t at = static_cast<size_t>(first - begin()), n = static_cast<size_t>(last - first);
    std::move(data() + at + n, end(), data() + at);
    std::destroy(end() - n, end());
    size_ -= n;
    return data() + at;
  }

  friend bool operator==(const SmallVector& a, const SmallVector& b) {
    return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
  }
  friend bool operator!=(const SmallVector& a, const SmallVector& b) { return !(a == b); }
  friend bool operator<(const SmallVector& a, const SmallVector& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  bool on_heap() const { return capacity_ > N; }
  T* inline_data() { return inline_; }
  const T* inline_data() const { return inline_; }
  // Destroys the elements and frees a heap block; the vector is then empty and inline.
  void release() {
    std::destroy(begin(), end());
    size_ = 0;
    release_storage();
  }
  void release_storage() {
    if (on_heap()) ::operator delete(heap_);
    capacity_ = N;
  }
  // Takes other's elements (its heap block, when it has one) and leaves it empty.
  void take(SmallVector& other) noexcept {
    if (other.on_heap()) {
      heap_ = other.heap_;
      capacity_ = other.capacity_;
    } else {
      std::uninitialized_move(other.begin(), other.end(), inline_data());
      std::destroy(other.begin(), other.end());
    }
    size_ = other.size_;
    other.size_ = 0;
    other.capacity_ = N;
  }
  template <typename Construct>
  void resize_with(size_t n, Construct construct) {
    if (n < size_) {
      std::destroy(data() + n, end());
    } else {
      reserve(n);
      for (T* p = data() + size_; p != data() + n; ++p) construct(p);
    }
    size_ = n;
  }
  // Moves the elements from `pos` on n places right, leaving n default-made ones in the gap;
  // returns pos as an index.
  size_t open_gap(const_iterator pos, size_t n) {
    const size_t at = static_cast<size_t>(pos - begin());
    const size_t old_size = size_;
    if (size_ + n > capacity_) reserve(std::max(size_ + n, 2 * capacity_));
    resize(size_ + n);
    std::move_backward(data() + at, data() + old_size, data() + old_size + n);
    return at;
  }

  size_t size_ = 0;
  size_t capacity_ = N;
  // The inline elements are alive from 0 to size_ only: the union keeps them from being
  // constructed or destroyed with the vector.
  union {
    T inline_[N];
    T* heap_;
  };
};

}  // namespace kd
