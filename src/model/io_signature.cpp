#include "model/io_signature.hpp"

#include <algorithm>
#include <stdexcept>

namespace flipguard::model {
namespace {

std::string names(const std::vector<ValueInfo>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "'" : ", '") + v.name + "'";
  return out;
}

bool image_channels(std::int64_t d) {
  return d == 1 || d == 3;
}

}  // namespace

IoSignature io_signature(const Graph& graph) {
  const std::string& file = graph.source;
  if (graph.inputs.size() != 1)
    throw std::runtime_error(file + ": the model has " + std::to_string(graph.inputs.size()) + " inputs (" +
                             names(graph.inputs) +
                             "); flipguard feeds image classifiers with one image input");
  if (graph.outputs.size() != 1)
    throw std::runtime_error(file + ": the model has " + std::to_string(graph.outputs.size()) + " outputs (" +
                             names(graph.outputs) + "); flipguard scores classifiers with one output");
  const ValueInfo& in = graph.inputs[0];
  const Dims& d = in.dims;
  if (d.size() != 4)
    throw std::runtime_error(file + ": input '" + in.name + "' has shape " + dims_to_string(d) +
                             "; an image input has 4 dimensions (NCHW or NHWC)");
  IoSignature s;
  s.input_name = in.name;
  if (image_channels(d[1])) {
    s.channels = d[1];
    s.height = d[2];
    s.width = d[3];
  } else if (image_channels(d[3])) {
    s.channels_last = true;
    s.channels = d[3];
    s.height = d[1];
    s.width = d[2];
  } else {
    throw std::runtime_error(file + ": input '" + in.name + "' has shape " + dims_to_string(d) +
                             ": neither dimension 1 (NCHW) nor dimension 3 (NHWC) is 1 or 3 channels");
  }
  s.height = std::max<std::int64_t>(s.height, 0);
  s.width = std::max<std::int64_t>(s.width, 0);

  const ValueInfo& out = graph.outputs[0];
  s.output_name = out.name;
  if (out.dims.empty())
    throw std::runtime_error(file + ": output '" + out.name +
                             "' declares no shape; the number of classes cannot be read from the graph");
  s.classes = 1;
  for (std::size_t i = 1; i < out.dims.size(); ++i) {
    if (out.dims[i] <= 0)
      throw std::runtime_error(file + ": output '" + out.name + "' has shape " + dims_to_string(out.dims) +
                               " with a symbolic class dimension; the number of classes cannot be read from "
                               "the graph (write a sidecar)");
    s.classes *= out.dims[i];
  }
  return s;
}

std::int64_t fixed_batch(const Graph& graph) {
  if (graph.inputs.empty() || graph.inputs[0].dims.empty()) return 0;
  return std::max<std::int64_t>(graph.inputs[0].dims[0], 0);
}

}  // namespace flipguard::model
