// The safetensors format (huggingface/safetensors): read and write tensors without pickle.
//
// Layout: 8 bytes little-endian u64 N, then N bytes of UTF-8 JSON header, then the data:
//   {"__metadata__": {"key": "value", ...},                        (optional, strings only)
//    "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
// Offsets are relative to the start of the data. Kindling stores F32, I64 and BOOL.
//
// The writer produces the same bytes as the reference writer (safetensors.torch.save_file):
// entries sorted by dtype alignment, largest first (I64, F32, BOOL), then by name; compact
// JSON with "__metadata__" first (its keys sorted here; the reference's order is a hash map's);
// header padded with spaces to a multiple of 8; data row-major little-endian.
//
// The reader validates as the reference does, and more strictly where the reference would only
// fail later. Every violation raises kd::ValueError whose message starts with "safetensors:" and
// names the tensor and the rule; nothing is returned on error.
//   - at least 8 bytes; header length N <= 100,000,000 and 8 + N <= file size
//   - header is valid UTF-8, strict JSON, and an object
//   - "__metadata__", if present, is an object of string values
//   - every other key is a tensor entry: an object with "dtype" (a string), "shape" (a list of
//     non-negative integers) and "data_offsets" (two non-negative integers, begin <= end);
//     other keys in an entry are ignored, as by the reference
//   - dtype is F32, I64 or BOOL (other safetensors dtypes are reported as unsupported)
//   - no tensor name appears twice (the JSON parser rejects duplicate keys)
//   - sorted by offsets, entries are contiguous from 0 (no gap, no overlap)
//   - end - begin == numel * dtype size (checked without overflow)
//   - the last end is exactly the size of the data (no trailing or missing bytes)
//   - BOOL bytes are 0 or 1
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace kd {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

struct SafetensorsContent {
  NamedTensors tensors;                          // in file order (by data offset)
  std::map<std::string, std::string> metadata;  // "__metadata__", empty when absent
};

// Header size limit of the reference implementation.
constexpr uint64_t kSafetensorsMaxHeaderSize = 100000000;

// Serializes `tensors` (any strides; values are copied row-major). Raises ValueError for an
// undefined tensor, a duplicate name or the reserved name "__metadata__".
std::vector<uint8_t> save_safetensors(const NamedTensors& tensors,
                                      const std::map<std::string, std::string>& metadata = {});

SafetensorsContent load_safetensors(const uint8_t* data, size_t size);
SafetensorsContent load_safetensors(const std::vector<uint8_t>& bytes);

// File helpers (native builds; in the browser pass bytes instead). I/O errors are ValueErrors.
void save_safetensors_file(const std::string& path, const NamedTensors& tensors,
                           const std::map<std::string, std::string>& metadata = {});
SafetensorsContent load_safetensors_file(const std::string& path);

}  // namespace kd
