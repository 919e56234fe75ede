// A small, engine-independent graph IR for ONNX image classifiers: nodes in topological order, named
// tensors, and constant tensors (initializers) held as float or int64 data.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace flipguard::model {

using Dims = std::vector<std::int64_t>;

// Product of the dims; throws std::overflow_error naming the shape for a negative dimension or a product
// past int64.
std::int64_t element_count(const Dims& dims);
std::string dims_to_string(const Dims& dims);

// A constant tensor. Floating data is kept as float (the engine computes in fp32); integer and boolean data
// (shapes, axes, pads, masks) as int64. `integer` keeps the element type of an empty tensor (a shape []).
struct Constant {
  Dims dims;
  std::vector<float> floats;
  std::vector<std::int64_t> ints;
  bool integer = false;
  bool is_float() const { return !integer && (!floats.empty() || ints.empty()); }
};

using AttributeValue =
    std::variant<std::int64_t, float, std::string, std::vector<std::int64_t>, std::vector<float>, Constant>;

// The domain of the nodes that flipguard's own passes write (e.g. FusedConv); model files cannot use it.
inline constexpr char kInternalDomain[] = "flipguard";

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;               // "" for ONNX's default domain, or kInternalDomain
  std::vector<std::string> inputs;  // "" marks an omitted optional input
  std::vector<std::string> outputs;
  std::map<std::string, AttributeValue> attributes;

  bool has(const std::string& attr) const { return attributes.count(attr) != 0; }
  std::int64_t get_int(const std::string& attr, std::int64_t fallback) const;
  float get_float(const std::string& attr, float fallback) const;
  std::string get_string(const std::string& attr, const std::string& fallback) const;
  std::vector<std::int64_t> get_ints(const std::string& attr, std::vector<std::int64_t> fallback = {}) const;
  // "node 'conv1' (Conv)": how errors name a node.
  std::string describe() const;
};

struct ValueInfo {
  std::string name;
  Dims dims;             // -1 for a symbolic (batch) dimension
  bool integer = false;  // integer elements (token ids), else floating point
};

struct Graph {
  std::string source;  // file it came from, for error messages
  std::int64_t opset = 0;
  std::vector<Node> nodes;  // topologically sorted
  std::map<std::string, Constant> constants;
  // Constants the load-time folding computed as a Transpose of another constant: that constant's name and
  // the permutation. One stored tensor read in two orders (an LM head tied to its token table reads it
  // transposed) stays one stored weight (engine/build_context.hpp).
  struct Transposed {
    std::string source;
    Dims perm;
  };
  std::map<std::string, Transposed> transposed;
  std::vector<ValueInfo> inputs;  // runtime inputs (initializers excluded)
  std::vector<ValueInfo> outputs;

  bool is_constant(const std::string& name) const { return constants.count(name) != 0; }
  // Number of nodes reading `name` plus one if it is a graph output.
  int use_count(const std::string& name) const;
};

}  // namespace flipguard::model
