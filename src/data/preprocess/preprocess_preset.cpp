#include "data/preprocess/preprocess_preset.hpp"

#include <stdexcept>

namespace flipguard::data {
namespace {

constexpr double kByte = 1.0 / 255.0;

PreprocessSpec torchvision() {
  PreprocessSpec p;
  p.resize_shorter = 256;
  p.crop = {224, 224};
  p.channel_order = ChannelOrder::kRGB;
  p.scale = kByte;
  p.mean = {0.485, 0.456, 0.406};
  p.std = {0.229, 0.224, 0.225};
  return p;
}

PreprocessSpec caffe() {
  PreprocessSpec p;
  p.resize_shorter = 256;
  p.crop = {224, 224};
  p.channel_order = ChannelOrder::kBGR;
  p.scale = 1.0;
  p.mean = {103.939, 116.779, 123.68};  // B, G, R
  p.std = {1.0, 1.0, 1.0};
  return p;
}

PreprocessSpec cifar() {
  PreprocessSpec p;
  p.channel_order = ChannelOrder::kRGB;
  p.scale = kByte;
  p.mean = {0.4914, 0.4822, 0.4465};
  p.std = {0.2470, 0.2435, 0.2616};
  return p;
}

PreprocessSpec none(int channels) {
  PreprocessSpec p;
  p.channel_order = channels == 1 ? ChannelOrder::kGray : ChannelOrder::kRGB;
  p.scale = 1.0;
  p.mean.assign(static_cast<std::size_t>(channels), 0.0);
  p.std.assign(static_cast<std::size_t>(channels), 1.0);
  return p;
}

}  // namespace

std::vector<std::string> preset_names() {
  return {"torchvision", "caffe", "cifar", "none"};
}

PreprocessSpec preset_preprocess(const std::string& name, int channels) {
  if (name == "none") return none(channels);
  PreprocessSpec p;
  if (name == "torchvision")
    p = torchvision();
  else if (name == "caffe")
    p = caffe();
  else if (name == "cifar")
    p = cifar();
  else
    throw std::invalid_argument("unknown preset '" + name + "' (presets: torchvision, caffe, cifar, none)");
  if (channels != 3)
    throw std::invalid_argument("preset '" + name + "' is for 3-channel (RGB) input, the model takes " +
                                std::to_string(channels) + " channel(s): use preset none with --mean/--std");
  return p;
}

}  // namespace flipguard::data
