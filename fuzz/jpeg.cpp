// The JPEG path of the image datasets: decode to RGB (what every JPEG dataset does) and to grey.
#include <cstdint>
#include <span>
#include <string>

#include "data/codecs/jpeg_decoder.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string source = "fuzz.jpg";
  const std::span<const std::uint8_t> bytes(data, size);
  for (const auto format : {flipguard::data::PixelFormat::kRGB, flipguard::data::PixelFormat::kGray}) {
    flipguard::fuzz::expect_clean_error(source, [&] {
      const flipguard::data::Image img = flipguard::data::decode_jpeg(bytes, format, source);
      if (img.pixels.size() != img.row_stride() * static_cast<std::size_t>(img.height)) std::abort();
    });
  }
  return 0;
}
