#include "data/datasets/mnist_idx.hpp"

#include <algorithm>

#include "data/data_error.hpp"
#include "data/file_io.hpp"

namespace flipguard::data {

namespace {

std::uint32_t big_endian32(const std::vector<std::uint8_t>& b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) | (std::uint32_t{b[at + 2]} << 8) |
         std::uint32_t{b[at + 3]};
}

// Checks the IDX header (magic 0x000008NN: unsigned bytes, NN dimensions) and returns the dimensions.
std::vector<std::uint32_t> idx_dims(const std::vector<std::uint8_t>& b, std::uint32_t ndims,
                                    const std::filesystem::path& path) {
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(ndims);
  if (b.size() < header)
    throw DataError(path.string() + ": truncated IDX header (" + std::to_string(b.size()) + " bytes)");
  const std::uint32_t magic = big_endian32(b, 0);
  if (magic != (0x0800u | ndims))
    throw DataError(path.string() + ": bad IDX magic number " + std::to_string(magic) + ", expected " +
                    std::to_string(0x0800u | ndims) + " (uint8, " + std::to_string(ndims) + " dimensions)");
  std::vector<std::uint32_t> dims(ndims);
  std::size_t elements = 1;
  for (std::uint32_t i = 0; i < ndims; ++i) {
    dims[i] = big_endian32(b, 4 + 4 * i);
    elements *= dims[i];
  }
  if (b.size() != header + elements)
    throw DataError(path.string() + ": IDX data has " + std::to_string(b.size() - header) +
                    " bytes, header " + "promises " + std::to_string(elements) +
                    (b.size() < header + elements ? " (truncated)" : ""));
  return dims;
}

}  // namespace

MnistDataset::MnistDataset(std::string name, const std::filesystem::path& images_gz,
                           const std::filesystem::path& labels_gz)
    : MnistDataset(std::move(name), read_gzip_file(images_gz), images_gz, read_gzip_file(labels_gz),
                   labels_gz) {}

MnistDataset::MnistDataset(std::string name, std::vector<std::uint8_t> images,
                           const std::filesystem::path& images_gz, std::vector<std::uint8_t> labels,
                           const std::filesystem::path& labels_gz)
    : name_(std::move(name)), images_path_(images_gz) {
  const std::vector<std::uint32_t> idims = idx_dims(images, 3, images_gz);
  const std::vector<std::uint32_t> ldims = idx_dims(labels, 1, labels_gz);
  if (idims[0] != ldims[0])
    throw DataError(labels_gz.string() + ": " + std::to_string(ldims[0]) + " labels but " +
                    images_gz.string() + " has " + std::to_string(idims[0]) + " images");
  if (idims[1] == 0 || idims[2] == 0 || idims[1] > 4096 || idims[2] > 4096)
    throw DataError(images_gz.string() + ": implausible image size " + std::to_string(idims[1]) + "x" +
                    std::to_string(idims[2]));
  rows_ = static_cast<int>(idims[1]);
  cols_ = static_cast<int>(idims[2]);
  pixels_.assign(images.begin() + 16, images.end());
  labels_.assign(labels.begin() + 8, labels.end());
  const auto bad = std::find_if(labels_.begin(), labels_.end(), [](std::uint8_t l) { return l > 9; });
  if (bad != labels_.end())
    throw DataError(labels_gz.string() + ": label " + std::to_string(*bad) + " of record " +
                    std::to_string(bad - labels_.begin()) + " outside [0, 9]");
}

std::string MnistDataset::source(std::size_t index) const {
  return images_path_.string() + "[" + std::to_string(index) + "]";
}

Image MnistDataset::load(std::size_t index) const {
  if (index >= labels_.size())
    throw DataError(name_ + ": image index " + std::to_string(index) + " out of range (" +
                    std::to_string(labels_.size()) + " images)");
  Image img(rows_, cols_, 1);
  const std::size_t n = img.pixels.size();
  std::copy_n(pixels_.begin() + static_cast<std::ptrdiff_t>(index * n), n, img.pixels.begin());
  return img;
}

std::unique_ptr<Dataset> open_mnist_test(const std::filesystem::path& dir, const std::string& name) {
  return std::make_unique<MnistDataset>(name, dir / "t10k-images-idx3-ubyte.gz",
                                        dir / "t10k-labels-idx1-ubyte.gz");
}

}  // namespace flipguard::data
