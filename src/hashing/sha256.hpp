// SHA-256 (FIPS 180-4): the hash a model file is identified by, the same one `sha256sum` prints, so a
// sidecar's claim and a record's model_sha256 can be checked with standard tools.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace flipguard::hashing {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  // The digest as 64 lowercase hex digits; the object is spent afterwards.
  std::string hex_digest();

 private:
  void block(const unsigned char* p);
  std::array<std::uint32_t, 8> state_;
  std::array<unsigned char, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;  // bytes
};

// The SHA-256 of a file's bytes; errors name the file and the system's cause.
std::string sha256_of_file(const std::filesystem::path& path);

}  // namespace flipguard::hashing
