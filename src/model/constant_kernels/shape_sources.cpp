// Operators that make tensors from shapes: Shape and Size (which read only their input's dims, so the
// folding pass evaluates them for computed values whose shape it knows), ConstantOfShape and Range.
#include <cmath>

#include "model/constant_kernels/kernel_util.hpp"

namespace flipguard::model::kernels {
namespace {

std::vector<Constant> shape(const Node& n, const std::vector<const Constant*>& in, std::int64_t) {
  const Dims& dims = input(in, 0).dims;
  const auto rank = static_cast<std::int64_t>(dims.size());
  // Since opset 15, start/end select a range of dims (clamped, negative counting from the end).
  auto bound = [&](const char* attr, std::int64_t fallback) {
    std::int64_t v = n.get_int(attr, fallback);
    if (v < 0) v += rank;
    return std::clamp<std::int64_t>(v, 0, rank);
  };
  const std::int64_t start = bound("start", 0), end = bound("end", rank);
  std::vector<std::int64_t> out;
  for (std::int64_t i = start; i < end; ++i) out.push_back(dims[static_cast<size_t>(i)]);
  const auto count = static_cast<std::int64_t>(out.size());  // before `out` is moved from
  return {int_tensor({count}, std::move(out))};
}

std::vector<Constant> size(const Node&, const std::vector<const Constant*>& in, std::int64_t) {
  return {int_tensor({}, {element_count(input(in, 0).dims)})};
}

std::vector<Constant> constant_of_shape(const Node& n, const std::vector<const Constant*>& in, std::int64_t) {
  Dims dims = ints_of(in, 0);
  for (auto d : dims)
    if (d < 0) throw bad("negative dim in shape " + dims_to_string(dims));
  const auto count = static_cast<size_t>(element_count(dims));
  Constant value = float_tensor({1}, {0.f});
  if (n.has("value")) {
    const auto* v = std::get_if<Constant>(&n.attributes.at("value"));
    if (!v || element_count(v->dims) != 1) throw bad("'value' must be a one-element tensor");
    value = *v;
  }
  if (value.is_float()) return {float_tensor(std::move(dims), std::vector<float>(count, value.floats[0]))};
  return {int_tensor(std::move(dims), std::vector<std::int64_t>(count, value.ints[0]))};
}

std::vector<Constant> range(const Node&, const std::vector<const Constant*>& in, std::int64_t) {
  const Constant &start = input(in, 0), &limit = input(in, 1), &delta = input(in, 2);
  if (start.is_float() != limit.is_float() || start.is_float() != delta.is_float())
    throw bad("start, limit and delta differ in element type");
  const double s = scalar_of(start), l = scalar_of(limit), d = scalar_of(delta);
  if (d == 0) throw bad("delta is 0");
  const auto count = static_cast<std::int64_t>(std::max(std::ceil((l - s) / d), 0.0));
  if (count > (std::int64_t{1} << 31)) throw bad("the range has " + std::to_string(count) + " elements");
  if (!start.is_float()) {
    std::vector<std::int64_t> out(static_cast<size_t>(count));
    for (std::int64_t i = 0; i < count; ++i) out[static_cast<size_t>(i)] = start.ints[0] + i * delta.ints[0];
    return {int_tensor({count}, std::move(out))};
  }
  std::vector<float> out(static_cast<size_t>(count));
  for (std::int64_t i = 0; i < count; ++i)
    out[static_cast<size_t>(i)] = start.floats[0] + static_cast<float>(i) * delta.floats[0];
  return {float_tensor({count}, std::move(out))};
}

}  // namespace

void register_shape_sources(KernelTable& t) {
  t["Shape"] = shape;
  t["Size"] = size;
  t["ConstantOfShape"] = constant_of_shape;
  t["Range"] = range;
}

}  // namespace flipguard::model::kernels
