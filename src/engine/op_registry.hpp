// Operators are looked up by domain and op type and checked against the model's opset, as in ONNX Runtime's
// kernel registry. Each ops/*.cpp file registers the op types it builds: ONNX operators in the default
// domain, and the fused nodes the graph passes write in flipguard's internal domain. An operator is its file
// plus its line in op_registry.cpp: its shape rule comes with its registration, so that the load-time
// shape inference, which asks this registry through model's ShapeRuleSource, knows every operator the
// engine builds.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/build_context.hpp"
#include "model/shape_rule.hpp"

namespace flipguard::engine {

using OpBuilder = std::function<void(const model::Node&, BuildContext&)>;

struct OpEntry {
  OpBuilder build;
  int min_opset = 1;   // first opset whose semantics the builder implements
  int max_opset = 17;  // last opset checked
  // Attributes the builder understands; any other attribute on a node is rejected at load time rather than
  // silently ignored (it could change the operator's meaning).
  std::set<std::string> attributes;
  // The output shapes, for an operator that model's table of ONNX operators lacks
  // (model/onnx_shape_rules.hpp): a shared rule (model::same_shape_as_input, ...) or one written beside the
  // builder. Empty for an operator that table covers, which keeps one rule per operator.
  model::ShapeRule shape;
};

class OpRegistry final : public model::ShapeRuleSource {
 public:
  // An ONNX operator (default domain). Throws std::logic_error when the op type is taken, or when `shape` is
  // given for an operator whose rule model's table has.
  void add(const std::string& op_type, OpBuilder build, int min_opset, int max_opset,
           std::set<std::string> attributes = {}, model::ShapeRule shape = {}) {
    add_in("", op_type,
           OpEntry{std::move(build), min_opset, max_opset, std::move(attributes), std::move(shape)});
  }
  // A node only the graph passes write (model::kInternalDomain); model files cannot name it.
  void add_internal(const std::string& op_type, OpBuilder build, int min_opset, int max_opset,
                    std::set<std::string> attributes = {}) {
    add_in(model::kInternalDomain, op_type,
           OpEntry{std::move(build), min_opset, max_opset, std::move(attributes), {}});
  }
  // Either of the above by domain; throws as add() does.
  void add_in(const std::string& domain, const std::string& op_type, OpEntry entry);
  // Nothing when it is not registered.
  void remove(const std::string& domain, const std::string& op_type) { entries_.erase({domain, op_type}); }

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
  // The operator's own rule, else ONNX's (model/onnx_shape_rules.hpp), also for the operators the engine does
  // not build but the load-time folding meets.
  const model::ShapeRule* shape_rule(const std::string& domain, const std::string& op_type) const override;

 private:
  std::map<std::pair<std::string, std::string>, OpEntry> entries_;  // (domain, op type) -> entry
};

// The registry the executor builds with: every built-in operator, plus those an OpRegistrar adds.
const OpRegistry& builtin_ops();

// Registers an ONNX operator (default domain) for the registrar's lifetime, beside the built-ins: how code
// outside the library (a test, an application) adds one. Throws std::logic_error as OpRegistry::add does.
// Registration is not synchronised: register before executors are built.
class OpRegistrar {
 public:
  OpRegistrar(std::string op_type, OpEntry entry);
  ~OpRegistrar();
  OpRegistrar(const OpRegistrar&) = delete;
  OpRegistrar& operator=(const OpRegistrar&) = delete;

 private:
  std::string op_type_;
};

}  // namespace flipguard::engine
