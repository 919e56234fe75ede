// The members of a zip archive, as np.savez (stored) and np.savez_compressed (deflate) write them: the
// central directory is read (zip64 included), each member's local header checked against it, and a member's
// bytes inflated and CRC-checked on extraction. Errors are DataErrors naming the archive and the member.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace flipguard::data {

class ZipArchive {
 public:
  // Reads the whole archive into memory and its central directory.
  explicit ZipArchive(const std::filesystem::path& path);
  // The same from bytes; `source` names them in errors.
  ZipArchive(std::vector<std::uint8_t> bytes, std::string source);

  std::vector<std::string> names() const;
  bool contains(const std::string& name) const;
  // The uncompressed bytes of member `name`.
  std::vector<std::uint8_t> extract(const std::string& name) const;
  const std::string& source() const { return source_; }

 private:
  struct Member {
    std::string name;
    std::uint16_t method = 0;  // 0 stored, 8 deflate
    std::uint32_t crc = 0;
    std::uint64_t compressed = 0, size = 0, local_offset = 0;
  };
  void read_directory();
  const Member& member(const std::string& name) const;

  std::vector<std::uint8_t> bytes_;
  std::string source_;
  std::vector<Member> members_;
};

}  // namespace flipguard::data
