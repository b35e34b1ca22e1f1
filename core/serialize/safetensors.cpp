#include "serialize/safetensors.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

#include "autograd/grad_mode.h"
#include "ops/ops.h"
#include "util/json.h"

namespace kd {

namespace {

const char* safetensors_dtype(DType d) {
  switch (d) {
    case DType::Float32: return "F32";
    case DType::Int64: return "I64";
    case DType::Bool: return "BOOL";
  }
  return "?";
}

// The reference's Dtype enum order (increasing alignment): BOOL < ... < F32 < F64 < I64.
int alignment_rank(DType d) {
  switch (d) {
    case DType::Bool: return 0;
    case DType::Float32: return 11;
    case DType::Int64: return 13;
  }
  return -1;
}

// A JSON string as serde_json writes it: escapes for '"', '\\' and control characters only.
void append_json_string(std::string& out, const std::string& s) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

[[noreturn]] void fail(const std::string& message) { throw ValueError("safetensors: " + message); }

}  // namespace

std::vector<uint8_t> save_safetensors(const NamedTensors& tensors, const std::map<std::string, std::string>& metadata) {
  static_assert(sizeof(float) == 4, "float must be 32-bit");
  {
    const uint16_t probe = 1;
    uint8_t first;
    std::memcpy(&first, &probe, 1);
    KD_CHECK(first == 1, ValueError, "safetensors: only little-endian hosts are supported");
  }
  std::vector<size_t> order(tensors.size());
  for (size_t i = 0; i < order.size(); ++i) {
    const auto& [name, t] = tensors[i];
    KD_CHECK(t.defined(), ValueError, "safetensors: tensor \"", name, "\" is undefined");
    KD_CHECK(name != "__metadata__", ValueError, "safetensors: \"__metadata__\" is reserved and cannot name a tensor");
    order[i] = i;
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const int ra = alignment_rank(tensors[a].second.dtype()), rb = alignment_rank(tensors[b].second.dtype());
    if (ra != rb) return ra > rb;
    return tensors[a].first < tensors[b].first;
  });
  for (size_t i = 1; i < order.size(); ++i) {
    KD_CHECK(tensors[order[i]].first != tensors[order[i - 1]].first, ValueError, "safetensors: tensor name \"",
             tensors[order[i]].first, "\" appears twice");
  }

  std::string header = "{";
  bool first = true;
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first_key = true;
    for (const auto& [k, v] : metadata) {
      if (!first_key) header += ',';
      first_key = false;
      append_json_string(header, k);
      header += ':';
      append_json_string(header, v);
    }
    header += '}';
    first = false;
  }
  uint64_t offset = 0;
  for (size_t i : order) {
    const auto& [name, t] = tensors[i];
    if (!first) header += ',';
    first = false;
    append_json_string(header, name);
    header += ":{\"dtype\":\"";
    header += safetensors_dtype(t.dtype());
    header += "\",\"shape\":[";
    for (size_t d = 0; d < t.shape().size(); ++d) {
      if (d) header += ',';
      header += std::to_string(t.shape()[d]);
    }
    const uint64_t nbytes = t.nbytes();
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + nbytes) + "]}";
    offset += nbytes;
  }
  header += '}';
  header.append((8 - header.size() % 8) % 8, ' ');  // the data starts 8-byte aligned

  std::vector<uint8_t> out;
  out.reserve(8 + header.size() + offset);
  const uint64_t n = header.size();
  for (int b = 0; b < 8; ++b) out.push_back(static_cast<uint8_t>(n >> (8 * b)));
  out.insert(out.end(), header.begin(), header.end());
  NoGradGuard no_grad;
  for (size_t i : order) {
    Tensor c = tensors[i].second.contiguous();
    const uint8_t* p = static_cast<const uint8_t*>(c.raw_data());
    if (c.numel() > 0) out.insert(out.end(), p, p + c.nbytes());
  }
  return out;
}

SafetensorsContent load_safetensors(const std::vector<uint8_t>& bytes) {
  return load_safetensors(bytes.data(), bytes.size());
}

