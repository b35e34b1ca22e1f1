// Tensor::to_string: PyTorch's repr, to the character (torch/_tensor_str.py with the default
// print options: precision 4, linewidth 80, threshold 1000, edgeitems 3).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "autograd/grad_mode.h"
#include "autograd/node.h"
#include "ops/ops.h"

namespace kd {
namespace {

constexpr int kPrecision = 4;
constexpr int kLinewidth = 80;
constexpr int64_t kThreshold = 1000;
constexpr int64_t kEdgeItems = 3;

// fmt has one "%.*" conversion: the precision, then the value.
std::string format_c(const char* fmt, int precision, double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, precision, v);
  return buf;
}

// Python's '{:.0f}', '{:.4f}' and '{:.4e}' (kPrecision digits) for finite values,
// 'nan'/'inf'/'-inf' otherwise.
std::string python_float(double v, char style) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (style == '0') return format_c("%.*f", 0, v);
  if (style == 'f') return format_c("%.*f", kPrecision, v);
  return format_c("%.*e", kPrecision, v);
}

struct Formatter {
  DType dtype;
  bool int_mode = true;
  bool sci_mode = false;
  size_t max_width = 1;

  explicit Formatter(DType d, const std::vector<double>& values) : dtype(d) {
    if (dtype != DType::Float32) {
      for (double v : values) max_width = std::max(max_width, plain(v).size());
      return;
    }
    std::vector<double> finite;
    for (double v : values)
      if (std::isfinite(v) && v != 0) finite.push_back(v);
    if (finite.empty()) return;
    double lo = INFINITY, hi = 0;
    for (double v : finite) {
      lo = std::min(lo, std::fabs(v));
      hi = std::max(hi, std::fabs(v));
      if (v != std::ceil(v)) int_mode = false;
    }
    if (int_mode) {
      if (hi / lo > 1000. || hi > 1.e8) {
        sci_mode = true;
        for (double v : finite) max_width = std::max(max_width, python_float(v, 'e').size());
      } else {
        for (double v : finite) max_width = std::max(max_width, python_float(v, '0').size() + 1);
      }
    } else {
      if (hi / lo > 1000. || hi > 1.e8 || lo < 1.e-4) {
        sci_mode = true;
        for (double v : finite) max_width = std::max(max_width, python_float(v, 'e').size());
      } else {
        for (double v : finite) max_width = std::max(max_width, python_float(v, 'f').size());
      }
    }
  }

  std::string plain(double v) const {
    if (dtype == DType::Bool) return v != 0 ? "True" : "False";
    return std::to_string(static_cast<int64_t>(v));
  }

  std::string format(double v) const {
    std::string s;
    if (dtype != DType::Float32) {
      s = plain(v);
    } else if (sci_mode) {
      s = python_float(v, 'e');
    } else if (int_mode) {
      s = python_float(v, '0');
      if (std::isfinite(v)) s += ".";
    } else {
      s = python_float(v, 'f');
    }
    if (s.size() < max_width) s = std::string(max_width - s.size(), ' ') + s;
    return s;
  }
};

// The values the formatter sizes itself on: all of them, or only the edges when summarizing.
void collect(const Tensor& t, bool summarize, std::vector<double>& out) {
  if (t.dim() == 0) {
    out.push_back(t.item<double>());
    return;
  }
  int64_t n = t.shape()[0];
  auto take = [&](int64_t i) {
    if (t.dim() == 1) out.push_back(t.select(0, i).item<double>());
    else collect(t.select(0, i), summarize, out);
  };
  if (summarize && n > 2 * kEdgeItems) {
    for (int64_t i = 0; i < kEdgeItems; ++i) take(i);
    for (int64_t i = n - kEdgeItems; i < n; ++i) take(i);
  } else {
    for (int64_t i = 0; i < n; ++i) take(i);
  }
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i) s += (i ? sep : "") + parts[i];
  return s;
}

