// The label-list readers of the datasets: the input is written as the CIFAR-10 raw set's y_labels.csv
// ("FILE,10,LABEL") and as the ImageNet list's dataset.txt ("./data/FILE, LABEL") in a scratch folder that
// holds a few image files (named as in the real assets, plus a raw image of the wrong size). The raw set's
// images are then loaded.
#include <cstdint>
#include <string>
#include <vector>

#include "data/datasets/imagenet_val.hpp"
#include "data/datasets/raw_image_dataset.hpp"
#include "fuzz_support.hpp"

namespace {

const flipguard::fuzz::ScratchDir& folder() {
  static const flipguard::fuzz::ScratchDir& dir = []() -> const flipguard::fuzz::ScratchDir& {
    const auto& d = flipguard::fuzz::scratch();
    const std::vector<std::uint8_t> image(32 * 32 * 3, 7);
    for (const char* name : {"lippizaner_s_000613.bin", "toy_spaniel_s_000285.bin"})
      d.write(name, image.data(), image.size());
    d.write("short.bin", image.data(), 100);
    for (const char* name : {"data/ILSVRC2012_val_00000347.JPEG", "data/ILSVRC2012_val_00000355.JPEG"})
      d.write(name, "not decoded here");
    return d;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& dir = folder();
  // Every message must name a file of the scratch folder: the list, or the image it points at.
  const std::string source = dir.path().string();
  dir.write("y_labels.csv", data, size);
  flipguard::fuzz::expect_clean_error(source, [&] {
    const auto set = flipguard::data::open_cifar10_raw(dir.path(), "cifar");
    for (std::size_t i = 0; i < set->size(); ++i) {
      const flipguard::data::Image img = set->load(i);
      if (img.pixels.size() != 32 * 32 * 3 || set->label(i) < 0 || set->label(i) > 9) std::abort();
    }
  });
  dir.write("dataset.txt", data, size);
  flipguard::fuzz::expect_clean_error(source, [&] {
    const auto set = flipguard::data::open_imagenet_list(dir.path(), "imagenet");
    for (std::size_t i = 0; i < set->size(); ++i)
      if (set->label(i) < 0 || set->label(i) > 999) std::abort();
  });
  return 0;
}