SafetensorsContent load_safetensors(const uint8_t* data, size_t size) {
  if (size < 8) fail("file is " + std::to_string(size) + " bytes, too small for the 8-byte header length");
  uint64_t n = 0;
  for (int b = 0; b < 8; ++b) n |= static_cast<uint64_t>(data[b]) << (8 * b);
  if (n > kSafetensorsMaxHeaderSize) {
    fail("header length " + std::to_string(n) + " exceeds the limit of " + std::to_string(kSafetensorsMaxHeaderSize) +
         " bytes");
  }
  if (8 + n > size) {
    fail("header length " + std::to_string(n) + " runs past the end of the file (" + std::to_string(size) + " bytes)");
  }
  Json header;
  try {
    header = parse_json(std::string_view(reinterpret_cast<const char*>(data + 8), n),
                        JsonLimits{128, static_cast<size_t>(kSafetensorsMaxHeaderSize)});
  } catch (const ValueError& e) {
    fail(std::string("header is not valid JSON (") + e.what() + ")");
  }
  if (!header.is_object()) fail(std::string("header must be a JSON object, got ") + header.type_name());

  struct Entry {
    std::string name;
    DType dtype;
    Shape shape;
    uint64_t begin, end;
  };
  SafetensorsContent out;
  std::vector<Entry> entries;
  for (const auto& [name, value] : header.as_object()) {
    if (name == "__metadata__") {
      if (!value.is_object()) fail("\"__metadata__\" must be an object of strings");
      for (const auto& [k, v] : value.as_object()) {
        if (!v.is_string()) fail("\"__metadata__\" value for \"" + k + "\" must be a string, got " + v.type_name());
        out.metadata[k] = v.as_string();
      }
      continue;
    }
    const std::string where = "tensor \"" + name + "\": ";
    if (!value.is_object()) fail(where + "entry must be an object, got " + value.type_name());
    for (const char* key : {"dtype", "shape", "data_offsets"}) {
      if (!value.contains(key)) fail(where + "missing \"" + key + "\"");
    }
    const Json& dt = value["dtype"];
    if (!dt.is_string()) fail(where + "\"dtype\" must be a string");
    Entry e;
    e.name = name;
    const std::string& d = dt.as_string();
    if (d == "F32") {
      e.dtype = DType::Float32;
    } else if (d == "I64") {
      e.dtype = DType::Int64;
    } else if (d == "BOOL") {
      e.dtype = DType::Bool;
    } else {
      static const char* known[] = {"U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F64", "U64"};
      bool is_known = std::find_if(std::begin(known), std::end(known), [&](const char* k) { return d == k; }) !=
                      std::end(known);
      fail(where + "dtype \"" + d + "\" is " + (is_known ? "not supported (Kindling stores F32, I64, BOOL)" : "unknown"));
    }
    const Json& shape = value["shape"];
    if (!shape.is_array()) fail(where + "\"shape\" must be a list of non-negative integers");
    for (size_t i = 0; i < shape.size(); ++i) {
      if (!shape[i].is_integer() || shape[i].as_int() < 0) {
        fail(where + "\"shape\" must be a list of non-negative integers");
      }
      e.shape.push_back(shape[i].as_int());
    }
    const Json& offsets = value["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_integer() || !offsets[1].is_integer() ||
        offsets[0].as_int() < 0 || offsets[1].as_int() < 0) {
      fail(where + "\"data_offsets\" must be a list of two non-negative integers");
    }
    e.begin = static_cast<uint64_t>(offsets[0].as_int());
    e.end = static_cast<uint64_t>(offsets[1].as_int());
    if (e.end < e.begin) fail(where + "data_offsets end " + std::to_string(e.end) + " is before begin " + std::to_string(e.begin));
    // numel * dtype size, without overflow.
    uint64_t nbytes = dtype_size(e.dtype);
    for (int64_t s : e.shape) {
      if (s != 0 && nbytes > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(s)) {
        fail(where + "shape " + shape_str(e.shape) + " overflows");
      }
      nbytes *= static_cast<uint64_t>(s);
    }
    if (e.end - e.begin != nbytes) {
      fail(where + "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "] hold " +
           std::to_string(e.end - e.begin) + " bytes but shape " + shape_str(e.shape) + " of " + d + " needs " +
           std::to_string(nbytes));
    }
    entries.push_back(std::move(e));
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  const uint64_t data_size = size - 8 - n;
  uint64_t expected = 0;
  for (const Entry& e : entries) {
    if (e.begin != expected) {
      fail("tensor \"" + e.name + "\": data_offsets begin " + std::to_string(e.begin) + " but the previous tensor ends at " +
           std::to_string(expected) + (e.begin < expected ? " (overlap)" : " (gap)"));
    }
    expected = e.end;
  }
  if (expected > data_size) {
    fail("tensor data ends at " + std::to_string(expected) + " but the file holds only " + std::to_string(data_size) +
         " data bytes");
  }
  if (expected != data_size) {
    fail("the file has " + std::to_string(data_size - expected) + " bytes after the last tensor (the data must be fully covered)");
  }
  const uint8_t* buffer = data + 8 + n;
  for (const Entry& e : entries) {
    if (e.dtype == DType::Bool) {
      for (uint64_t i = e.begin; i < e.end; ++i) {
        if (buffer[i] > 1) fail("tensor \"" + e.name + "\": BOOL byte " + std::to_string(buffer[i]) + " is not 0 or 1");
      }
    }
  }
  // Everything is valid: build the tensors.
  for (const Entry& e : entries) {
    Tensor t = Tensor::make(e.shape, e.dtype);
    if (e.end > e.begin) std::memcpy(t.raw_data(), buffer + e.begin, e.end - e.begin);
    out.tensors.emplace_back(e.name, t);
  }
  return out;
}

void save_safetensors_file(const std::string& path, const NamedTensors& tensors,
                           const std::map<std::string, std::string>& metadata) {
  std::vector<uint8_t> bytes = save_safetensors(tensors, metadata);
  std::ofstream f(path, std::ios::binary);
  KD_CHECK(f.good(), ValueError, "safetensors: cannot open \"", path, "\" for writing");
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  KD_CHECK(f.good(), ValueError, "safetensors: writing \"", path, "\" failed");
}

SafetensorsContent load_safetensors_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  KD_CHECK(f.good(), ValueError, "safetensors: cannot open \"", path, "\"");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return load_safetensors(bytes);
}

}  // namespace kd
