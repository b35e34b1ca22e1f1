#include "util/error.h"

#include <cstdio>

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

namespace detail {

void append_integer(std::string& out, long long v) {
  char buf[24];
  out.append(buf, std::snprintf(buf, sizeof buf, "%lld", v));
}

void append_unsigned(std::string& out, unsigned long long v) {
  char buf[24];
  out.append(buf, std::snprintf(buf, sizeof buf, "%llu", v));
}

void append_real(std::string& out, double v) {
  char buf[32];
  out.append(buf, std::snprintf(buf, sizeof buf, "%g", v));
}

}  // namespace detail

}  // namespace kd
