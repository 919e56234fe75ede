// The values of the preprocessing settings that are not plain numbers (resize, crop, scale), read the same by
// the settings table's checks and by the model source that applies them.
#pragma once

#include <array>
#include <string>

namespace flipguard::campaign {

// "N" or "HxW" (positive integers), or "0"/"none": {0, 0}. std::invalid_argument naming the text otherwise.
std::array<int, 2> parse_image_size(const std::string& text);

// A number, or a fraction "A/B" (e.g. "1/255"); finite and non-zero. std::invalid_argument otherwise.
double parse_scale(const std::string& text);

}  // namespace flipguard::campaign
