#include "data/preprocess/geometry.hpp"

#include "data/data_error.hpp"

namespace flipguard::data {

namespace {

std::string hw(int h, int w) {
  return std::to_string(h) + "x" + std::to_string(w);
}

}  // namespace

int center_crop_offset(int size, int crop) {
  const int diff = size - crop;
  int half = diff / 2;
  if (diff % 2 != 0 && half % 2 != 0) ++half;  // x.5 rounds to the even neighbour
  return half;
}

Size resize_shorter_size(int height, int width, int shorter) {
  const bool portrait = width <= height;
  const int short_side = portrait ? width : height;
  const int long_side = portrait ? height : width;
  const int new_long =
      static_cast<int>(static_cast<double>(static_cast<long long>(shorter) * long_side) / short_side);
  return portrait ? Size{new_long, shorter} : Size{shorter, new_long};
}

Geometry plan_geometry(const PreprocessSpec& pre, const InputSpec& input, int height, int width,
                       const std::string& source) {
  Geometry g;
  g.resized = {height, width};
  if (pre.resize_shorter > 0) g.resized = resize_shorter_size(height, width, pre.resize_shorter);
  if (pre.resize_to[0] > 0) g.resized = {pre.resize_to[0], pre.resize_to[1]};
  const std::string after =
      pre.resizes() ? " after resizing to " + hw(g.resized.height, g.resized.width) : "";
  if (pre.crops()) {
    if (pre.crop[0] > g.resized.height || pre.crop[1] > g.resized.width)
      throw DataError(source + ": image is " + hw(height, width) + after + ", smaller than the center crop " +
                      hw(pre.crop[0], pre.crop[1]));
    g.window = {center_crop_offset(g.resized.height, pre.crop[0]),
                center_crop_offset(g.resized.width, pre.crop[1]), pre.crop[0], pre.crop[1]};
  } else {
    g.window = {0, 0, g.resized.height, g.resized.width};
  }
  if (g.window.height != input.height || g.window.width != input.width)
    throw DataError(source + ": image is " + hw(height, width) + after + " but the model input is " +
                    hw(input.height, input.width) + " and the preprocessing has " +
                    (pre.crops() ? "a different crop" : "no crop") + " (HxW)");
  return g;
}

}  // namespace flipguard::data
