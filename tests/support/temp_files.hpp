// Scratch folders and whole-file reads and writes for tests that build inputs on disk.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace flipguard::testing {

// A fresh folder under the system temp dir, removed when the object goes (made writable first: some tests
// chmod what they made).
class TempDir {
 public:
  explicit TempDir(const std::string& tag = "test") {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("flipguard-" + tag + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    if (ec)
      std::system(
          ("chmod -R u+rwx '" + path_.string() + "' 2>/dev/null; rm -rf '" + path_.string() + "'").c_str());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// A fresh path `name` inside this test process's own scratch folder (made on first use, removed with all it
// holds when the process ends): suites never share fixed temp paths or leave files behind.
inline std::filesystem::path scratch_path(const std::string& name) {
  static const TempDir dir("scratch");
  const auto p = dir / name;
  std::error_code ec;
  std::filesystem::remove_all(p, ec);
  return p;
}

// Writes `bytes` to `p` (creating its folder); a failed write fails the test.
inline void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << p;
}

// Whether a temporary of an output written through platform/output_file ("NAME.writing-<random>") is left
// beside `file`.
inline bool temporary_left_beside(const std::filesystem::path& file) {
  std::error_code ec;
  const std::string prefix = file.filename().string() + ".writing";
  for (const auto& e : std::filesystem::directory_iterator(file.parent_path(), ec))
    if (e.path().filename().string().starts_with(prefix)) return true;
  return false;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::vector<char> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

}  // namespace flipguard::testing
