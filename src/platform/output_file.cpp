#include "platform/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

namespace flipguard::platform {
namespace fs = std::filesystem;

namespace {

// Whether two stats are of one file (the same device and inode, whatever names led there).
bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

[[noreturn]] void fail(const fs::path& out, const std::string& why) {
  throw OutputError(out.string() + ": " + why);
}

std::string os_error(int err) {
  return std::strerror(err);
}

void write_all(int fd, std::span<const std::string_view> parts, const fs::path& out) {
  for (const std::string_view part : parts) {
    for (std::size_t done = 0; done < part.size();) {
      const ssize_t n = ::write(fd, part.data() + done, part.size() - done);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else {
        const int err = n < 0 ? errno : EIO;
        ::close(fd);
        fail(out, "writing failed: " + os_error(err));
      }
    }
  }
}

// A special file the user named on purpose (a pipe, a terminal, /dev/null): bytes go straight to it.
void write_stream(const fs::path& out, std::span<const std::string_view> parts) {
  // O_NONBLOCK: a FIFO nobody reads fails at once (ENXIO) instead of blocking the run forever.
  const int fd = ::open(out.c_str(), O_WRONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0 && errno == ENXIO) fail(out, "is a FIFO that no process is reading");
  if (fd < 0) fail(out, "cannot open for writing: " + os_error(errno));
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  write_all(fd, parts, out);
  if (::close(fd) != 0 && errno != EINTR) fail(out, "writing failed: " + os_error(errno));
}

// A new file beside `target` under a name nobody else uses, created exclusively (O_EXCL, O_NOFOLLOW): a file
// or a link already there under a temporary's name is never opened, followed or truncated, and two runs
// writing the same output never share a temporary. `mode`: the permissions the replaced file had.
int create_temporary(const fs::path& target, mode_t mode, fs::path& tmp) {
  std::random_device rd;
  // NAME_MAX is 255 bytes: a long name is cut so that the suffix fits.
  const std::string stem = target.filename().string().substr(0, 200) + ".writing-";
  for (int attempt = 0;; ++attempt) {
    char suffix[17];
    std::snprintf(suffix, sizeof suffix, "%08x%08x", rd(), rd());
    tmp = target.parent_path() / (stem + suffix);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd >= 0 || errno != EEXIST || attempt == 100) return fd;
  }
}

// A regular file or a new path: a temporary beside the real file, synced, then renamed over it, so a crash or
// a full disk leaves the old file whole. A replaced file keeps its permissions (a private file stays
// private).
void replace_atomically(const fs::path& target, const fs::path& out,
                        std::span<const std::string_view> parts) {
  struct stat old {};
  const bool replacing = ::stat(target.c_str(), &old) == 0;
  fs::path tmp;
  const int fd = create_temporary(target, replacing ? (old.st_mode & 07777) : 0666, tmp);
  if (fd < 0 && errno == ENOENT)
    fail(out, "cannot write: the folder " + target.parent_path().string() + " does not exist");
  if (fd < 0) fail(out, "cannot write (creating " + tmp.string() + "): " + os_error(errno));
  // The mode given to open() is cut by the umask; a replaced file's own permissions are put back whole.
  if (replacing && ::fchmod(fd, old.st_mode & 07777) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    fail(out, "cannot write: " + os_error(err));
  }
  try {
    write_all(fd, parts, out);
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  int err = 0;
  if (::fdatasync(fd) != 0) err = errno;
  if (::close(fd) != 0 && !err) err = errno;
  if (!err && ::rename(tmp.c_str(), target.c_str()) != 0) err = errno;
  if (err) {
    ::unlink(tmp.c_str());
    fail(out, "cannot write: " + os_error(err));
  }
}

}  // namespace

void refuse_input_as_output(const fs::path& out, std::span<const fs::path> inputs, std::string_view what) {
  struct stat o {};
  if (::stat(out.c_str(), &o) != 0) return;  // a new path cannot be an input
  for (const fs::path& in : inputs) {
    struct stat i {};
    if (in.empty() || ::stat(in.c_str(), &i) != 0 || S_ISDIR(i.st_mode)) continue;
    if (same_file(i, o))
      fail(out, "is " +
                    (in == out ? std::string("an input of this run")
                               : "the same file as the input " + in.string()) +
                    "; writing " + std::string(what) + " there would destroy it: choose another output path");
  }
}

namespace {

enum class OutputKind { kNew, kRegular, kStream };

OutputKind classify(const fs::path& out, std::span<const fs::path> inputs, std::string_view what) {
  if (out.empty()) throw OutputError("no output path given for " + std::string(what));
  refuse_input_as_output(out, inputs, what);
  struct stat st {};
  if (::stat(out.c_str(), &st) == 0) {
    if (S_ISREG(st.st_mode)) return OutputKind::kRegular;
    if (S_ISDIR(st.st_mode)) fail(out, "is a folder; give a file path for " + std::string(what));
    if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) return OutputKind::kStream;
    fail(out, "is a block device or socket; refusing to write " + std::string(what) + " there");
  }
  const int err = errno;
  struct stat l {};
  if (::lstat(out.c_str(), &l) == 0 && S_ISLNK(l.st_mode))
    fail(out, "is a symbolic link to a path that does not exist; give the real path");
  if (err != ENOENT) fail(out, "cannot write: " + os_error(err));
  const fs::path folder = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    fail(out, "cannot write: the folder " + folder.string() + " does not exist");
  return OutputKind::kNew;
}

}  // namespace

bool is_standard_output(const fs::path& out) {
  struct stat o {
  }, s{};
  return ::stat(out.c_str(), &o) == 0 && ::fstat(STDOUT_FILENO, &s) == 0 && same_file(o, s);
}

void check_output_file(const fs::path& out, std::span<const fs::path> inputs, std::string_view what) {
  (void)classify(out, inputs, what);
}

void write_output_file(const fs::path& out, std::span<const std::string_view> parts,
                       std::span<const fs::path> inputs, std::string_view what) {
  switch (classify(out, inputs, what)) {
    case OutputKind::kStream:
      return write_stream(out, parts);
    case OutputKind::kNew:
      return replace_atomically(out, out, parts);
    case OutputKind::kRegular: {
      std::error_code ec;
      const fs::path target = fs::canonical(out, ec);  // through any links: the link stays a link
      if (ec) fail(out, "cannot resolve: " + ec.message());
      return replace_atomically(target, out, parts);
    }
  }
}

}  // namespace flipguard::platform
