#include "nn/container.h"

namespace kd::nn {
namespace {
size_t checked_index(int64_t index, size_t size, const char* type) {
  const int64_t n = static_cast<int64_t>(size);
  KD_CHECK(index >= -n && index < n, IndexError, "index ", index, " is out of range (", type, " of length ", n, ")");
  return static_cast<size_t>(index < 0 ? index + n : index);
}
}  // namespace

// ---- Sequential ----
Sequential::Sequential(std::initializer_list<ModulePtr> modules) : Module("Sequential") {
  for (const ModulePtr& m : modules) push_back(m);
}

Sequential::Sequential(const std::vector<std::pair<std::string, ModulePtr>>& named) : Module("Sequential") {
  for (const auto& [name, m] : named) push_back(name, m);
}

Sequential& Sequential::push_back(ModulePtr module) { return push_back(std::to_string(modules_.size()), std::move(module)); }

Sequential& Sequential::push_back(const std::string& name, ModulePtr module) {
  KD_CHECK(module != nullptr, ValueError, "Sequential: cannot add a null module");
  register_module(name, module);
  modules_.push_back(std::move(module));
  return *this;
}

ModulePtr Sequential::operator[](int64_t index) const { return modules_[checked_index(index, modules_.size(), "Sequential")]; }

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (const ModulePtr& m : modules_) x = (*m)(x);  // with the child's hooks, as PyTorch's Sequential
  return x;
}

// ---- ModuleList ----
ModuleList::ModuleList(std::initializer_list<ModulePtr> modules) : Module("ModuleList") {
  for (const ModulePtr& m : modules) push_back(m);
}

ModuleList& ModuleList::push_back(ModulePtr module) {
  KD_CHECK(module != nullptr, ValueError, "ModuleList: cannot add a null module");
  register_module(std::to_string(modules_.size()), module);
  modules_.push_back(std::move(module));
  return *this;
}

ModuleList& ModuleList::extend(const std::vector<ModulePtr>& modules) {
  for (const ModulePtr& m : modules) push_back(m);
  return *this;
}

ModulePtr ModuleList::operator[](int64_t index) const { return modules_[checked_index(index, modules_.size(), "ModuleList")]; }

// ---- ModuleDict ----
ModuleDict::ModuleDict(const std::vector<std::pair<std::string, ModulePtr>>& items) : Module("ModuleDict") {
  for (const auto& [k, m] : items) insert(k, m);
}

ModuleDict& ModuleDict::insert(const std::string& key, ModulePtr module) {
  KD_CHECK(module != nullptr, ValueError, "ModuleDict: cannot add a null module");
  register_module(key, module);
  for (auto& [k, m] : items_)
    if (k == key) {
      m = std::move(module);
      return *this;
    }
  items_.emplace_back(key, std::move(module));
  return *this;
}

ModulePtr ModuleDict::operator[](const std::string& key) const {
  for (const auto& [k, m] : items_)
    if (k == key) return m;
  throw IndexError(str("ModuleDict has no key '", key, "'"));
}

bool ModuleDict::contains(const std::string& key) const {
  for (const auto& [k, m] : items_)
    if (k == key) return true;
  return false;
}

std::vector<std::string> ModuleDict::keys() const {
  std::vector<std::string> out;
  for (const auto& [k, m] : items_) out.push_back(k);
  return out;
}

std::vector<ModulePtr> ModuleDict::values() const {
  std::vector<ModulePtr> out;
  for (const auto& [k, m] : items_) out.push_back(m);
  return out;
}

}  // namespace kd::nn
