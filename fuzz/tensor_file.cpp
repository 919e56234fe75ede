// The tensor-file readers on arbitrary bytes: first as a .npy, then as a zip archive (.npz) whose members are
// extracted and parsed as .npy. Allocation is bounded by the input: sizes come from the bytes themselves.
#include <cstdint>
#include <vector>

#include "data/codecs/npy_array.hpp"
#include "data/codecs/zip_archive.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::uint8_t> bytes(data, data + size);
  flipguard::fuzz::expect_clean_error("fuzz.npy", [&] {
    const auto a = flipguard::data::parse_npy(bytes, "fuzz.npy");
    if (static_cast<std::int64_t>(a.data.size()) != a.elements() * a.item_bytes) std::abort();
  });
  flipguard::fuzz::expect_clean_error("fuzz.npz", [&] {
    const flipguard::data::ZipArchive zip(bytes, "fuzz.npz");
    for (const auto& name : zip.names()) {
      // A member is never larger than the archive could inflate to at deflate's best ratio.
      flipguard::fuzz::expect_clean_error(
          "fuzz.npz", [&] { (void)flipguard::data::parse_npy(zip.extract(name), "fuzz.npz:" + name); });
    }
  });
  return 0;
}
