// Channel-count conversions with PIL's arithmetic, so grey/RGB references made with PIL match exactly.
#pragma once

#include "data/image.hpp"

namespace flipguard::data {

// PIL convert("L") from RGB: (R*19595 + G*38470 + B*7471 + 0x8000) >> 16 (ITU-R 601-2 luma).
Image rgb_to_luma(const Image& rgb);

// PIL convert("RGB") from L: the grey value in all three channels.
Image grey_to_rgb(const Image& grey);

// Returns `img` with `channels` channels (1 or 3), converting with the functions above if needed.
Image with_channels(Image img, int channels);

}  // namespace flipguard::data
