// Where(condition, X, Y) with numpy broadcasting, in plain C++, for a condition known at load time (masks
// that survive constant folding because X or Y is computed, e.g. an attention mask applied to scores).
// The attention mask's case, X of the output's shape, Y a constant scalar and a condition that repeats over
// leading dims (a causal mask over batch and heads), writes only the masked elements, over X itself when
// nothing reads X later.
#include <cstring>
#include <optional>
#include <stdexcept>

#include "engine/op_registry.hpp"
#include "engine/ops/op_util.hpp"
#include "model/shape_rules.hpp"

namespace flipguard::engine {
namespace {

// The masked fill: the condition's false elements, as runs [begin, end) within one block of `block`
// elements that repeats `blocks` times.
struct MaskedRuns {
  std::int64_t blocks = 1, block = 1;
  std::vector<std::pair<std::int64_t, std::int64_t>> runs;
};

// The runs of `cond` (dims `cd`) over `out`, if it varies only over trailing dims of `out`.
std::optional<MaskedRuns> masked_runs(const std::vector<std::uint8_t>& cond, const Dims& cd,
                                      const Dims& out) {
  const Dims c = model::left_pad(cd, out.size());
  size_t first = c.size();  // the trailing dims the condition has in full
  while (first > 0 && c[first - 1] == out[first - 1]) --first;
  for (size_t d = 0; d < first; ++d)
    if (c[d] != 1) return std::nullopt;
  MaskedRuns m;
  for (size_t d = 0; d < out.size(); ++d) (d < first ? m.blocks : m.block) *= out[d];
  for (std::int64_t i = 0; i < m.block;) {
    if (cond[static_cast<size_t>(i)]) {
      ++i;
      continue;
    }
    std::int64_t j = i;
    while (j < m.block && !cond[static_cast<size_t>(j)]) ++j;
    m.runs.emplace_back(i, j);
    i = j;
  }
  return m;
}

void build_where(const model::Node& n, BuildContext& ctx) {
  if (n.inputs.size() != 3) throw std::runtime_error(ctx.error(n, "expects three inputs"));
  const auto* cond = ctx.constant(n.inputs[0]);
  if (!cond)
    throw std::runtime_error(ctx.error(
        n, "the condition '" + n.inputs[0] + "' is computed at run time; the engine needs it constant"));
  if (cond->is_float() && !cond->floats.empty())
    throw std::runtime_error(ctx.error(n, "the condition must be boolean"));
  const int x = ctx.plain(n.inputs[1]), y = ctx.plain(n.inputs[2]);
  const Dims cd = cond->dims, xd = ctx.value(x).dims, yd = ctx.value(y).dims;
  const Dims out = model::broadcast_dims(model::broadcast_dims(cd, xd), yd);
  std::vector<std::uint8_t> c(cond->ints.size());
  for (size_t i = 0; i < c.size(); ++i) c[i] = cond->ints[i] != 0;
  const auto* fill = ctx.constant(n.inputs[2]);
  if (fill && fill->is_float() && fill->floats.size() == 1 && xd == out)
    if (const auto m = masked_runs(c, cd, out)) {
      const bool in_place = ctx.can_overwrite(x);
      const int o = in_place ? ctx.define_alias(n.outputs.at(0), out, plain_desc(out), x)
                             : ctx.define(n.outputs.at(0), out, plain_desc(out));
      const float value = fill->floats[0];
      const auto bytes = static_cast<size_t>(model::element_count(out)) * sizeof(float);
      ctx.add_layer(std::make_unique<FunctionLayer>(
          "Where " + n.name + " " + model::dims_to_string(out) + " (masked fill" +
              (in_place ? ", in place)" : ")"),
          std::vector<int>{x}, o,
          [m = *m, value, in_place, bytes](const std::vector<const float*>& in, float* dst) {
            if (!in_place) std::memcpy(dst, in[0], bytes);
            for (std::int64_t b = 0; b < m.blocks; ++b)
              for (const auto& [begin, end] : m.runs)
                std::fill(dst + b * m.block + begin, dst + b * m.block + end, value);
          }));
      return;
    }
  const int o = ctx.define(n.outputs.at(0), out, plain_desc(out));
  ctx.add_layer(std::make_unique<FunctionLayer>(
      "Where " + n.name + " " + model::dims_to_string(out), std::vector<int>{x, y}, o,
      [=](const std::vector<const float*>& in, float* dst) {
        ops::for_each_broadcast<3>(
            out, {cd, xd, yd}, [&](std::int64_t lin, const std::array<std::int64_t, 3>& off) {
              dst[lin] = c[static_cast<size_t>(off[0])] ? in[0][off[1]] : in[1][off[2]];
            });
      }));
}

}  // namespace

void register_where(OpRegistry& r) {
  r.add("Where", build_where, 9, 17);
}

}  // namespace flipguard::engine
