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

#include "data/image.hpp"

namespace flipguard::data::testing {

inline std::filesystem::path source_dir() {
  const char* env = std::getenv("FLIPGUARD_SOURCE_DIR");
  return env && *env ? std::filesystem::path(env) : std::filesystem::path(FLIPGUARD_SOURCE_DIR);
}

inline std::filesystem::path tests_dir() {
  return source_dir() / "tests" / "data";
}
inline std::filesystem::path sidecar(const std::string& name) {
  return tests_dir() / "sidecars" / name;
}

// The real assets must be there (CI has them): a missing folder fails the test instead of skipping it.
inline std::filesystem::path assets_dir() {
  const char* env = std::getenv("FLIPGUARD_ASSETS");
  const std::filesystem::path dir =
      env && *env ? std::filesystem::path(env) : source_dir() / ".." / "shared" / "assets";
  if (!std::filesystem::is_directory(dir))
    ADD_FAILURE() << "assets folder " << dir << " missing: set FLIPGUARD_ASSETS";
  return dir;
}

inline nlohmann::json dataset_stats() {
  std::ifstream in(tests_dir() / "fixtures" / "dataset_stats.json");
  EXPECT_TRUE(in.good()) << "tests/data/fixtures/dataset_stats.json missing";
  return nlohmann::json::parse(in);
}

// A fresh empty folder under the system temp dir, removed when the object goes.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("flipguard-data-test-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::vector<char> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

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

}  // namespace flipguard::data::testing
