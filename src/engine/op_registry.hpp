// Operators are looked up by ONNX op type and checked against the model's opset, as in ONNX Runtime's kernel
// registry. Each ops/*.cpp file registers the op types it builds.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/build_context.hpp"

namespace flipguard::engine {

using OpBuilder = std::function<void(const model::Node&, BuildContext&)>;

struct OpEntry {
  OpBuilder build;
  int min_opset = 1;   // first opset whose semantics the builder implements
  int max_opset = 17;  // last opset checked
  // Attributes the builder understands; any other attribute on a node is rejected at load time rather than
  // silently ignored (it could change the operator's meaning).
  std::set<std::string> attributes;
};

class OpRegistry {
 public:
  void add(const std::string& op_type, OpBuilder build, int min_opset, int max_opset,
           std::set<std::string> attributes = {}) {
    entries_[op_type] = OpEntry{std::move(build), min_opset, max_opset, std::move(attributes)};
  }
  const OpEntry* find(const std::string& op_type) const {
    auto it = entries_.find(op_type);
    return it == entries_.end() ? nullptr : &it->second;
  }
  std::vector<std::string> op_types() const {
    std::vector<std::string> v;
    for (const auto& [k, e] : entries_) v.push_back(k);
    return v;
  }

 private:
  std::map<std::string, OpEntry> entries_;
};

// The registry with every built-in operator.
const OpRegistry& builtin_ops();

}  // namespace flipguard::engine
