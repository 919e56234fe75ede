#include "engine/op_registry.hpp"

namespace flipguard::engine {

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

const OpRegistry& builtin_ops() {
  static const OpRegistry registry = [] {
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
    return r;
  }();
  return registry;
}

}  // namespace flipguard::engine
