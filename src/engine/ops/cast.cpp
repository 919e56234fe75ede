// Cast of a computed float tensor to a floating type: float and double are the engine's fp32 (a view, no
// copy), fp16 and bf16 round each value to that precision. Casts of constants run at load time; integer
// results at run time are refused (the engine's activations are fp32).
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"
#include "memory/bf16.hpp"
#include "memory/fp16.hpp"

namespace flipguard::engine {
namespace {

enum : std::int64_t { kFloat = 1, kFloat16 = 10, kDouble = 11, kBfloat16 = 16 };

void build_cast(const model::Node& n, BuildContext& ctx) {
  const std::int64_t to = n.get_int("to", 0);
  if (to != kFloat && to != kDouble && to != kFloat16 && to != kBfloat16)
    throw std::runtime_error(ctx.error(n, "casting a computed tensor to data type " + std::to_string(to) +
                                              " is not supported (the engine's activations are fp32)"));
  const int x = ctx.plain(n.inputs.at(0));
  const Dims dims = ctx.value(x).dims;
  if (to == kFloat || to == kDouble) {
    ctx.define_alias(n.outputs.at(0), dims, plain_desc(dims), x);
    return;
  }
  const auto count = model::element_count(dims);
  const bool half = to == kFloat16;
  const int y = ctx.define(n.outputs.at(0), dims, plain_desc(dims));
  ctx.add_layer(std::make_unique<FunctionLayer>(
      std::string("Cast ") + n.name + (half ? " to fp16" : " to bf16"), std::vector<int>{x}, y,
      [count, half](const std::vector<const float*>& in, float* out) {
        for (std::int64_t i = 0; i < count; ++i)
          out[i] = half ? memory::fp16_to_fp32(memory::fp32_to_fp16(in[0][i]))
                        : memory::bf16_to_fp32(memory::fp32_to_bf16(in[0][i]));
      }));
}

}  // namespace

void register_cast(OpRegistry& r) {
  r.add("Cast", build_cast, 6, 17, {"to", "saturate"});
}

}  // namespace flipguard::engine
