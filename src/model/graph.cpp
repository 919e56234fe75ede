#include "model/graph.hpp"

#include <sstream>
#include <stdexcept>

namespace flipguard::model {

std::int64_t element_count(const Dims& dims) {
  std::int64_t n = 1;
  for (auto d : dims) {
    // Shapes come from model files: a negative dimension or a product past int64 is a bad file, not
    // arithmetic to wrap. The product goes to its own variable: with the result aliasing an operand, GCC 12
    // -O3 missed overflows.
    std::int64_t product = 0;
    if (d < 0 || __builtin_mul_overflow(n, d, &product))
      throw std::overflow_error(
          "shape " + dims_to_string(dims) +
          " has no element count (a negative dimension, or a product that overflows int64)");
    n = product;
  }
  return n;
}

std::string dims_to_string(const Dims& dims) {
  std::ostringstream s;
  s << "[";
  for (size_t i = 0; i < dims.size(); ++i) s << (i ? "," : "") << dims[i];
  s << "]";
  return s.str();
}

std::int64_t Node::get_int(const std::string& attr, std::int64_t fallback) const {
  auto it = attributes.find(attr);
  if (it == attributes.end()) return fallback;
  if (auto v = std::get_if<std::int64_t>(&it->second)) return *v;
  throw std::runtime_error(describe() + ": attribute '" + attr + "' is not an integer");
}

float Node::get_float(const std::string& attr, float fallback) const {
  auto it = attributes.find(attr);
  if (it == attributes.end()) return fallback;
  if (auto v = std::get_if<float>(&it->second)) return *v;
  if (auto v = std::get_if<std::int64_t>(&it->second)) return static_cast<float>(*v);
  throw std::runtime_error(describe() + ": attribute '" + attr + "' is not a float");
}

std::string Node::get_string(const std::string& attr, const std::string& fallback) const {
  auto it = attributes.find(attr);
  if (it == attributes.end()) return fallback;
  if (auto v = std::get_if<std::string>(&it->second)) return *v;
  throw std::runtime_error(describe() + ": attribute '" + attr + "' is not a string");
}

std::vector<std::int64_t> Node::get_ints(const std::string& attr, std::vector<std::int64_t> fallback) const {
  auto it = attributes.find(attr);
  if (it == attributes.end()) return fallback;
  if (auto v = std::get_if<std::vector<std::int64_t>>(&it->second)) return *v;
  throw std::runtime_error(describe() + ": attribute '" + attr + "' is not a list of integers");
}

std::string Node::describe() const {
  return "node '" + name + "' (" + op_type + ")";
}

int Graph::use_count(const std::string& name) const {
  int n = 0;
  for (const auto& node : nodes)
    for (const auto& in : node.inputs) n += (in == name);
  for (const auto& out : outputs) n += (out.name == name);
  return n;
}

}  // namespace flipguard::model
