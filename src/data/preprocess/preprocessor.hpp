// One image -> one model input: channel conversion, resize, center crop (uint8), then channel
// order and x = (pixel * scale - mean[c]) / std[c] into a CHW float buffer.
#pragma once

#include <array>
#include <cstddef>
#include <string>

#include "data/image.hpp"
#include "data/manifest/manifest.hpp"

namespace flipguard::data {

class Preprocessor {
 public:
  Preprocessor(const InputSpec& input, const PreprocessSpec& pre);
  explicit Preprocessor(const Manifest& model) : Preprocessor(model.input, model.preprocess) {}

  // Floats per sample: channels * height * width of the model input.
  std::size_t sample_floats() const { return plane_ * static_cast<std::size_t>(input_.channels); }

  // The uint8 stage: converted to the model's channel count (RGB order, or grey), resized and cropped to
  // the input size. Equals PIL's img.convert(mode).resize(size, BILINEAR).crop(box), or with the
  // "bilinear-noaa" filter the same with resize_bilinear_noaa() in place of PIL's resize.
  Image pixels(const Image& img, const std::string& source) const;

  // The floats of `pixels(...)` output into `out` (sample_floats() values), channel order and scaling
  // applied, in the input's layout (CHW, or HWC for NHWC models).
  void to_tensor(const Image& prepared, float* out) const;

  void run(const Image& img, const std::string& source, float* out) const {
    to_tensor(pixels(img, source), out);
  }

 private:
  InputSpec input_;
  PreprocessSpec pre_;
  std::size_t plane_ = 0;
  std::array<int, 3> source_channel_{0, 1, 2};   // output channel c reads pixel channel source_channel_[c]
  std::array<std::array<float, 256>, 3> lut_{};  // value of each uint8 level per output channel
};

}  // namespace flipguard::data
