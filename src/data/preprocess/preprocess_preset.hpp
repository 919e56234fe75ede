// Named preprocessing recipes, so a model without a sidecar can be fed by naming how it was trained:
//   torchvision  RGB, x / 255, ImageNet mean/std, resize shorter side 256 (bilinear, as torchvision does on
//                PIL images), center crop 224
//   caffe        BGR, 0..255 minus the ImageNet BGR means, no std, resize shorter side 256, center crop 224
//   cifar        RGB, x / 255, CIFAR-10 mean/std (the training set's own statistics), no resize or crop
//   none         the pixels as they are (0..255), no resize or crop; GRAY for a one-channel input
#pragma once

#include <string>
#include <vector>

#include "data/manifest/manifest.hpp"

namespace flipguard::data {

// The preset names, in the order help lists them.
std::vector<std::string> preset_names();

// The recipe `name` for an input of `channels` channels. std::invalid_argument for an unknown name (listing
// the known ones) or a preset that does not fit the channel count (every preset but none is for RGB input).
PreprocessSpec preset_preprocess(const std::string& name, int channels);

}  // namespace flipguard::data
