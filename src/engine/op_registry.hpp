// Operators are looked up by domain and op type and checked against the model's opset, as in ONNX Runtime's
// kernel registry. Each ops/*.cpp file registers the op types it builds: ONNX operators in the default
// domain, and the fused nodes the graph passes write in flipguard's internal domain.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
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
  // An ONNX operator (default domain).
  void add(const std::string& op_type, OpBuilder build, int min_opset, int max_opset,
           std::set<std::string> attributes = {}) {
    add_in("", op_type, std::move(build), min_opset, max_opset, std::move(attributes));
  }
  // A node only the graph passes write (model::kInternalDomain); model files cannot name it.
  void add_internal(const std::string& op_type, OpBuilder build, int min_opset, int max_opset,
                    std::set<std::string> attributes = {}) {
    add_in(model::kInternalDomain, op_type, std::move(build), min_opset, max_opset, std::move(attributes));
  }
  const OpEntry* find(const std::string& domain, const std::string& op_type) const {
    auto it = entries_.find({domain, op_type});
    return it == entries_.end() ? nullptr : &it->second;
  }
  // The ONNX operators.
  std::vector<std::string> op_types() const {
    std::vector<std::string> v;
    for (const auto& [key, e] : entries_)
      if (key.first.empty()) v.push_back(key.second);
    return v;
  }

 private:
  void add_in(const std::string& domain, const std::string& op_type, OpBuilder build, int min_opset,
              int max_opset, std::set<std::string> attributes) {
    entries_[{domain, op_type}] = OpEntry{std::move(build), min_opset, max_opset, std::move(attributes)};
  }
  std::map<std::pair<std::string, std::string>, OpEntry> entries_;  // (domain, op type) -> entry
};

// The registry with every built-in operator.
const OpRegistry& builtin_ops();

}  // namespace flipguard::engine
