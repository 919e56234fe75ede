// Element-wise operators on constants: arithmetic and comparisons with numpy broadcasting, logic on
// booleans (held as 0/1 integers), Cast and Where. Float data is computed in float, as the model would at
// run time; integer data in int64, with ONNX's integer division (truncating) and Mod (sign of the divisor
// unless fmod=1).
#include <cmath>
#include <limits>

#include "memory/bf16.hpp"
#include "memory/fp16.hpp"
#include "model/constant_kernels/kernel_util.hpp"
#include "model/shape_rules.hpp"

namespace flipguard::model::kernels {
namespace {

float unary_float(const std::string& op, float x) {
  if (op == "Neg") return -x;
  if (op == "Abs") return std::fabs(x);
  if (op == "Sqrt") return std::sqrt(x);
  if (op == "Exp") return std::exp(x);
  if (op == "Log") return std::log(x);
  if (op == "Floor") return std::floor(x);
  if (op == "Ceil") return std::ceil(x);
  if (op == "Round") return std::nearbyint(x);  // half to even, as ONNX defines
  if (op == "Reciprocal") return 1.f / x;
  if (op == "Relu") return x > 0 || std::isnan(x) ? x : 0.f;  // NaN stays, as in the engine and PyTorch
  if (op == "Sigmoid") return 1.f / (1.f + std::exp(-x));
  if (op == "Tanh") return std::tanh(x);
  if (op == "Erf") return std::erf(x);
  if (op == "Sign") return static_cast<float>((x > 0) - (x < 0));
  throw bad("no float form");
}

std::int64_t unary_int(const std::string& op, std::int64_t x) {
  if (op == "Neg") return -x;
  if (op == "Abs") return x < 0 ? -x : x;
  if (op == "Relu") return x > 0 ? x : 0;
  if (op == "Sign") return (x > 0) - (x < 0);
  if (op == "Not") return x == 0;
  if (op == "Floor" || op == "Ceil" || op == "Round") return x;
  throw bad("is not defined on integers");
}

std::vector<Constant> unary(const Node& n, const std::vector<const Constant*>& in, std::int64_t) {
  const Constant& x = input(in, 0);
  if (n.op_type == "Not" && x.is_float()) throw bad("Not needs a boolean input");
  if (x.is_float()) {
    std::vector<float> out(x.floats.size());
    for (size_t i = 0; i < out.size(); ++i) out[i] = unary_float(n.op_type, x.floats[i]);
    return {float_tensor(x.dims, std::move(out))};
  }
  std::vector<std::int64_t> out(x.ints.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = unary_int(n.op_type, x.ints[i]);
  return {int_tensor(x.dims, std::move(out))};
}

bool is_comparison(const std::string& op) {
  return op == "Equal" || op == "Less" || op == "Greater" || op == "LessOrEqual" || op == "GreaterOrEqual";
}

template <class T>
bool compare(const std::string& op, T a, T b) {
  if (op == "Equal") return a == b;
  if (op == "Less") return a < b;
  if (op == "Greater") return a > b;
  if (op == "LessOrEqual") return a <= b;
  return a >= b;
}

float binary_float(const std::string& op, float a, float b) {
  if (op == "Add") return a + b;
  if (op == "Sub") return a - b;
  if (op == "Mul") return a * b;
  if (op == "Div") return a / b;
  if (op == "Pow") return std::pow(a, b);
  if (op == "Mod") return std::fmod(a, b);
  // A NaN operand gives NaN, as torch.maximum and ONNX Runtime (fmax would return the other operand).
  if (op == "Max") return std::isnan(a) || std::isnan(b) ? a + b : std::fmax(a, b);
  if (op == "Min") return std::isnan(a) || std::isnan(b) ? a + b : std::fmin(a, b);
  throw bad("no float form");
}

std::int64_t binary_int(const std::string& op, std::int64_t a, std::int64_t b, bool fmod) {
  if (op == "Add") return a + b;
  if (op == "Sub") return a - b;
  if (op == "Mul") return a * b;
  if (op == "Max") return std::max(a, b);
  if (op == "Min") return std::min(a, b);
  if (op == "And") return a && b;
  if (op == "Or") return a || b;
  if (op == "Xor") return (a != 0) != (b != 0);
  if (op == "Pow") {
    if (b < 0) throw bad("a negative integer exponent");
    std::int64_t r = 1;
    for (std::int64_t k = 0; k < b; ++k) r *= a;
    return r;
  }
  if (b == 0) throw bad("integer division by zero");
  if (op == "Div") return a / b;  // truncates toward zero, as ONNX Runtime does
  if (op == "Mod") {
    const std::int64_t r = a % b;
    return (!fmod && r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
  }
  throw bad("no integer form");
}

std::vector<Constant> binary(const Node& n, const std::vector<const Constant*>& in, std::int64_t) {
  if (in.size() != 2) throw bad("expects two inputs");
  const Constant &a = input(in, 0), &b = input(in, 1);
  const Dims out = broadcast_dims(a.dims, b.dims);
  const auto oa = broadcast_offsets(a.dims, out), ob = broadcast_offsets(b.dims, out);
  const std::string& op = n.op_type;
  const bool logical = op == "And" || op == "Or" || op == "Xor";
  if (a.is_float() != b.is_float()) throw bad("inputs differ in element type");
  if (a.is_float()) {
    if (logical) throw bad("logical operators need boolean inputs");
    if (is_comparison(op)) {
      std::vector<std::int64_t> r(oa.size());
      for (size_t i = 0; i < r.size(); ++i)
        r[i] = compare(op, a.floats[static_cast<size_t>(oa[i])], b.floats[static_cast<size_t>(ob[i])]);
      return {int_tensor(out, std::move(r))};
    }
    if (op == "Mod" && n.get_int("fmod", 0) == 0) throw bad("Mod of floats needs fmod=1");
    std::vector<float> r(oa.size());
    for (size_t i = 0; i < r.size(); ++i)
      r[i] = binary_float(op, a.floats[static_cast<size_t>(oa[i])], b.floats[static_cast<size_t>(ob[i])]);
    return {float_tensor(out, std::move(r))};
  }
  std::vector<std::int64_t> r(oa.size());
  const bool fmod = n.get_int("fmod", 0) != 0;
  for (size_t i = 0; i < r.size(); ++i) {
    const auto x = a.ints[static_cast<size_t>(oa[i])], y = b.ints[static_cast<size_t>(ob[i])];
    r[i] = is_comparison(op) ? compare(op, x, y) : binary_int(op, x, y, fmod);
  }
  return {int_tensor(out, std::move(r))};
}

// Max / Min / Sum / Mean with any number of inputs fold pairwise (Mean divides at the end).
std::vector<Constant> variadic(const Node& n, const std::vector<const Constant*>& in, std::int64_t opset) {
  if (in.empty()) throw bad("has no inputs");
  Node pair = n;
  pair.op_type = n.op_type == "Sum" || n.op_type == "Mean" ? "Add" : n.op_type;
  Constant acc = input(in, 0);
  for (size_t i = 1; i < in.size(); ++i) acc = binary(pair, {&acc, &input(in, i)}, opset)[0];
  if (n.op_type == "Mean") {
    if (!acc.is_float()) throw bad("Mean needs float inputs");
    for (auto& v : acc.floats) v /= static_cast<float>(in.size());
  }
  return {acc};
}

// ONNX TensorProto data types that Cast can produce.
enum : std::int64_t {
  kFloat = 1,
  kUint8 = 2,
  kInt8 = 3,
  kUint16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kBool = 9,
  kFloat16 = 10,
  kDouble = 11,
  kUint32 = 12,
  kUint64 = 13,
  kBfloat16 = 16
};

std::int64_t wrap_int(std::int64_t v, std::int64_t to) {
  switch (to) {
    case kUint8:
      return static_cast<std::uint8_t>(v);
    case kInt8:
      return static_cast<std::int8_t>(v);
    case kUint16:
      return static_cast<std::uint16_t>(v);
    case kInt16:
      return static_cast<std::int16_t>(v);
    case kInt32:
      return static_cast<std::int32_t>(v);
    case kUint32:
      return static_cast<std::uint32_t>(v);
    case kBool:
      return v != 0;
    default:
      return v;
  }
}

std::vector<Constant> cast(const Node& n, const std::vector<const Constant*>& in, std::int64_t) {
  const Constant& x = input(in, 0);
  const std::int64_t to = n.get_int("to", 0);
  const bool to_float = to == kFloat || to == kDouble || to == kFloat16 || to == kBfloat16;
  const bool to_int = to == kUint8 || to == kInt8 || to == kUint16 || to == kInt16 || to == kInt32 ||
                      to == kInt64 || to == kBool || to == kUint32 || to == kUint64;
  if (!to_float && !to_int) throw bad("cast to data type " + std::to_string(to) + " is not supported");
  if (to_float) {
    std::vector<float> out;
    if (x.is_float()) {
      out = x.floats;
    } else {
      for (auto v : x.ints) out.push_back(static_cast<float>(v));
    }
    if (to == kFloat16)
      for (auto& v : out) v = memory::fp16_to_fp32(memory::fp32_to_fp16(v));
    if (to == kBfloat16)
      for (auto& v : out) v = memory::bf16_to_fp32(memory::fp32_to_bf16(v));
    return {float_tensor(x.dims, std::move(out))};
  }
  std::vector<std::int64_t> out;
  if (x.is_float()) {
    for (auto v : x.floats) {
      if (to == kBool) {
        out.push_back(v != 0.f);
        continue;
      }
      if (!std::isfinite(v) || std::fabs(v) >= 9.2e18f)
        throw bad("cannot cast " + std::to_string(v) + " to an integer");
      out.push_back(wrap_int(static_cast<std::int64_t>(v), to));  // truncates toward zero
    }
  } else {
    for (auto v : x.ints) out.push_back(wrap_int(v, to));
  }
  return {int_tensor(x.dims, std::move(out))};
}

std::vector<Constant> where(const Node&, const std::vector<const Constant*>& in, std::int64_t) {
  const Constant &c = input(in, 0), &x = input(in, 1), &y = input(in, 2);
  if (c.is_float() && !c.floats.empty()) throw bad("the condition must be boolean");
  if (x.is_float() != y.is_float()) throw bad("X and Y differ in element type");
  const Dims out = broadcast_dims(broadcast_dims(c.dims, x.dims), y.dims);
  const auto oc = broadcast_offsets(c.dims, out), ox = broadcast_offsets(x.dims, out),
             oy = broadcast_offsets(y.dims, out);
  // Pick from one of two sources: take() from x and y, then merge by the condition.
  const Constant tx = take(x, out, ox), ty = take(y, out, oy);
  Constant r = tx;
  for (size_t i = 0; i < oc.size(); ++i) {
    if (c.ints[static_cast<size_t>(oc[i])]) continue;
    if (r.is_float()) {
      r.floats[i] = ty.floats[i];
    } else {
      r.ints[i] = ty.ints[i];
    }
  }
  return {r};
}

}  // namespace

void register_elementwise(KernelTable& t) {
  for (const char* op : {"Neg", "Abs", "Sqrt", "Exp", "Log", "Floor", "Ceil", "Round", "Reciprocal", "Relu",
                         "Sigmoid", "Tanh", "Erf", "Sign", "Not"})
    t[op] = unary;
  for (const char* op : {"Add", "Sub", "Mul", "Div", "Pow", "Mod", "Equal", "Less", "Greater", "LessOrEqual",
                         "GreaterOrEqual", "And", "Or", "Xor"})
    t[op] = binary;
  for (const char* op : {"Max", "Min", "Sum", "Mean"}) t[op] = variadic;
  t["Cast"] = cast;
  t["Where"] = where;
}

}  // namespace flipguard::model::kernels
