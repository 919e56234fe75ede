#include "model/onnx_loader.hpp"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <functional>
#include <map>
#include <queue>
#include <set>
#include <sstream>
#include <stdexcept>

#include "memory/fp16.hpp"
#include "platform/input_file.hpp"
#include "platform/memory_budget.hpp"

namespace flipguard::model {
namespace {

// The whole file, or an error that says what went wrong: not a regular file, an unreadable file, or memory (a
// string that cannot grow would stop the read silently, and the parse would then call the model invalid).
std::string read_file(const std::string& path) {
  platform::InputFile f(path, "an ONNX model file");
  const std::uint64_t size = f.size();
  // Parsing holds the bytes and the decoded message at once: about twice the file.
  platform::require_memory(platform::saturating_bytes(static_cast<std::int64_t>(size), 2),
                           path + ": loading the model");
  std::string bytes;
  try {
    bytes = f.read_all();
  } catch (const std::bad_alloc&) {
    throw platform::out_of_memory(path + ": the model file's bytes", size);
  }
  if (bytes.size() != size)
    throw std::runtime_error(path + ": read " + std::to_string(bytes.size()) + " of " + std::to_string(size) +
                             " bytes");
  return bytes;
}

template <typename T>
std::vector<T> raw_as(const std::string& raw, size_t count, const std::string& ctx) {
  // Divide rather than multiply: a declared count near 2^64 must not wrap around to the raw size.
  if (raw.size() % sizeof(T) != 0 || raw.size() / sizeof(T) != count)
    throw std::runtime_error(ctx + ": raw_data has " + std::to_string(raw.size()) + " bytes, expected " +
                             std::to_string(count) + " x " + std::to_string(sizeof(T)));
  std::vector<T> v(count);
  if (count > 0) std::memcpy(v.data(), raw.data(), raw.size());  // an empty vector's data() may be null
  return v;
}

AttributeValue to_attribute(const onnx::AttributeProto& a, const std::string& ctx) {
  using A = onnx::AttributeProto;
  switch (a.type()) {
    case A::INT:
      return static_cast<std::int64_t>(a.i());
    case A::FLOAT:
      return a.f();
    case A::STRING:
      return a.s();
    case A::INTS:
      return std::vector<std::int64_t>(a.ints().begin(), a.ints().end());
    case A::FLOATS:
      return std::vector<float>(a.floats().begin(), a.floats().end());
    case A::TENSOR:
      return to_constant(a.t(), ctx + " attribute '" + a.name() + "'");
    default:
      throw std::runtime_error(ctx + ": attribute '" + a.name() + "' has an unsupported type (" +
                               std::to_string(a.type()) + ")");
  }
}

bool value_info_integer(const onnx::ValueInfoProto& v) {
  using T = onnx::TensorProto;
  if (!v.type().has_tensor_type()) return false;
  switch (v.type().tensor_type().elem_type()) {
    case T::INT64:
    case T::INT32:
    case T::INT16:
    case T::INT8:
    case T::UINT8:
    case T::UINT16:
    case T::UINT32:
    case T::UINT64:
    case T::BOOL:
      return true;
    default:
      return false;
  }
}

Dims value_info_dims(const onnx::ValueInfoProto& v) {
  Dims dims;
  if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape()) return dims;
  for (const auto& d : v.type().tensor_type().shape().dim())
    dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
  return dims;
}

// ONNX requires nodes in topological order, but exporters are not always careful: sort, detect cycles.
// Kahn's algorithm, taking the lowest-index ready node first, so a sorted graph keeps its order; linear in
// the graph's size (a repeated sweep was quadratic: seconds for a file of 20,000 nodes in reverse).
std::vector<Node> topological_sort(std::vector<Node> nodes, const std::set<std::string>& available_at_start,
                                   const std::string& source) {
  std::set<std::string> ready = available_at_start;
  std::map<std::string, std::vector<size_t>> waiting;  // tensor -> nodes that still need it
  std::vector<size_t> missing(nodes.size(), 0);
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> runnable;
  for (size_t i = 0; i < nodes.size(); ++i) {
    std::set<std::string> needs;
    for (const auto& in : nodes[i].inputs)
      if (!in.empty() && !ready.count(in)) needs.insert(in);
    missing[i] = needs.size();
    for (const auto& name : needs) waiting[name].push_back(i);
    if (needs.empty()) runnable.push(i);
  }
  std::vector<Node> sorted;
  std::vector<bool> done(nodes.size(), false);
  while (!runnable.empty()) {
    const size_t i = runnable.top();
    runnable.pop();
    for (const auto& out : nodes[i].outputs) {
      if (!ready.insert(out).second) continue;
      const auto w = waiting.find(out);
      if (w == waiting.end()) continue;
      for (size_t j : w->second)
        if (--missing[j] == 0) runnable.push(j);
    }
    sorted.push_back(std::move(nodes[i]));
    done[i] = true;
  }
  if (sorted.size() < nodes.size()) {
    // Left over: nodes reading a value nobody produces (dangling), or nodes waiting on each other (a cycle).
    std::map<std::string, const Node*> producer;
    for (size_t i = 0; i < nodes.size(); ++i)
      if (!done[i])
        for (const auto& out : nodes[i].outputs) producer[out] = &nodes[i];
    for (size_t i = 0; i < nodes.size(); ++i)
      if (!done[i])
        for (const auto& in : nodes[i].inputs)
          if (!in.empty() && !ready.count(in) && !producer.count(in))
            throw std::runtime_error(source + ": " + nodes[i].describe() + " reads '" + in +
                                     "', which no node, graph input or initializer produces");
    for (size_t i = 0; i < nodes.size(); ++i)
      if (!done[i])
        for (const auto& in : nodes[i].inputs)
          if (!in.empty() && !ready.count(in))
            throw std::runtime_error(source + ": the graph has a cycle: " + nodes[i].describe() + " reads '" +
                                     in + "' from " + producer.at(in)->describe() +
                                     ", which depends on it in turn");
  }
  return sorted;
}

}  // namespace

