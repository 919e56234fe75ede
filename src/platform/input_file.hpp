// The one way flipguard opens a file it reads (models, sidecars, configs, fault maps, lists, labels, images,
// tensors): regular files only, after links. A FIFO would block open() until some writer appears (and the
// process then sits in the kernel, deaf to SIGTERM); a device or socket reads forever or fails obscurely. The
// open is non-blocking and the check is made on the open file itself, so nothing can block or swap the file
// in between.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace flipguard::platform {

// A file that cannot be opened or read; the message names it.
struct FileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// "a folder", "a FIFO", "a character device", "a block device", "a socket" for a stat mode (st_mode).
std::string file_kind(unsigned mode);

class InputFile {
 public:
  // Throws FileError "<path>: cannot open (<reason>)", or "<path>: is a FIFO, not <what>" for anything but
  // a regular file (`what` says what the caller wanted, e.g. "an ONNX model file").
  explicit InputFile(const std::filesystem::path& path, const std::string& what = "a regular file");
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  InputFile(InputFile&& other) noexcept;
  InputFile& operator=(InputFile&& other) noexcept;

  const std::filesystem::path& path() const { return path_; }
  std::uint64_t size() const { return size_; }  // as seen at open
  int fd() const { return fd_; }

  // Up to `n` bytes from the current position, retrying when interrupted; 0 at the end.
  std::size_t read_some(void* out, std::size_t n);
  // The rest of the file up to the size seen at open (fewer bytes if it shrank meanwhile).
  std::string read_all();
  // Hands the descriptor over (e.g. to zlib's gzdopen); this object then closes nothing.
  int release();

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// The whole of a regular file, as InputFile(path, what).read_all().
std::string read_regular_file(const std::filesystem::path& path, const std::string& what = "a regular file");

}  // namespace flipguard::platform
