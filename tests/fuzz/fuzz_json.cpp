// libFuzzer target: the strict JSON parser (core/util/json.cpp), with the default limits.
// Invariant: whatever parses, serializes, and its serialization parses back to an equal value.
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"
#include "util/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  kd::Json value;
  if (!kd_fuzz_accepts([&] { value = kd::parse_json(text, kd::JsonLimits{64, 1 << 20}); })) return 0;
  const kd::Json again = kd::parse_json(value.dump());
  KD_FUZZ_EXPECT(again == value);
  KD_FUZZ_EXPECT(kd::parse_json(value.dump(2)) == value);
  return 0;
}
