// Where a listing of a user's folders has been, by (device, inode) after links. Links are followed (datasets
// are often symlinked into place), so without this a link back to a folder above would be listed again and
// again (40 levels, until the kernel's ELOOP) and a class folder linked to the data folder would give every
// image of every class its label. A folder or an image reached a second time is a DataError naming the path
// that leads back, never counted twice.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>

namespace flipguard::data {

class FolderWalk {
 public:
  // Marks `dir` and every folder above it (after links) as reached: the listing must not lead back there.
  void add_with_ancestors(const std::filesystem::path& dir, const std::string& role);
  // Marks `dir` as reached as `role` ("class folder 'cat'"); a DataError naming it if it was already.
  void add_folder(const std::filesystem::path& dir, const std::string& role);
  // Marks image file `file`; a DataError naming both paths if the same file was listed already.
  void add_file(const std::filesystem::path& file, std::uint64_t device, std::uint64_t inode);
  // As add_folder, for a folder whose stat the caller already has.
  void add_folder(const std::filesystem::path& dir, std::uint64_t device, std::uint64_t inode,
                  const std::string& role);

 private:
  struct Reached {
    std::filesystem::path path;
    std::string role;
  };
  using Id = std::pair<std::uint64_t, std::uint64_t>;
  std::map<Id, Reached> folders_;
  std::map<Id, std::filesystem::path> files_;
};

}  // namespace flipguard::data
