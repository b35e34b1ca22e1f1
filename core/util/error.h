// Errors that carry their kind and a message naming the op, the shapes or the index.
//
// Every check runs before any memory is touched, so a throw leaves all tensors as they were.
// The kinds mirror the Python exceptions PyTorch raises (IndexError, RuntimeError for
// shapes, ValueError, RuntimeError for autograd state, TypeError, and RuntimeError for the
// rest, e.g. one_hot's class values), so the JS layer can map each one to its own Error
// subclass.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

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
inline void append(std::ostringstream&) {}
template <typename T, typename... Rest>
void append(std::ostringstream& os, const T& first, const Rest&... rest) {
  os << first;
  append(os, rest...);
}
}  // namespace detail

// Builds a message from pieces: str("index ", i, " is out of bounds").
template <typename... Parts>
std::string str(const Parts&... parts) {
  std::ostringstream os;
  detail::append(os, parts...);
  return os.str();
}

// KD_CHECK(cond, ErrorType, pieces...): throws ErrorType(str(pieces...)) when cond is false.
#define KD_CHECK(cond, ErrorType, ...) \
  do {                                 \
    if (!(cond)) throw ::kd::ErrorType(::kd::str(__VA_ARGS__)); \
  } while (0)

}  // namespace kd
