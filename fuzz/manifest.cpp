// The model sidecar JSON (models/<name>.json).
#include "data/manifest/manifest.hpp"

#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string source = "fuzz-sidecar.json";
  flipguard::fuzz::expect_clean_error(source, [&] {
    const flipguard::data::Manifest m =
        flipguard::data::parse_manifest(std::string_view(reinterpret_cast<const char*>(data), size), source);
    // What the parser promises to every later stage.
    if (m.input.channels != 1 && m.input.channels != 3) std::abort();
    if (m.preprocess.mean.size() != static_cast<std::size_t>(m.input.channels)) std::abort();
    if (m.preprocess.std.size() != static_cast<std::size_t>(m.input.channels)) std::abort();
    for (double s : m.preprocess.std)
      if (s == 0.0) std::abort();
  });
  return 0;
}
