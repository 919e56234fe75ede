#include "model/window.hpp"

#include <algorithm>
#include <stdexcept>

namespace flipguard::model {

Window resolve_window(const Node& n, const std::string& source, const Dims& in, const Dims& kernel,
                      bool allow_ceil) {
  const auto error = [&](const std::string& problem) {
    return std::runtime_error(source + ": " + n.describe() + ": " + problem);
  };
  const size_t r = in.size();
  Window w;
  w.kernel = kernel;
  w.strides = n.get_ints("strides", Dims(r, 1));
  w.dilations = n.get_ints("dilations", Dims(r, 1));
  Dims pads = n.get_ints("pads", Dims(2 * r, 0));
  if (w.strides.size() != r || w.dilations.size() != r || pads.size() != 2 * r || kernel.size() != r)
    throw error("strides/dilations/pads/kernel rank does not match the input's " + std::to_string(r) +
                " spatial dims");
  const std::string auto_pad = n.get_string("auto_pad", "NOTSET");
  const bool ceil_mode = n.get_int("ceil_mode", 0) != 0;
  if (ceil_mode && !allow_ceil) throw error("ceil_mode is not supported here");
  w.pad_begin.resize(r);
  w.pad_end.resize(r);
  w.out.resize(r);
  for (size_t i = 0; i < r; ++i) {
    if (w.strides[i] < 1 || w.dilations[i] < 1 || kernel[i] < 1)
      throw error("strides, dilations and kernel sizes must be positive");
    const std::int64_t eff_k = (kernel[i] - 1) * w.dilations[i] + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      w.out[i] = (in[i] + w.strides[i] - 1) / w.strides[i];
      const std::int64_t total = std::max<std::int64_t>(0, (w.out[i] - 1) * w.strides[i] + eff_k - in[i]);
      w.pad_begin[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      w.pad_end[i] = total - w.pad_begin[i];
    } else if (auto_pad == "VALID" || auto_pad == "NOTSET") {
      if (auto_pad == "NOTSET") {
        w.pad_begin[i] = pads[i];
        w.pad_end[i] = pads[i + r];
      } else {
        w.pad_begin[i] = w.pad_end[i] = 0;
      }
      const std::int64_t span = in[i] + w.pad_begin[i] + w.pad_end[i] - eff_k;
      if (span < 0) throw error("kernel is larger than the padded input");
      w.out[i] = ceil_mode ? (span + w.strides[i] - 1) / w.strides[i] + 1 : span / w.strides[i] + 1;
      // ONNX/PyTorch: the last window must start inside the input or left padding.
      if (ceil_mode && (w.out[i] - 1) * w.strides[i] >= in[i] + w.pad_begin[i]) --w.out[i];
      // oneDNN computes floor output sizes: extend the right padding to reach the ceil size.
      w.pad_end[i] = std::max(w.pad_end[i], (w.out[i] - 1) * w.strides[i] + eff_k - in[i] - w.pad_begin[i]);
    } else {
      throw error("unknown auto_pad '" + auto_pad + "'");
    }
  }
  return w;
}

}  // namespace flipguard::model
