#include "data/codecs/jpeg_decoder.hpp"

#include <turbojpeg.h>

#include <memory>
#include <type_traits>

#include "data/data_error.hpp"
#include "data/file_io.hpp"

namespace flipguard::data {

namespace {

struct TjDestroyer {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using TjHandle = std::unique_ptr<std::remove_pointer_t<tjhandle>, TjDestroyer>;

// One decompressor per thread: creating one per image costs more than decoding a 32x32 CIFAR image.
tjhandle thread_decoder() {
  thread_local TjHandle handle(tjInitDecompress());
  if (!handle) throw DataError("libturbojpeg: cannot create a decompressor");
  return handle.get();
}

}  // namespace

Image decode_jpeg(std::span<const std::uint8_t> bytes, PixelFormat format, const std::string& source) {
  if (bytes.empty()) throw DataError(source + ": empty file, not a JPEG");
  tjhandle tj = thread_decoder();
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(tj, bytes.data(), static_cast<unsigned long>(bytes.size()), &width, &height,
                          &subsamp, &colorspace) != 0)
    throw DataError(source + ": not a valid JPEG (" + tjGetErrorStr2(tj) + ")");
  if (width <= 0 || height <= 0) throw DataError(source + ": JPEG has an empty image");
  // The header alone sets the pixel buffer's size: a few hundred corrupt bytes can claim 65535x65535 (12 GB).
  if (static_cast<std::int64_t>(width) * height > kMaxJpegPixels)
    throw DataError(source + ": JPEG claims " + std::to_string(width) + "x" + std::to_string(height) +
                    " pixels, more than the " + std::to_string(kMaxJpegPixels / 1000000) +
                    "-megapixel limit of the decoder");
  if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK)
    throw DataError(source + ": CMYK/YCCK JPEGs are not supported (convert the image to RGB)");

  const int channels = format == PixelFormat::kRGB ? 3 : 1;
  Image img(height, width, channels);
  const int pf = format == PixelFormat::kRGB ? TJPF_RGB : TJPF_GRAY;
  // Accurate DCT and fancy upsampling (no flags for those), the libjpeg defaults PIL also uses. A warning is
  // an error below anyway, so decoding stops at the first; progressive scans are capped (libjpeg-turbo's
  // guard against files made of endless scans).
  const int flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS;
  if (tjDecompress2(tj, bytes.data(), static_cast<unsigned long>(bytes.size()), img.pixels.data(), width,
                    static_cast<int>(img.row_stride()), height, pf, flags) != 0) {
    // Warnings (e.g. a few missing bytes at the end) still produce an image in libjpeg, but a damaged
    // evaluation image would silently skew accuracy, so every problem is an error.
    throw DataError(source + ": corrupt JPEG (" + tjGetErrorStr2(tj) + ")");
  }
  return img;
}

Image read_jpeg(const std::filesystem::path& path, PixelFormat format) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(path);
  return decode_jpeg(bytes, format, path.string());
}

}  // namespace flipguard::data
