// Shared helpers of the data-layer tests: where the assets, sidecar fixtures and reference script are.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/data_error.hpp"
#include "data/image.hpp"
#include "support/temp_files.hpp"
#include "support/test_paths.hpp"

namespace flipguard::data::testing {

using flipguard::testing::source_dir;

inline std::filesystem::path tests_dir() {
  return source_dir() / "tests" / "data";
}
inline std::filesystem::path sidecar(const std::string& name) {
  return tests_dir() / "sidecars" / name;
}

using flipguard::testing::assets_dir;

inline nlohmann::json dataset_stats() {
  std::ifstream in(tests_dir() / "fixtures" / "dataset_stats.json");
  EXPECT_TRUE(in.good()) << "tests/data/fixtures/dataset_stats.json missing";
  return nlohmann::json::parse(in);
}

using flipguard::testing::read_bytes;
using flipguard::testing::TempDir;
using flipguard::testing::write_file;

// Same formula as synthetic_image() in tests/data/gen_reference.py.
inline Image synthetic_image(int h, int w, int c) {
  Image img(h, w, c);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int ch = 0; ch < c; ++ch) {
        int v = (x * x * 31 + y * y * 17 + x * y * 7 + ch * 89 + (x ^ y) * 13) % 256;
        if ((x / 5 + y / 4) % 3 == 0) v = 255 - v;
        img.row(y)[x * c + ch] = static_cast<std::uint8_t>(v);
      }
  return img;
}

// One case of a resize fixture written by gen_reference.py (write_resize_fixture).
struct ResizeCase {
  int channels = 0, in_height = 0, in_width = 0, out_height = 0, out_width = 0;
  std::vector<std::uint8_t> expected;  // out_height x out_width x channels
};

inline std::vector<ResizeCase> read_resize_fixture(const std::string& name) {
  const std::vector<char> blob = read_bytes(tests_dir() / "fixtures" / name);
  std::size_t at = 0;
  auto u32 = [&] {
    std::uint32_t v = 0;
    if (at + 4 > blob.size()) throw std::runtime_error(name + ": truncated");
    std::memcpy(&v, blob.data() + at, 4);
    at += 4;
    return static_cast<int>(v);
  };
  std::vector<ResizeCase> cases(static_cast<std::size_t>(u32()));
  for (ResizeCase& c : cases) {
    c.channels = u32();
    c.in_height = u32();
    c.in_width = u32();
    c.out_height = u32();
    c.out_width = u32();
    const std::size_t n = static_cast<std::size_t>(c.out_height) * c.out_width * c.channels;
    if (at + n > blob.size()) throw std::runtime_error(name + ": truncated");
    c.expected.assign(blob.begin() + static_cast<std::ptrdiff_t>(at),
                      blob.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
  }
  if (at != blob.size()) throw std::runtime_error(name + ": trailing bytes");
  return cases;
}

// Whether Debian's python with PIL and numpy can produce references at test time.
inline bool have_reference_python() {
  static const bool ok = std::system("/usr/bin/python3 -c 'import PIL, numpy' >/dev/null 2>&1") == 0;
  return ok;
}

// The error of `f`, which must throw a one-line DataError.
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const DataError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    return what;
  }
  ADD_FAILURE() << "no DataError";
  return "";
}

}  // namespace flipguard::data::testing
