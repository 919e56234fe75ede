// What every fuzz target checks: the code under test, given arbitrary bytes, either succeeds or throws a
// std::exception whose message names the input. A crash, a hang, a leak, undefined behaviour, an allocation
// sized by the input (std::bad_alloc, std::length_error) or an error that does not say which input it is
// about all count as findings.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace flipguard::fuzz {

template <typename F>
void expect_clean_error(const std::string& source, F&& run) {
  try {
    run();
  } catch (const std::bad_alloc&) {
    throw;  // memory sized by the input: let the fuzzer report it
  } catch (const std::length_error&) {
    throw;
  } catch (const std::exception& e) {
    if (std::string_view(e.what()).find(source) == std::string_view::npos) {
      std::fprintf(stderr, "error message does not name the input '%s': %s\n", source.c_str(), e.what());
      std::abort();
    }
  }
}

// A scratch folder for targets whose code path reads files; removed when the process ends.
class ScratchDir {
 public:
  ScratchDir()
      : path_(std::filesystem::temp_directory_path() / ("flipguard-fuzz-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  std::filesystem::path write(const std::string& name, const std::uint8_t* data, std::size_t size) const {
    const std::filesystem::path p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) {
      std::fprintf(stderr, "cannot write %s\n", p.c_str());
      std::abort();
    }
    return p;
  }
  std::filesystem::path write(const std::string& name, std::string_view text) const {
    return write(name, reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  }

 private:
  std::filesystem::path path_;
};

inline const ScratchDir& scratch() {
  static const ScratchDir dir;
  return dir;
}

}  // namespace flipguard::fuzz
