#include "data/datasets/folder_walk.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "data/data_error.hpp"

namespace flipguard::data {

namespace {

struct stat stat_or_throw(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    throw DataError(path.string() + ": cannot read the folder (" + std::strerror(err) + ")");
  }
  return st;
}

}  // namespace

void FolderWalk::add_with_ancestors(const std::filesystem::path& dir, const std::string& role) {
  std::error_code ec;
  std::filesystem::path at = std::filesystem::canonical(dir, ec);
  if (ec) throw DataError(dir.string() + ": cannot read the folder (" + ec.message() + ")");
  add_folder(dir, role);
  for (at = at.parent_path(); !at.empty(); at = at.parent_path()) {
    const struct stat st = stat_or_throw(at);
    folders_.emplace(Id{st.st_dev, st.st_ino}, Reached{at, "a folder above " + role});
    if (at == at.root_path()) break;
  }
}

void FolderWalk::add_folder(const std::filesystem::path& dir, const std::string& role) {
  const struct stat st = stat_or_throw(dir);
  add_folder(dir, st.st_dev, st.st_ino, role);
}

void FolderWalk::add_folder(const std::filesystem::path& dir, std::uint64_t device, std::uint64_t inode,
                            const std::string& role) {
  const auto [it, fresh] = folders_.emplace(Id{device, inode}, Reached{dir, role});
  if (!fresh)
    throw DataError(dir.string() + ": leads to " + it->second.path.string() + " (" + it->second.role +
                    "), which this listing already covers, so its images would count again or under "
                    "another label; remove the link");
}

void FolderWalk::add_file(const std::filesystem::path& file, std::uint64_t device, std::uint64_t inode) {
  const auto [it, fresh] = files_.emplace(Id{device, inode}, file);
  if (!fresh)
    throw DataError(file.string() + ": the same file as " + it->second.string() +
                    " (a link or a hard link); an image counts once: remove one of them");
}

}  // namespace flipguard::data
