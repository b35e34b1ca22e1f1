// Containers: Sequential (chains its modules' forward), ModuleList and ModuleDict. Their
// elements are registered children, so parameters(), state_dict() and the repr see them under
// "0", "1", … or their keys.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "nn/module.h"

namespace kd::nn {

class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  Sequential(std::initializer_list<ModulePtr> modules);
  // Named entries, as Sequential(OrderedDict(...)).
  explicit Sequential(const std::vector<std::pair<std::string, ModulePtr>>& named);

  // Appends under the next index ("0", "1", …).
  Sequential& push_back(ModulePtr module);
  Sequential& push_back(const std::string& name, ModulePtr module);
  // Negative indices count from the end; out of range raises IndexError.
  ModulePtr operator[](int64_t index) const;
  size_t size() const { return modules_.size(); }
  bool empty() const { return modules_.empty(); }
  const std::vector<ModulePtr>& entries() const { return modules_; }

  // Feeds the input through every module in order.
  Tensor forward(const Tensor& input) override;

 private:
  std::vector<ModulePtr> modules_;
};

class ModuleList : public Module {
 public:
  ModuleList() : Module("ModuleList") {}
  ModuleList(std::initializer_list<ModulePtr> modules);
  ModuleList& push_back(ModulePtr module);
  ModuleList& extend(const std::vector<ModulePtr>& modules);
  ModulePtr operator[](int64_t index) const;
  size_t size() const { return modules_.size(); }
  std::vector<ModulePtr>::const_iterator begin() const { return modules_.begin(); }
  std::vector<ModulePtr>::const_iterator end() const { return modules_.end(); }

 private:
  std::vector<ModulePtr> modules_;
};

class ModuleDict : public Module {
 public:
  ModuleDict() : Module("ModuleDict") {}
  explicit ModuleDict(const std::vector<std::pair<std::string, ModulePtr>>& items);
  // Adds, or replaces in place (keeping the key's position), the module under key.
  ModuleDict& insert(const std::string& key, ModulePtr module);
  // Raises IndexError (PyTorch: KeyError) for an unknown key.
  ModulePtr operator[](const std::string& key) const;
  bool contains(const std::string& key) const;
  std::vector<std::string> keys() const;
  std::vector<ModulePtr> values() const;
  size_t size() const { return items_.size(); }

 private:
  std::vector<std::pair<std::string, ModulePtr>> items_;
};

}  // namespace kd::nn
