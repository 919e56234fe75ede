#include "data/file_io.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include "data/data_error.hpp"

namespace flipguard::data {

namespace {

std::ifstream open_or_throw(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    throw DataError(path.string() + ": cannot open (" + std::strerror(err) + ")");
  }
  return in;
}

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};

}  // namespace

std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& path) {
  // A folder opens as a stream on Linux and then reads as garbage sizes: name it instead.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw DataError(path.string() + ": is a folder, not a file");
  std::ifstream in = open_or_throw(path);
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) throw DataError(path.string() + ": cannot determine file size");
  in.seekg(0, std::ios::beg);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) throw DataError(path.string() + ": read error");
  return bytes;
}

std::string read_text_file(const std::filesystem::path& path) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(path);
  return std::string(bytes.begin(), bytes.end());
}

std::vector<std::uint8_t> read_gzip_file(const std::filesystem::path& path) {
  // Open ourselves first so a missing file gets the errno message rather than zlib's generic one.
  (void)open_or_throw(path);
  std::unique_ptr<gzFile_s, GzCloser> gz(gzopen(path.c_str(), "rb"));
  if (!gz) throw DataError(path.string() + ": cannot open as gzip");
  gzbuffer(gz.get(), 1 << 16);
  std::vector<std::uint8_t> out;
  std::uint8_t chunk[1 << 16];
  for (;;) {
    const int n = gzread(gz.get(), chunk, sizeof chunk);
    if (n < 0) {
      int code = 0;
      const char* msg = gzerror(gz.get(), &code);
      throw DataError(path.string() + ": gzip error: " + (msg ? msg : "unknown"));
    }
    if (n == 0) break;
    out.insert(out.end(), chunk, chunk + n);
  }
  int code = 0;
  const char* msg = gzerror(gz.get(), &code);
  // zlib reports a stream cut short only through gzerror after the last read.
  if (code != Z_OK && code != Z_STREAM_END)
    throw DataError(path.string() + ": gzip stream is corrupt or truncated (" + (msg ? msg : "unknown") +
                    ")");
  return out;
}

}  // namespace flipguard::data
