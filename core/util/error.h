// Errors that carry their kind and a message naming the op, the shapes or the index.
//
// Every check runs before any memory is touched, so a throw leaves all tensors as they were.
// The kinds mirror the Python exceptions PyTorch raises (IndexError, RuntimeError for
// shapes, ValueError, RuntimeError for autograd state, TypeError, and RuntimeError for the
// rest, e.g. one_hot's class values), so the JS layer can map each one to its own Error
// subclass.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace kd {

enum class ErrorKind { Index, Shape, Value, State, Type, Runtime };

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }
  const char* kind_name() const;

 private:
  ErrorKind kind_;
};

struct IndexError : Error { explicit IndexError(const std::string& m) : Error(ErrorKind::Index, m) {} };
struct ShapeError : Error { explicit ShapeError(const std::string& m) : Error(ErrorKind::Shape, m) {} };
struct ValueError : Error { explicit ValueError(const std::string& m) : Error(ErrorKind::Value, m) {} };
struct StateError : Error { explicit StateError(const std::string& m) : Error(ErrorKind::State, m) {} };
struct TypeError : Error { explicit TypeError(const std::string& m) : Error(ErrorKind::Type, m) {} };
struct RuntimeError : Error { explicit RuntimeError(const std::string& m) : Error(ErrorKind::Runtime, m) {} };

namespace detail {
// Message pieces print as std::ostream's << would (numbers as %g with 6 digits, bool as 1/0),
// without <sstream>: the iostream and locale machinery it pulls in is about 100 KB of each .wasm.
void append_integer(std::string& out, long long v);
void append_unsigned(std::string& out, unsigned long long v);
void append_real(std::string& out, double v);

template <typename T>
void append(std::string& out, const T& v) {
  if constexpr (std::is_same_v<T, char>) out += v;
  else if constexpr (std::is_same_v<T, bool>) out += v ? '1' : '0';
  else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) append_integer(out, v);
  else if constexpr (std::is_integral_v<T>) append_unsigned(out, v);
  else if constexpr (std::is_floating_point_v<T>) append_real(out, static_cast<double>(v));
  else out.append(std::string_view(v));
}
}  // namespace detail

// Builds a message from pieces: str("index ", i, " is out of bounds").
template <typename... Parts>
std::string str(const Parts&... parts) {
  std::string out;
  (detail::append(out, parts), ...);
  return out;
}

// KD_CHECK(cond, ErrorType, pieces...): throws ErrorType(str(pieces...)) when cond is false.
#define KD_CHECK(cond, ErrorType, ...) \
  do {                                 \
    if (!(cond)) throw ::kd::ErrorType(::kd::str(__VA_ARGS__)); \
  } while (0)

}  // namespace kd
