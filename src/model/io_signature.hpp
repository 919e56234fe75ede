// What a model file says about how to call it: its one image input (name, channels, height, width, layout)
// and its one output (name, values per image), read from the graph's declared shapes. A dynamic batch axis
// is fine (the executor fixes it to the batch size), and so is a fixed one (the executor keeps it);
// anything that is not one 4-D image input and one output with a known size is refused, naming the file.
#pragma once

#include <cstdint>
#include <string>

#include "model/graph.hpp"

namespace flipguard::model {

struct IoSignature {
  std::string input_name;
  bool channels_last = false;  // NHWC (TensorFlow exports); else NCHW
  // A dimension the graph leaves symbolic is 0 (height and width only; channels must be known).
  std::int64_t channels = 0, height = 0, width = 0;
  std::string output_name;
  std::int64_t classes = 0;  // values per image: the product of the output's non-batch dimensions
};

// The layout is NCHW when the second dimension is 1 or 3, else NHWC when the last one is.
IoSignature io_signature(const Graph& graph);

// The batch the graph's first input declares, or 0 when its batch axis is dynamic. An export without a
// dynamic batch axis may bake that number into the graph (a Reshape to [N, -1]): it runs at N only.
std::int64_t fixed_batch(const Graph& graph);

}  // namespace flipguard::model
