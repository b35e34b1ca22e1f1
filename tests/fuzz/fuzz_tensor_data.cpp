// libFuzzer target: the tensor-from-data path the JS layer calls (kd::tensor / tensor_i64 /
// tensor_bool from a flat buffer and a shape, as bindings/embind/tensor.cpp does), then a
// chain of shape ops with fuzzed arguments (views, slicing, indexing, reductions, dtype
// conversion), each on the previous result.
//
// Input: [dtype][rank][rank dims][op count][3 bytes per op] then the values (4-byte floats,
// 8-byte int64s or 1-byte bools). Dims and op arguments are signed bytes, so negative and
// out-of-range values are tried. Invariants: every result's numel matches its shape, and a
// contiguous copy of it can be read (ASan checks that every view stays inside its storage).
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_util.h"
#include "ops/ops.h"
#include "tensor/tensor.h"

namespace {

struct Reader {
  const uint8_t* data;
  size_t size;
  size_t pos = 0;
  bool empty() const { return pos >= size; }
  int8_t next() { return pos < size ? static_cast<int8_t>(data[pos++]) : 0; }
};

kd::Tensor make_tensor(int dtype, const kd::Shape& shape, const uint8_t* values, size_t bytes) {
  if (dtype == 0) {
    std::vector<float> v(bytes / 4);
    if (!v.empty()) std::memcpy(v.data(), values, v.size() * 4);
    return kd::tensor(v, shape);
  }
  if (dtype == 1) {
    std::vector<int64_t> v(bytes / 8);
    if (!v.empty()) std::memcpy(v.data(), values, v.size() * 8);
    return kd::tensor_i64(v, shape);
  }
  std::vector<bool> v(bytes);
  for (size_t i = 0; i < bytes; ++i) v[i] = values[i] & 1;
  return kd::tensor_bool(v, shape);
}

// Small dims and indices: [-3, 5] mostly, so that valid calls are common.
int64_t small(int8_t b) { return b % 9 - 3; }

kd::Tensor apply_op(const kd::Tensor& t, uint8_t op, int8_t a, int8_t b) {
  switch (op % 17) {
    case 0: return t.view({small(a), small(b)});
    case 1: return t.reshape({small(a), -1});
    case 2: return t.transpose(small(a), small(b));
    case 3: return t.permute({small(a), small(b)});
    case 4: return t.unsqueeze(small(a));
    case 5: return t.squeeze(small(a));
    case 6: return t.expand({small(a), small(b)});
    case 7: return t.narrow(small(a), small(b), b % 3);
    case 8: return t.select(small(a), small(b));
    case 9: return t.slice(small(a), small(b), a, 1 + (b & 3));
    case 10: return t.flatten(small(a), small(b));
    case 11: return t.sum({small(a)}, b & 1);
    case 12: return t.index_select(small(a), kd::tensor_i64({small(b), small(a)}));
    case 13: return t.to(static_cast<kd::DType>((a & 0x7f) % 3));
    case 14: return t.as_strided({small(a) + 3}, {small(b)}, a & 3);
    case 15: return t.gather(small(a), kd::tensor_i64({small(b)}, {1}).expand({1}));
    default: return t.masked_fill(t.to(kd::DType::Bool), a);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader r{data, size};
  const int dtype = (r.next() & 0x7f) % 3;
  const int rank = (r.next() & 0x7f) % 5;
  kd::Shape shape;
  for (int i = 0; i < rank; ++i) shape.push_back(r.next() % 7);  // negative dims are tried too
  const int ops = (r.next() & 0x7f) % 8;
  std::vector<int8_t> args;
  for (int i = 0; i < 3 * ops; ++i) args.push_back(r.next());
  const size_t start = std::min(r.pos, size);

  kd::Tensor t;
  if (!kd_fuzz_accepts([&] { t = make_tensor(dtype, shape, data + start, size - start); })) return 0;
  for (int i = 0; i < ops; ++i) {
    kd::Tensor next;
    if (!kd_fuzz_accepts([&] { next = apply_op(t, static_cast<uint8_t>(args[3 * i]), args[3 * i + 1], args[3 * i + 2]); })) continue;
    int64_t numel = 1;
    for (int64_t d : next.shape()) numel *= d;
    KD_FUZZ_EXPECT(next.numel() == numel);
    kd::Tensor copy = next.contiguous();
    KD_FUZZ_EXPECT(copy.numel() == numel && copy.is_contiguous());
    // Reads every byte of both copies (ASan checks the bounds) and asks that copying is exact.
    kd::Tensor again = next.contiguous();
    KD_FUZZ_EXPECT(again.nbytes() == copy.nbytes() &&
                   std::memcmp(again.raw_data(), copy.raw_data(), copy.nbytes()) == 0);
    t = next;
  }
  return 0;
}
