#include "data/file_io.hpp"

#include <unistd.h>
#include <zlib.h>

#include <cctype>
#include <memory>

#include "data/data_error.hpp"
#include "data/text/text_encoding.hpp"
#include "platform/input_file.hpp"

namespace flipguard::data {

namespace {

// platform's one opener (regular files only, never blocking), with its errors as the data layer's.
platform::InputFile open_input(const std::filesystem::path& path) {
  try {
    return platform::InputFile(path);
  } catch (const platform::FileError& e) {
    throw DataError(e.what());
  }
}

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};

}  // namespace

std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& path) {
  platform::InputFile in = open_input(path);
  std::vector<std::uint8_t> bytes(in.size());
  std::size_t done = 0;
  try {
    while (done < bytes.size()) {
      const std::size_t got = in.read_some(bytes.data() + done, bytes.size() - done);
      if (got == 0) break;  // shrank meanwhile
      done += got;
    }
  } catch (const platform::FileError& e) {
    throw DataError(e.what());
  }
  bytes.resize(done);
  return bytes;
}

std::string read_text_file(const std::filesystem::path& path) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(path);
  return decode_text(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                     path.string());
}

std::vector<std::uint8_t> read_gzip_file(const std::filesystem::path& path) {
  // Opened and checked here, so a missing file gets the errno message rather than zlib's generic one and a
  // FIFO cannot block zlib's own open.
  const int fd = open_input(path).release();
  std::unique_ptr<gzFile_s, GzCloser> gz(gzdopen(fd, "rb"));
  if (!gz) {
    ::close(fd);  // gzdopen closes nothing when it fails
    throw DataError(path.string() + ": cannot open as gzip");
  }
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

std::string lower_extension(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

}  // namespace flipguard::data