Constant to_constant(const onnx::TensorProto& t, const std::string& ctx) {
  using T = onnx::TensorProto;
  Constant c;
  c.dims.assign(t.dims().begin(), t.dims().end());
  for (auto d : c.dims)
    if (d < 0) throw std::runtime_error(ctx + ": tensor '" + t.name() + "' has a negative dimension");
  std::int64_t count = 0;
  try {
    count = element_count(c.dims);
  } catch (const std::overflow_error& e) {
    throw std::runtime_error(ctx + ": tensor '" + t.name() + "': " + e.what());
  }
  // Every value must be in the file, so the declared shape alone never sizes an allocation (checked below).
  const auto n = static_cast<size_t>(count);
  if (t.data_location() == T::EXTERNAL)
    throw std::runtime_error(
        ctx + ": tensor '" + t.name() +
        "' uses external data, which is not supported (save the model with weights inside)");
  const bool raw = t.has_raw_data();
  const std::string where = ctx + ": tensor '" + t.name() + "'";
  auto check = [&](size_t got) {
    if (got != n)
      throw std::runtime_error(where + " holds " + std::to_string(got) + " values for shape " +
                               dims_to_string(c.dims));
  };
  switch (t.data_type()) {
    case T::FLOAT:
      c.floats = raw ? raw_as<float>(t.raw_data(), n, where)
                     : std::vector<float>(t.float_data().begin(), t.float_data().end());
      check(c.floats.size());
      break;
    case T::DOUBLE: {
      auto d = raw ? raw_as<double>(t.raw_data(), n, where)
                   : std::vector<double>(t.double_data().begin(), t.double_data().end());
      check(d.size());
      c.floats.assign(d.begin(), d.end());
      break;
    }
    case T::FLOAT16: {
      std::vector<std::uint16_t> h;
      if (raw) {
        h = raw_as<std::uint16_t>(t.raw_data(), n, where);
      } else {
        for (auto v : t.int32_data()) h.push_back(static_cast<std::uint16_t>(v));
      }
      check(h.size());
      for (auto v : h) c.floats.push_back(memory::fp16_to_fp32(v));
      break;
    }
    case T::UINT64:
    case T::INT64:
      c.integer = true;
      c.ints = raw ? raw_as<std::int64_t>(t.raw_data(), n, where)
               : t.data_type() == T::UINT64
                   ? std::vector<std::int64_t>(t.uint64_data().begin(), t.uint64_data().end())
                   : std::vector<std::int64_t>(t.int64_data().begin(), t.int64_data().end());
      check(c.ints.size());
      break;
    case T::UINT32:
    case T::INT32:
    case T::INT16:
    case T::INT8:
    case T::UINT8:
    case T::UINT16:
    case T::BOOL: {
      c.integer = true;
      if (raw) {
        const size_t width = (t.data_type() == T::INT32 || t.data_type() == T::UINT32)   ? 4
                             : (t.data_type() == T::INT16 || t.data_type() == T::UINT16) ? 2
                                                                                         : 1;
        if (t.raw_data().size() % width != 0 || t.raw_data().size() / width != n)
          throw std::runtime_error(where + ": raw_data has " + std::to_string(t.raw_data().size()) +
                                   " bytes, expected " + std::to_string(n) + " values of " +
                                   std::to_string(width) + " bytes");
        const auto* p = reinterpret_cast<const unsigned char*>(t.raw_data().data());
        for (size_t i = 0; i < n; ++i) {
          std::int64_t v = 0;
          if (width == 4) {
            std::int32_t x;
            std::memcpy(&x, p + 4 * i, 4);
            v = t.data_type() == T::UINT32 ? static_cast<std::uint32_t>(x) : x;
          } else if (width == 2) {
            std::uint16_t x;
            std::memcpy(&x, p + 2 * i, 2);
            v = t.data_type() == T::INT16 ? static_cast<std::int16_t>(x) : x;
          } else {
            v = t.data_type() == T::INT8 ? static_cast<std::int8_t>(p[i]) : p[i];
          }
          c.ints.push_back(v);
        }
      } else {
        if (t.data_type() == T::UINT32) {
          c.ints.assign(t.uint64_data().begin(), t.uint64_data().end());  // ONNX keeps uint32 there
        } else {
          c.ints.assign(t.int32_data().begin(), t.int32_data().end());
        }
      }
      check(c.ints.size());
      break;
    }
    default:
      throw std::runtime_error(where + " has unsupported data type " + std::to_string(t.data_type()));
  }
  return c;
}

