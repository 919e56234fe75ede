// Where an image of a given size goes through resize and center crop: sizes and offsets only.
#pragma once

#include <string>

#include "data/manifest/manifest.hpp"
#include "data/preprocess/pil_resize.hpp"

namespace flipguard::data {

// torchvision's CenterCrop offset: int(round((size - crop) / 2)), Python's round-half-to-even.
int center_crop_offset(int size, int crop);

// torchvision's Resize(int): shorter side -> `shorter`, longer side int(shorter * long / short) (truncated).
struct Size {
  int height = 0;
  int width = 0;
};
Size resize_shorter_size(int height, int width, int shorter);

// The full plan for one image: resize target (equal to the source size when there is no resize) and the
// window of it that becomes the model input. Throws DataError naming `source` when the image cannot give
// the model's input size.
struct Geometry {
  Size resized;
  Window window;
};
Geometry plan_geometry(const PreprocessSpec& pre, const InputSpec& input, int height, int width,
                       const std::string& source);

}  // namespace flipguard::data
