#include <gtest/gtest.h>
#include <zlib.h>

#include <set>

#include "data/data_error.hpp"
#include "data/datasets/cifar10_jpeg.hpp"
#include "data/datasets/dataset_registry.hpp"
#include "data/datasets/imagenet_val.hpp"
#include "data/datasets/mnist_idx.hpp"
#include "data/datasets/raw_image_dataset.hpp"
#include "data/test_support.hpp"

namespace flipguard::data {
namespace {

using testing::TempDir;
using testing::write_file;

std::vector<int> histogram(const Dataset& d) {
  std::vector<int> h(static_cast<std::size_t>(d.num_classes()), 0);
  for (std::size_t i = 0; i < d.size(); ++i) ++h.at(static_cast<std::size_t>(d.label(i)));
  return h;
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no error)";
}

// Expected counts and histograms were read from the asset files by tests/data/gen_reference.py.
class RealDataset : public ::testing::TestWithParam<std::string> {};

TEST_P(RealDataset, CountsLabelsAndOrderMatchTheIndependentReading) {
  const std::string name = GetParam();
  const nlohmann::json expect = testing::dataset_stats().at(name);
  const auto data = open_dataset(name, testing::assets_dir());
  EXPECT_EQ(data->name(), name);
  ASSERT_EQ(data->size(), expect.at("count").get<std::size_t>());
  EXPECT_EQ(histogram(*data), expect.at("histogram").get<std::vector<int>>());
  EXPECT_EQ(data->label(0), expect.at("first_label").get<int>());
  EXPECT_EQ(data->label(data->size() - 1), expect.at("last_label").get<int>());
  if (expect.contains("first_file")) {
    EXPECT_EQ(std::filesystem::path(data->source(0)).filename(), expect.at("first_file").get<std::string>());
    EXPECT_EQ(std::filesystem::path(data->source(data->size() - 1)).filename(),
              expect.at("last_file").get<std::string>());
  }
  const Image first = data->load(0), last = data->load(data->size() - 1);
  EXPECT_EQ(first.channels, name == "mnist-test" ? 1 : 3);
  EXPECT_EQ(last.height, first.height);
}
INSTANTIATE_TEST_SUITE_P(Assets, RealDataset,
                         ::testing::Values("imagenet-val1300", "cifar10-jpeg", "cifar10-lossless200",
                                           "mnist-test"));

TEST(Datasets, BriefFactsHold) {
  const auto val = open_dataset("imagenet-val1300", testing::assets_dir());
  std::set<int> classes;
  for (std::size_t i = 0; i < val->size(); ++i) classes.insert(val->label(i));
  EXPECT_EQ(val->size(), 1300u);
  EXPECT_GE(*classes.begin(), 0);
  EXPECT_LE(*classes.rbegin(), 999);
  EXPECT_EQ(classes.size(), 725u);  // MANIFEST.md: 725 classes
  const Image img = val->load(123);
  EXPECT_EQ(img.height, 227);
  EXPECT_EQ(img.width, 227);
  EXPECT_EQ(histogram(*open_dataset("cifar10-jpeg", testing::assets_dir())), std::vector<int>(10, 1000));
  EXPECT_EQ(open_dataset("cifar10-lossless200", testing::assets_dir())->size(), 200u);
}

TEST(Datasets, MnistPixelsAreTheFileBytes) {
  const nlohmann::json expect = testing::dataset_stats().at("mnist-test");
  const auto mnist = open_dataset("mnist-test", testing::assets_dir());
  long long first = 0, all = 0;
  for (std::size_t i = 0; i < mnist->size(); ++i) {
    const Image img = mnist->load(i);
    ASSERT_EQ(img.height, 28);
    ASSERT_EQ(img.width, 28);
    long long s = 0;
    for (std::uint8_t v : img.pixels) s += v;
    if (i == 0) first = s;
    all += s;
  }
  EXPECT_EQ(first, expect.at("pixel_sum_first").get<long long>());
  EXPECT_EQ(all, expect.at("pixel_sum_all").get<long long>());
  EXPECT_NE(mnist->source(42).find("t10k-images-idx3-ubyte.gz[42]"), std::string::npos);
}

TEST(Datasets, UnknownNameListsTheKnownOnes) {
  EXPECT_NE(error_of([] {
              open_dataset("imagenet", "/tmp");
            }).find("unknown dataset 'imagenet' (known: cifar10-jpeg"),
            std::string::npos);
}

TEST(Datasets, ResolveAssetsDirHonoursOverrideAndRejectsMissing) {
  EXPECT_EQ(resolve_assets_dir(testing::assets_dir()), testing::assets_dir());
  EXPECT_NE(error_of([] { resolve_assets_dir("/nonexistent/assets"); }).find("/nonexistent/assets"),
            std::string::npos);
}

// ---- malformed inputs, built in a temp folder

TEST(ImagenetList, BadLinesAreNamedWithFileAndLine) {
  TempDir dir;
  std::filesystem::create_directories(dir / "data");
  write_file(dir / "data" / "a.JPEG", "x");
  write_file(dir / "dataset.txt", "./data/a.JPEG, 3\n./data/a.JPEG 4\n");
  const std::string list = (dir / "dataset.txt").string();
  EXPECT_NE(error_of([&] { open_imagenet_list(dir.path(), "t"); }).find(list + ":2: expected 'PATH, LABEL'"),
            std::string::npos);
  write_file(dir / "dataset.txt", "./data/a.JPEG, 3\n\n./data/a.JPEG, 1000\n");
  EXPECT_NE(
      error_of([&] { open_imagenet_list(dir.path(), "t"); }).find(list + ":3: label 1000 outside [0, 999]"),
      std::string::npos);
  write_file(dir / "dataset.txt", "./data/a.JPEG, x1\n");
  EXPECT_NE(
      error_of([&] { open_imagenet_list(dir.path(), "t"); }).find(list + ":1: label 'x1' is not an integer"),
      std::string::npos);
  write_file(dir / "dataset.txt", "./data/a.JPEG, 1\r\n./data/b.JPEG, 2\r\n");
  EXPECT_NE(error_of([&] { open_imagenet_list(dir.path(), "t"); }).find(list + ":2: image file"),
            std::string::npos);
  write_file(dir / "dataset.txt", "./data/a.JPEG, 1\r\n");
  const auto d = open_imagenet_list(dir.path(), "t");
  ASSERT_EQ(d->size(), 1u);
  EXPECT_EQ(d->label(0), 1);
  // The one-byte "JPEG" is found at open time but fails on decode, naming the file.
  EXPECT_NE(error_of([&] { d->load(0); }).find("a.JPEG: not a valid JPEG"), std::string::npos);
  EXPECT_NE(error_of([&] { open_imagenet_list(dir / "nope", "t"); }).find("dataset.txt: cannot open"),
            std::string::npos);
}

TEST(Cifar10Raw, WrongSizeAndBadCsvAreNamed) {
  TempDir dir;
  write_file(dir / "a.bin", std::string(3072, '\1'));
  write_file(dir / "b.bin", std::string(3000, '\1'));
  const std::string csv = (dir / "y_labels.csv").string();
  write_file(dir / "y_labels.csv", "a.bin,10,4\nb.bin,10,2\n");
  EXPECT_NE(error_of([&] {
              open_cifar10_raw(dir.path(), "t");
            }).find("b.bin: raw image has 3000 bytes, expected 3072 (32x32x3 uint8)"),
            std::string::npos);
  write_file(dir / "y_labels.csv", "a.bin,10,4\na.bin,100,2\n");
  EXPECT_NE(error_of([&] { open_cifar10_raw(dir.path(), "t"); }).find(csv + ":2: class count 100"),
            std::string::npos);
  write_file(dir / "y_labels.csv", "a.bin,10,4\nc.bin,10,2\n");
  EXPECT_NE(error_of([&] { open_cifar10_raw(dir.path(), "t"); }).find(csv + ":2: image file"),
            std::string::npos);
  write_file(dir / "y_labels.csv", "a.bin,10\n");
  EXPECT_NE(error_of([&] { open_cifar10_raw(dir.path(), "t"); }).find(csv + ":1: expected 'FILE,10,LABEL'"),
            std::string::npos);
  write_file(dir / "y_labels.csv", "a.bin,10,4\n");
  const auto d = open_cifar10_raw(dir.path(), "t");
  const Image img = d->load(0);
  EXPECT_EQ(img.height, 32);
  EXPECT_EQ(img.pixels, std::vector<std::uint8_t>(3072, 1));
  write_file(dir / "a.bin", std::string(10, '\1'));  // shrinks after opening
  EXPECT_NE(error_of([&] { d->load(0); }).find("a.bin: raw image has 10 bytes"), std::string::npos);
}

TEST(Cifar10Jpeg, MissingClassFolderIsNamed) {
  TempDir dir;
  std::filesystem::create_directories(dir / "airplane");
  EXPECT_NE(error_of([&] { open_cifar10_jpeg(dir.path(), "t"); }).find("airplane: no .jpg files"),
            std::string::npos);
  write_file(dir / "airplane" / "0.jpg", "x");
  EXPECT_NE(
      error_of([&] { open_cifar10_jpeg(dir.path(), "t"); }).find("automobile: class folder does not exist"),
      std::string::npos);
}

void write_gz(const std::filesystem::path& p, const std::string& bytes) {
  gzFile f = gzopen(p.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  gzclose(f);
}

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

TEST(Mnist, TruncatedAndMismatchedIdxAreNamed) {
  TempDir dir;
  const auto images = dir / "t10k-images-idx3-ubyte.gz", labels = dir / "t10k-labels-idx1-ubyte.gz";
  const std::string header = be32(0x803) + be32(3) + be32(28) + be32(28);
  write_gz(images, header + std::string(3 * 784, '\7'));
  write_gz(labels, be32(0x801) + be32(3) + std::string("\1\2\3", 3));
  const auto ok = open_mnist_test(dir.path(), "t");
  EXPECT_EQ(ok->size(), 3u);
  EXPECT_EQ(ok->label(2), 3);

  write_gz(images, header + std::string(2 * 784 + 5, '\7'));
  EXPECT_NE(error_of([&] {
              open_mnist_test(dir.path(), "t");
            }).find(images.string() + ": IDX data has 1573 bytes, header promises 2352 (truncated)"),
            std::string::npos);

  write_gz(images, be32(0x801) + be32(3) + be32(28) + be32(28) + std::string(3 * 784, '\7'));
  EXPECT_NE(
      error_of([&] { open_mnist_test(dir.path(), "t"); }).find(images.string() + ": bad IDX magic number"),
      std::string::npos);

  write_gz(images, header + std::string(3 * 784, '\7'));
  write_gz(labels, be32(0x801) + be32(3) + std::string("\1\2\12", 3));
  EXPECT_NE(error_of([&] { open_mnist_test(dir.path(), "t"); }).find("label 10 of record 2 outside [0, 9]"),
            std::string::npos);

  // A gzip file cut short is an error from zlib, not a short dataset.
  const std::vector<char> real =
      testing::read_bytes(testing::assets_dir() / "mnist" / "t10k-images-idx3-ubyte.gz");
  write_file(images, std::string(real.begin(), real.begin() + static_cast<long>(real.size() / 2)));
  EXPECT_NE(error_of([&] { open_mnist_test(dir.path(), "t"); }).find(images.string() + ": gzip"),
            std::string::npos);

  write_gz(images, header + std::string(3 * 784, '\7'));
  std::filesystem::remove(labels);
  EXPECT_NE(error_of([&] { open_mnist_test(dir.path(), "t"); }).find(labels.string() + ": cannot open"),
            std::string::npos);
}

}  // namespace
}  // namespace flipguard::data
