// Shared helpers of the data-layer tests: where the assets, sidecar fixtures and reference script are.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

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

// Whether Debian's python with PIL and numpy can produce references at test time.
inline bool have_reference_python() {
  static const bool ok = std::system("/usr/bin/python3 -c 'import PIL, numpy' >/dev/null 2>&1") == 0;
  return ok;
}

}  // namespace flipguard::data::testing
