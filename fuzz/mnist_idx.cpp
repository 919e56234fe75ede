// The MNIST IDX reader on decompressed bytes: the input is the images file, then the 4 bytes "\n--\n", then
// the labels file (without the separator, the same bytes serve as both). Every image is then loaded.
#include "data/datasets/mnist_idx.hpp"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const std::size_t sep = all.find("\n--\n");
  const std::string_view images = all.substr(0, sep);
  const std::string_view labels = sep == std::string_view::npos ? all : all.substr(sep + 4);
  flipguard::fuzz::expect_clean_error("fuzz-idx", [&] {
    const flipguard::data::MnistDataset set(
        "mnist", std::vector<std::uint8_t>(images.begin(), images.end()), "fuzz-idx-images",
        std::vector<std::uint8_t>(labels.begin(), labels.end()), "fuzz-idx-labels");
    for (std::size_t i = 0; i < set.size(); ++i) {
      const flipguard::data::Image img = set.load(i);
      if (set.label(i) < 0 || set.label(i) >= set.num_classes() || img.pixels.empty()) std::abort();
    }
  });
  return 0;
}
