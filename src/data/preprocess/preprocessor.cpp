#include "data/preprocess/preprocessor.hpp"

#include <stdexcept>

#include "data/preprocess/bilinear_noaa.hpp"
#include "data/preprocess/color.hpp"
#include "data/preprocess/geometry.hpp"
#include "data/preprocess/pil_resize.hpp"

namespace flipguard::data {

Preprocessor::Preprocessor(const InputSpec& input, const PreprocessSpec& pre)
    : input_(input), pre_(pre), plane_(static_cast<std::size_t>(input.height) * input.width) {
  const auto nch = static_cast<std::size_t>(input.channels);
  if (pre.mean.size() != nch || pre.std.size() != nch)
    throw std::invalid_argument("Preprocessor: mean/std need one entry per input channel");
  if (pre.channel_order == ChannelOrder::kBGR) source_channel_ = {2, 1, 0};
  // A table per channel: the arithmetic runs once per level in double, rounded once to float.
  for (std::size_t c = 0; c < nch; ++c)
    for (int v = 0; v < 256; ++v) lut_[c][v] = static_cast<float>((v * pre.scale - pre.mean[c]) / pre.std[c]);
}

Image Preprocessor::pixels(const Image& img, const std::string& source) const {
  const Geometry g = plan_geometry(pre_, input_, img.height, img.width, source);
  Image converted = with_channels(img, input_.channels);
  if (pre_.resize_filter == ResizeFilter::kBilinearNoaa)
    return resize_bilinear_noaa_window(converted, g.resized.height, g.resized.width, g.window);
  return resize_bilinear_window(converted, g.resized.height, g.resized.width, g.window);
}

void Preprocessor::to_tensor(const Image& prepared, float* out) const {
  if (prepared.height != input_.height || prepared.width != input_.width ||
      prepared.channels != input_.channels)
    throw std::invalid_argument("Preprocessor::to_tensor: image is not the model input size");
  const int nch = input_.channels;
  if (input_.layout == InputLayout::kNHWC) {  // channels last: pixel i's channels side by side
    for (std::size_t i = 0; i < plane_; ++i)
      for (int c = 0; c < nch; ++c) out[i * nch + c] = lut_[c][prepared.pixels[i * nch + source_channel_[c]]];
    return;
  }
  for (int c = 0; c < nch; ++c) {
    const std::array<float, 256>& lut = lut_[c];
    const std::uint8_t* p = prepared.pixels.data() + source_channel_[c];
    float* o = out + c * plane_;
    for (std::size_t i = 0; i < plane_; ++i) o[i] = lut[p[i * nch]];
  }
}

}  // namespace flipguard::data
