// libFuzzer target: the safetensors reader (core/serialize/safetensors.cpp).
// Invariant: a file that loads saves again, and the saved bytes load to the same tensors by
// name (dtypes, shapes, values) and the same metadata. (Not the same order: the writer lays
// the data out in its own order, and loading returns file order.)
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "serialize/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kd::SafetensorsContent content;
  if (!kd_fuzz_accepts([&] { content = kd::load_safetensors(data, size); })) return 0;
  const std::vector<uint8_t> saved = kd::save_safetensors(content.tensors, content.metadata);
  const kd::SafetensorsContent again = kd::load_safetensors(saved);
  KD_FUZZ_EXPECT(again.metadata == content.metadata);
  KD_FUZZ_EXPECT(again.tensors.size() == content.tensors.size());
  std::map<std::string, kd::Tensor> reloaded(again.tensors.begin(), again.tensors.end());
  for (const auto& [name, a] : content.tensors) {
    KD_FUZZ_EXPECT(reloaded.count(name) == 1);
    const kd::Tensor& b = reloaded.at(name);
    KD_FUZZ_EXPECT(a.dtype() == b.dtype() && a.shape() == b.shape());
    kd::Tensor ca = a.contiguous(), cb = b.contiguous();
    KD_FUZZ_EXPECT(ca.nbytes() == 0 || std::memcmp(ca.raw_data(), cb.raw_data(), ca.nbytes()) == 0);
  }
  return 0;
}