std::string vector_str(const Tensor& t, int64_t indent, bool summarize, const Formatter& f) {
  int64_t element_length = static_cast<int64_t>(f.max_width) + 2;
  int64_t per_line = std::max<int64_t>(1, (kLinewidth - indent) / element_length);
  std::vector<double> values = t.to_vector<double>();
  std::vector<std::string> data;
  int64_t n = t.shape()[0];
  if (summarize && n > 2 * kEdgeItems) {
    for (int64_t i = 0; i < kEdgeItems; ++i) data.push_back(f.format(values[i]));
    data.push_back(" ...");
    for (int64_t i = n - kEdgeItems; i < n; ++i) data.push_back(f.format(values[i]));
  } else {
    for (double v : values) data.push_back(f.format(v));
  }
  std::vector<std::string> lines;
  for (size_t i = 0; i < data.size(); i += per_line)
    lines.push_back(join(std::vector<std::string>(data.begin() + i, data.begin() + std::min<size_t>(data.size(), i + static_cast<size_t>(per_line))), ", "));
  return "[" + join(lines, ",\n" + std::string(indent + 1, ' ')) + "]";
}

std::string tensor_str(const Tensor& t, int64_t indent, bool summarize, const Formatter& f) {
  if (t.dim() == 0) return f.format(t.item<double>());
  if (t.dim() == 1) return vector_str(t, indent, summarize, f);
  std::vector<std::string> slices;
  int64_t n = t.shape()[0];
  if (summarize && n > 2 * kEdgeItems) {
    for (int64_t i = 0; i < kEdgeItems; ++i) slices.push_back(tensor_str(t.select(0, i), indent + 1, summarize, f));
    slices.push_back("...");
    for (int64_t i = n - kEdgeItems; i < n; ++i) slices.push_back(tensor_str(t.select(0, i), indent + 1, summarize, f));
  } else {
    for (int64_t i = 0; i < n; ++i) slices.push_back(tensor_str(t.select(0, i), indent + 1, summarize, f));
  }
  return "[" + join(slices, "," + std::string(t.dim() - 1, '\n') + std::string(indent + 1, ' ')) + "]";
}

std::string add_suffixes(const std::string& body, const std::vector<std::string>& suffixes, int64_t indent) {
  std::string out = body;
  size_t nl = body.rfind('\n');
  int64_t last_line_len = static_cast<int64_t>(nl == std::string::npos ? body.size() + 1 : body.size() - nl + 1);
  for (const std::string& suffix : suffixes) {
    int64_t len = static_cast<int64_t>(suffix.size());
    if (last_line_len + len + 2 > kLinewidth) {
      out += ",\n" + std::string(indent, ' ') + suffix;
      last_line_len = indent + len;
    } else {
      out += ", " + suffix;
      last_line_len += len + 2;
    }
  }
  return out + ")";
}

}  // namespace

std::string Tensor::to_string() const {
  NoGradGuard no_grad;
  Tensor values = data();
  const std::string prefix = "tensor(";
  const int64_t indent = static_cast<int64_t>(prefix.size());
  std::vector<std::string> suffixes;
  std::string body;
  if (numel() == 0) {
    if (dim() != 1) {
      std::string size = "size=(";
      for (int64_t i = 0; i < dim(); ++i) size += (i ? ", " : "") + std::to_string(shape()[i]);
      suffixes.push_back(size + (dim() == 1 ? ",)" : ")"));
    }
    // No elements to show that they are integers, so PyTorch names any non-default dtype.
    if (dtype() != DType::Float32) suffixes.push_back(std::string("dtype=torch.") + dtype_name(dtype()));
    body = "[]";
  } else {
    bool summarize = numel() > kThreshold;
    std::vector<double> sample;
    collect(values, summarize, sample);
    Formatter f(dtype(), sample);
    body = tensor_str(values, indent, summarize, f);
  }
  if (grad_fn()) suffixes.push_back("grad_fn=<" + grad_fn()->name() + ">");
  else if (requires_grad()) suffixes.push_back("requires_grad=True");
  std::string repr = add_suffixes(prefix + body, suffixes, indent);
  return impl()->is_parameter ? "Parameter containing:\n" + repr : repr;
}

}  // namespace kd
