// Reads an ONNX file into the graph IR. Every problem (missing file, corrupt protobuf, unsupported tensor
// type, external data, cycles) is an exception whose message names the file.
#pragma once

#include <string>

#include "model/graph.hpp"

namespace onnx {
class TensorProto;
}

namespace flipguard::model {

Graph load_onnx(const std::string& path);
Graph parse_onnx(const std::string& bytes, const std::string& source_name);

// Converts one TensorProto (initializer, Constant value, or a test-data .pb) to a Constant.
Constant to_constant(const onnx::TensorProto& t, const std::string& context);
Constant load_tensor_pb(const std::string& path);

}  // namespace flipguard::model
