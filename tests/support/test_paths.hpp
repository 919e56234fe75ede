// Where the tests find the source tree, the real assets and the converted models. Every suite uses these, so
// one environment variable moves them all (FLIPGUARD_SOURCE_DIR, FLIPGUARD_ASSETS).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace flipguard::testing {

inline std::filesystem::path source_dir() {
  const char* env = std::getenv("FLIPGUARD_SOURCE_DIR");
  return env && *env ? std::filesystem::path(env) : std::filesystem::path(FLIPGUARD_SOURCE_DIR);
}

// The real assets must be there (CI has them): a missing folder fails the test instead of skipping it.
inline std::filesystem::path assets_dir() {
  const char* env = std::getenv("FLIPGUARD_ASSETS");
  const auto dir = env && *env ? std::filesystem::path(env) : source_dir() / ".." / "shared" / "assets";
  if (!std::filesystem::is_directory(dir))
    ADD_FAILURE() << "assets folder " << dir << " missing: set FLIPGUARD_ASSETS";
  return dir;
}

inline std::filesystem::path models_dir() {
  return source_dir() / "models";
}

}  // namespace flipguard::testing
