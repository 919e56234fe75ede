#include "engine/op_registry.hpp"

#include <stdexcept>

#include "model/onnx_shape_rules.hpp"

namespace flipguard::engine {

void OpRegistry::add_in(const std::string& domain, const std::string& op_type, OpEntry entry) {
  const std::string name = (domain.empty() ? "" : domain + ".") + op_type;
  if (find(domain, op_type)) throw std::logic_error("operator " + name + " is registered twice");
  if (entry.shape && model::onnx_shape_rules().shape_rule(domain, op_type))
    throw std::logic_error(
        "operator " + name +
        " has its shape rule in model/onnx_shape_rules.cpp already: register it without one");
  entries_.emplace(std::make_pair(domain, op_type), std::move(entry));
}

const model::ShapeRule* OpRegistry::shape_rule(const std::string& domain, const std::string& op_type) const {
  if (const OpEntry* e = find(domain, op_type); e && e->shape) return &e->shape;
  return model::onnx_shape_rules().shape_rule(domain, op_type);
}

// Explicit registration (not static initialisers), so the linker cannot drop an operator from the library.
void register_conv(OpRegistry&);
void register_gemm(OpRegistry&);
void register_matmul(OpRegistry&);
void register_pool(OpRegistry&);
void register_global_pool(OpRegistry&);
void register_batchnorm(OpRegistry&);
void register_activation(OpRegistry&);
void register_binary(OpRegistry&);
void register_concat(OpRegistry&);
void register_reshape(OpRegistry&);
void register_transpose(OpRegistry&);
void register_pad(OpRegistry&);
void register_slice(OpRegistry&);
void register_softmax(OpRegistry&);
void register_reduce_mean(OpRegistry&);
void register_layernorm(OpRegistry&);
void register_erf(OpRegistry&);
void register_pow(OpRegistry&);
void register_gather(OpRegistry&);
void register_where(OpRegistry&);
void register_expand(OpRegistry&);
void register_split(OpRegistry&);
void register_scatter_nd(OpRegistry&);
void register_cast(OpRegistry&);
void register_reciprocal(OpRegistry&);

namespace {

OpRegistry& registry() {
  static OpRegistry ops = [] {
    OpRegistry r;
    register_conv(r);
    register_gemm(r);
    register_matmul(r);
    register_pool(r);
    register_global_pool(r);
    register_batchnorm(r);
    register_activation(r);
    register_binary(r);
    register_concat(r);
    register_reshape(r);
    register_transpose(r);
    register_pad(r);
    register_slice(r);
    register_softmax(r);
    register_reduce_mean(r);
    register_layernorm(r);
    register_erf(r);
    register_pow(r);
    register_gather(r);
    register_where(r);
    register_expand(r);
    register_split(r);
    register_scatter_nd(r);
    register_cast(r);
    register_reciprocal(r);
    return r;
  }();
  return ops;
}

}  // namespace

const OpRegistry& builtin_ops() {
  return registry();
}

OpRegistrar::OpRegistrar(std::string op_type, OpEntry entry) : op_type_(std::move(op_type)) {
  registry().add_in("", op_type_, std::move(entry));
}

OpRegistrar::~OpRegistrar() {
  registry().remove("", op_type_);
}

}  // namespace flipguard::engine