Constant load_tensor_pb(const std::string& path) {
  onnx::TensorProto t;
  const std::string bytes = read_file(path);
  if (!t.ParseFromString(bytes)) throw std::runtime_error(path + ": not a valid ONNX TensorProto");
  return to_constant(t, path);
}

Graph parse_onnx(const std::string& bytes, const std::string& source) {
  onnx::ModelProto m;
  if (bytes.empty()) throw std::runtime_error(source + ": file is empty, not an ONNX model");
  if (!m.ParseFromString(bytes))
    throw std::runtime_error(source + ": not a valid ONNX model (protobuf parse failed)");
  if (!m.has_graph() || m.graph().node_size() == 0)
    throw std::runtime_error(source + ": ONNX model has no graph or no nodes");
  Graph g;
  g.source = source;
  for (const auto& o : m.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") g.opset = o.version();
  if (g.opset == 0) throw std::runtime_error(source + ": model imports no default-domain opset");

  const auto& gp = m.graph();
  for (const auto& t : gp.initializer()) g.constants[t.name()] = to_constant(t, source);
  std::set<std::string> available;
  for (const auto& [name, c] : g.constants) available.insert(name);
  for (const auto& v : gp.input()) {
    available.insert(v.name());
    if (!g.is_constant(v.name())) g.inputs.push_back({v.name(), value_info_dims(v), value_info_integer(v)});
  }
  for (const auto& v : gp.output())
    g.outputs.push_back({v.name(), value_info_dims(v), value_info_integer(v)});

  std::vector<Node> nodes;
  int unnamed = 0;
  for (const auto& np : gp.node()) {
    Node n;
    n.op_type = np.op_type();
    n.name = np.name().empty() ? np.op_type() + "_" + std::to_string(unnamed++) : np.name();
    if (!np.domain().empty() && np.domain() != "ai.onnx")
      throw std::runtime_error(source + ": " + n.describe() + " is in unsupported domain '" + np.domain() +
                               "'");
    n.inputs.assign(np.input().begin(), np.input().end());
    n.outputs.assign(np.output().begin(), np.output().end());
    // Every operator has an output; the passes and the engine rely on outputs[0].
    if (n.outputs.empty() || n.outputs[0].empty())
      throw std::runtime_error(source + ": " + n.describe() + " has no output");
    for (const auto& a : np.attribute())
      n.attributes[a.name()] = to_attribute(a, source + ": " + n.describe());
    nodes.push_back(std::move(n));
  }
  g.nodes = topological_sort(std::move(nodes), available, source);
  if (g.inputs.empty()) throw std::runtime_error(source + ": graph has no runtime input");
  if (g.outputs.empty()) throw std::runtime_error(source + ": graph has no output");
  return g;
}

Graph load_onnx(const std::string& path) {
  const std::string bytes = read_file(path);
  try {
    return parse_onnx(bytes, path);
  } catch (const std::bad_alloc&) {
    throw platform::out_of_memory(path + ": the parsed model", bytes.size());
  }
}

}  // namespace flipguard::model
