#include "util/error.h"

namespace kd {

const char* Error::kind_name() const {
  switch (kind_) {
    case ErrorKind::Index: return "IndexError";
    case ErrorKind::Shape: return "ShapeError";
    case ErrorKind::Value: return "ValueError";
    case ErrorKind::State: return "StateError";
    case ErrorKind::Type: return "TypeError";
    case ErrorKind::Runtime: return "RuntimeError";
  }
  return "Error";
}

}  // namespace kd
