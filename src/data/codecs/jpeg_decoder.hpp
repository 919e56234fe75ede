// JPEG decoding through libturbojpeg, with the decoder settings PIL uses (accurate integer DCT, fancy
// upsampling), so decoded pixels match Image.open(...).convert("RGB"/"L") from the same libjpeg-turbo.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "data/image.hpp"

namespace flipguard::data {

enum class PixelFormat { kRGB, kGray };

// Larger images are refused before any pixel memory is allocated (100 megapixels: 300 MB as RGB).
inline constexpr std::int64_t kMaxJpegPixels = 100'000'000;

// `source` names the data in error messages (usually the file path). kGray on a colour JPEG yields libjpeg's
// Y channel, which is not PIL's convert("L") of the RGB image: datasets decode RGB and convert later.
Image decode_jpeg(std::span<const std::uint8_t> bytes, PixelFormat format, const std::string& source);

Image read_jpeg(const std::filesystem::path& path, PixelFormat format);

}  // namespace flipguard::data
