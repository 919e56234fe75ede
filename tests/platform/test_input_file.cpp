// The one opener of input files refuses anything but a regular file, without ever blocking (a FIFO used to
// block open() forever), and names the file; the UTF-8 helpers keep valid text as it is.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "platform/input_file.hpp"
#include "platform/utf8.hpp"
#include "support/temp_files.hpp"

namespace flipguard::platform {
namespace {

namespace fs = std::filesystem;
using flipguard::testing::TempDir;
using flipguard::testing::write_file;

std::string error_of(const fs::path& path, const std::string& what = "a regular file") {
  try {
    (void)read_regular_file(path, what);
  } catch (const FileError& e) {
    return e.what();
  }
  ADD_FAILURE() << path << ": no FileError";
  return "";
}

TEST(InputFile, ReadsRegularFilesAndLinksToThem) {
  TempDir dir;
  write_file(dir / "a.txt", "hello\n");
  fs::create_symlink(dir / "a.txt", dir / "link.txt");
  EXPECT_EQ(read_regular_file(dir / "a.txt"), "hello\n");
  EXPECT_EQ(read_regular_file(dir / "link.txt"), "hello\n");
  InputFile f(dir / "a.txt");
  EXPECT_EQ(f.size(), 6u);
  char buf[4];
  EXPECT_EQ(f.read_some(buf, sizeof buf), 4u);
  EXPECT_EQ(f.read_all(), "o\n");  // the rest
}

TEST(InputFile, RefusesFifosDevicesSocketsAndFoldersWithoutBlocking) {
  TempDir dir;
  const fs::path fifo = dir / "pipe.txt";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  EXPECT_EQ(error_of(fifo), fifo.string() + ": is a FIFO, not a regular file");
  EXPECT_EQ(error_of(fifo, "an ONNX model file"), fifo.string() + ": is a FIFO, not an ONNX model file");
  fs::create_symlink(fifo, dir / "to-pipe.txt");  // a link to a FIFO is a FIFO
  EXPECT_NE(error_of(dir / "to-pipe.txt").find("to-pipe.txt: is a FIFO"), std::string::npos);
  fs::create_symlink("/dev/zero", dir / "zero.bin");  // would read forever
  EXPECT_EQ(error_of(dir / "zero.bin"),
            (dir / "zero.bin").string() + ": is a character device, not a regular file");
  EXPECT_EQ(error_of(dir.path()), dir.path().string() + ": is a folder, not a regular file");

  const fs::path sock = dir / "s.sock";
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(sock.string().size(), sizeof addr.sun_path);
  std::strcpy(addr.sun_path, sock.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  // A socket cannot even be opened (ENXIO): the error still says what it is.
  EXPECT_EQ(error_of(sock), sock.string() + ": is a socket, not a regular file");
  ::close(fd);

  EXPECT_EQ(error_of(dir / "missing.txt"),
            (dir / "missing.txt").string() + ": cannot open (No such file or directory)");
}

TEST(Utf8, ValidTextIsKeptAndOtherBytesEscapedReversibly) {
  EXPECT_EQ(invalid_utf8_at("plain ascii"), std::string_view::npos);
  EXPECT_EQ(invalid_utf8_at("caf\xC3\xA9"), std::string_view::npos);
  EXPECT_EQ(invalid_utf8_at("ab\xFF"), 2u);
  // Valid UTF-8 is never changed, backslashes included: identities of ordinary names stay as they were.
  for (const std::string s : {"folder:cifar", "caf\xC3\xA9", "a\\xFF", "C:\\data"})
    EXPECT_EQ(utf8_or_escaped(s), s);
  EXPECT_EQ(utf8_or_escaped("data\xFF"), "data\\xFF");
  EXPECT_EQ(utf8_or_escaped("a\\b\xFE"), "a\\\\b\\xFE");
  for (const std::string s : {"data\xFF", "a\\b\xFE", "\\xFF\xFF", "\xC3\xA9\xC3"}) {
    const std::string escaped = utf8_or_escaped(s);
    EXPECT_EQ(invalid_utf8_at(escaped), std::string_view::npos) << escaped;
    EXPECT_EQ(unescape_bytes(escaped), s) << escaped;
  }
}

}  // namespace
}  // namespace flipguard::platform
