#include "optim/checkpoint.h"

#include <map>
#include <string>

#include "serialize/safetensors.h"

namespace kd {
namespace optim {

namespace {

constexpr const char* kFormat = "kindling.optimizer.v1";
constexpr const char* kStatePrefix = "state.";

const std::string& metadata_entry(const std::map<std::string, std::string>& metadata, const char* key) {
  auto it = metadata.find(key);
  KD_CHECK(it != metadata.end(), ValueError, "optimizer state: the file has no \"", key, "\" in its __metadata__");
  return it->second;
}

Json metadata_json(const std::map<std::string, std::string>& metadata, const char* key) {
  try {
    return parse_json(metadata_entry(metadata, key));
  } catch (const ValueError& e) {
    if (std::string(e.what()).rfind("optimizer state:", 0) == 0) throw;
    throw ValueError(str("optimizer state: __metadata__ \"", key, "\" is not valid JSON (", e.what(), ")"));
  }
}

// "12" -> 12; anything else (a sign, a leading zero, a non-digit, too many digits) -> -1.
int64_t parse_index(const std::string& text) {
  if (text.empty() || text.size() > 18 || (text.size() > 1 && text[0] == '0')) return -1;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

// "state.12.exp_avg" -> (12, "exp_avg").
std::pair<int64_t, std::string> split_tensor_name(const std::string& name) {
  const size_t prefix = std::char_traits<char>::length(kStatePrefix);
  const size_t dot = name.find('.', prefix);
  const bool named = name.rfind(kStatePrefix, 0) == 0 && dot != std::string::npos && dot + 1 < name.size();
  const int64_t index = named ? parse_index(name.substr(prefix, dot - prefix)) : -1;
  KD_CHECK(index >= 0, ValueError, "optimizer state: tensor \"", name, "\" is not named state.<index>.<buffer>");
  return {index, name.substr(dot + 1)};
}

}  // namespace

std::vector<uint8_t> save_optimizer_state(const std::string& optimizer, const OptimizerStateDict& state,
                                          const Json& scheduler_state) {
  NamedTensors tensors;
  Json steps = Json::object();
  for (const auto& [index, param_state] : state.state) {
    steps.set(std::to_string(index), Json(Json::Object{{"step", param_state.step}}));
    for (const auto& [buffer, tensor] : param_state.buffers) {
      tensors.emplace_back(kStatePrefix + std::to_string(index) + "." + buffer, tensor);
    }
  }
  std::map<std::string, std::string> metadata{{"format", kFormat},
                                              {"optimizer", optimizer},
                                              {"param_groups", state.param_groups.dump()},
                                              {"state", steps.dump()}};
  if (!scheduler_state.is_null()) metadata["lr_scheduler"] = scheduler_state.dump();
  return save_safetensors(tensors, metadata);
}

std::vector<uint8_t> save_optimizer_state(const Optimizer& optimizer, const LRScheduler* scheduler) {
  return save_optimizer_state(optimizer.name(), optimizer.state_dict(), scheduler ? scheduler->state_dict() : Json());
}

OptimizerCheckpoint read_optimizer_state(const uint8_t* data, size_t size) {
  SafetensorsContent content = load_safetensors(data, size);
  const std::string& format = metadata_entry(content.metadata, "format");
  KD_CHECK(format == kFormat, ValueError, "optimizer state: format is \"", format, "\", expected \"", kFormat, "\"");
  OptimizerCheckpoint out;
  out.optimizer = metadata_entry(content.metadata, "optimizer");
  out.state.param_groups = metadata_json(content.metadata, "param_groups");
  KD_CHECK(out.state.param_groups.is_array(), ValueError, "optimizer state: param_groups must be a list");
  const Json steps = metadata_json(content.metadata, "state");
  KD_CHECK(steps.is_object(), ValueError, "optimizer state: state must be an object");
  for (const auto& [key, entry] : steps.as_object()) {
    const int64_t index = parse_index(key);
    KD_CHECK(index >= 0, ValueError, "optimizer state: state key \"", key, "\" is not a parameter index");
    KD_CHECK(entry.is_object() && entry.size() == 1 && entry.contains("step") && entry["step"].is_integer(), ValueError,
             "optimizer state: state \"", key, "\" must be {\"step\": integer}");
    out.state.state[index].step = entry["step"].as_int();
  }
  for (auto& [name, tensor] : content.tensors) {
    auto [index, buffer] = split_tensor_name(name);
    auto it = out.state.state.find(index);
    KD_CHECK(it != out.state.state.end(), ValueError, "optimizer state: tensor \"", name, "\" has no entry ", index,
             " in state");
    it->second.buffers[buffer] = tensor;
  }
  if (content.metadata.count("lr_scheduler")) out.lr_scheduler = metadata_json(content.metadata, "lr_scheduler");
  return out;
}

void load_optimizer_state(const std::vector<uint8_t>& bytes, Optimizer& optimizer, LRScheduler* scheduler) {
  OptimizerCheckpoint checkpoint = read_optimizer_state(bytes.data(), bytes.size());
  KD_CHECK(checkpoint.optimizer == optimizer.name(), ValueError, "optimizer state: the file holds the state of ",
           checkpoint.optimizer, ", not ", optimizer.name());
  if (scheduler) {
    KD_CHECK(!checkpoint.lr_scheduler.is_null(), ValueError, "optimizer state: the file holds no ", scheduler->name(),
             " state (it was saved without a scheduler)");
    scheduler->check_state_dict(checkpoint.lr_scheduler);
  }
  optimizer.load_state_dict(checkpoint.state);  // checks everything before changing anything
  if (scheduler) scheduler->load_state_dict(checkpoint.lr_scheduler);  // checked above: cannot fail
}

}  // namespace optim
}  // namespace kd
