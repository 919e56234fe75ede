#include "data/codecs/zip_archive.hpp"

#include <zlib.h>

#include <algorithm>
#include <limits>

#include "data/data_error.hpp"
#include "data/file_io.hpp"

namespace flipguard::data {

namespace {

constexpr std::uint32_t kEndOfDirectory = 0x06054b50;
constexpr std::uint32_t kZip64End = 0x06064b50;
constexpr std::uint32_t kZip64Locator = 0x07064b50;
constexpr std::uint32_t kDirectoryEntry = 0x02014b50;
constexpr std::uint32_t kLocalHeader = 0x04034b50;
constexpr std::uint16_t kZip64Extra = 0x0001;

// Little-endian reads that refuse to go past the end, so a damaged archive is an error, not a wild read.
class Reader {
 public:
  Reader(const std::vector<std::uint8_t>& bytes, const std::string& source) : b_(bytes), source_(source) {}
  void need(std::uint64_t at, std::uint64_t n, const char* what) const {
    if (at > b_.size() || n > b_.size() - at)
      throw DataError(source_ + ": damaged zip archive (" + what + " runs past the end of the file)");
  }
  std::uint64_t le(std::uint64_t at, int n, const char* what) const {
    need(at, static_cast<std::uint64_t>(n), what);
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | b_[at + static_cast<std::uint64_t>(i)];
    return v;
  }

 private:
  const std::vector<std::uint8_t>& b_;
  const std::string& source_;
};

}  // namespace

ZipArchive::ZipArchive(const std::filesystem::path& path)
    : ZipArchive(read_file_bytes(path), path.string()) {}

ZipArchive::ZipArchive(std::vector<std::uint8_t> bytes, std::string source)
    : bytes_(std::move(bytes)), source_(std::move(source)) {
  read_directory();
}

void ZipArchive::read_directory() {
  const Reader r(bytes_, source_);
  // The end record is the last 22 bytes plus a comment of at most 65535 bytes.
  if (bytes_.size() < 22) throw DataError(source_ + ": not a zip archive (too short)");
  std::uint64_t end = bytes_.size() - 22;
  const std::uint64_t lowest = bytes_.size() > 22 + 65535 ? bytes_.size() - 22 - 65535 : 0;
  while (r.le(end, 4, "end record") != kEndOfDirectory) {
    if (end == lowest) throw DataError(source_ + ": not a zip archive (no end of central directory)");
    --end;
  }
  std::uint64_t entries = r.le(end + 10, 2, "end record");
  std::uint64_t dir_size = r.le(end + 12, 4, "end record");
  std::uint64_t dir_offset = r.le(end + 16, 4, "end record");
  if (entries == 0xffff || dir_size == 0xffffffff || dir_offset == 0xffffffff) {
    if (end < 20 || r.le(end - 20, 4, "zip64 locator") != kZip64Locator)
      throw DataError(source_ + ": damaged zip archive (zip64 fields without a zip64 locator)");
    const std::uint64_t z = r.le(end - 20 + 8, 8, "zip64 locator");
    if (r.le(z, 4, "zip64 end record") != kZip64End)
      throw DataError(source_ + ": damaged zip archive (no zip64 end record where the locator points)");
    entries = r.le(z + 32, 8, "zip64 end record");
    dir_size = r.le(z + 40, 8, "zip64 end record");
    dir_offset = r.le(z + 48, 8, "zip64 end record");
  }
  r.need(dir_offset, dir_size, "central directory");
  std::uint64_t at = dir_offset;
  for (std::uint64_t i = 0; i < entries; ++i) {
    if (r.le(at, 4, "directory entry") != kDirectoryEntry)
      throw DataError(source_ + ": damaged zip archive (central directory entry " + std::to_string(i) +
                      " has a bad signature)");
    Member m;
    const auto flags = r.le(at + 8, 2, "directory entry");
    m.method = static_cast<std::uint16_t>(r.le(at + 10, 2, "directory entry"));
    m.crc = static_cast<std::uint32_t>(r.le(at + 16, 4, "directory entry"));
    m.compressed = r.le(at + 20, 4, "directory entry");
    m.size = r.le(at + 24, 4, "directory entry");
    const auto name_len = r.le(at + 28, 2, "directory entry");
    const auto extra_len = r.le(at + 30, 2, "directory entry");
    const auto comment_len = r.le(at + 32, 2, "directory entry");
    m.local_offset = r.le(at + 42, 4, "directory entry");
    r.need(at + 46, name_len + extra_len + comment_len, "directory entry");
    m.name.assign(reinterpret_cast<const char*>(bytes_.data() + at + 46), name_len);
    if (flags & 1) throw DataError(source_ + ": member " + m.name + " is encrypted");
    // Zip64 sizes and offset follow in the extra field, in this order, for the fields that overflowed.
    for (std::uint64_t e = at + 46 + name_len; e + 4 <= at + 46 + name_len + extra_len;) {
      const auto id = r.le(e, 2, "extra field");
      const auto len = r.le(e + 2, 2, "extra field");
      if (id == kZip64Extra) {
        std::uint64_t f = e + 4;
        if (m.size == 0xffffffff) m.size = r.le(f, 8, "zip64 extra"), f += 8;
        if (m.compressed == 0xffffffff) m.compressed = r.le(f, 8, "zip64 extra"), f += 8;
        if (m.local_offset == 0xffffffff) m.local_offset = r.le(f, 8, "zip64 extra"), f += 8;
      }
      e += 4 + len;
    }
    // Readers disagree on which of two members of one name counts (Python's zipfile, and so NumPy, takes
    // the last): such an archive is refused rather than read one way.
    if (contains(m.name))
      throw DataError(source_ + ": holds two members named " + m.name +
                      " (an archive appended to?); NumPy would read the last, so it is refused");
    members_.push_back(std::move(m));
    at += 46 + name_len + extra_len + comment_len;
  }
}

std::vector<std::string> ZipArchive::names() const {
  std::vector<std::string> out;
  for (const auto& m : members_) out.push_back(m.name);
  return out;
}

bool ZipArchive::contains(const std::string& name) const {
  return std::any_of(members_.begin(), members_.end(), [&](const Member& m) { return m.name == name; });
}

const ZipArchive::Member& ZipArchive::member(const std::string& name) const {
  for (const auto& m : members_)
    if (m.name == name) return m;
  throw DataError(source_ + ": no member " + name);
}

std::vector<std::uint8_t> ZipArchive::extract(const std::string& name) const {
  const Member& m = member(name);
  const std::string where = source_ + ":" + name;
  const Reader r(bytes_, where);
  if (r.le(m.local_offset, 4, "local header") != kLocalHeader)
    throw DataError(where + ": damaged zip archive (no local header where the directory points)");
  const auto name_len = r.le(m.local_offset + 26, 2, "local header");
  const auto extra_len = r.le(m.local_offset + 28, 2, "local header");
  const std::uint64_t data_at = m.local_offset + 30 + name_len + extra_len;
  r.need(data_at, m.compressed, "member data");
  // Deflate expands at most about 1032:1: a larger claim is damage, refused before it sizes an allocation.
  constexpr std::uint64_t kMaxDeflateRatio = 1032;
  if (m.size > std::numeric_limits<std::size_t>::max() / 2 ||
      (m.method == 8 && m.size > m.compressed * kMaxDeflateRatio + 1024))
    throw DataError(where + ": damaged zip archive (a member of " + std::to_string(m.compressed) +
                    " compressed bytes claims " + std::to_string(m.size) + ")");
  std::vector<std::uint8_t> out;
  const std::uint8_t* in = bytes_.data() + data_at;
  if (m.method == 0) {
    if (m.compressed != m.size) throw DataError(where + ": stored member whose sizes disagree");
    out.assign(in, in + m.size);
  } else if (m.method == 8) {
    out.resize(static_cast<std::size_t>(m.size));
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) throw DataError(where + ": cannot start zlib");
    // Fed in pieces: zlib counts in 32-bit units.
    std::uint64_t fed = 0, produced = 0;
    int rc = Z_OK;
    while (rc == Z_OK) {
      const auto in_chunk = static_cast<uInt>(std::min<std::uint64_t>(m.compressed - fed, 1u << 30));
      const auto out_chunk = static_cast<uInt>(std::min<std::uint64_t>(m.size - produced, 1u << 30));
      z.next_in = const_cast<Bytef*>(in + fed);
      z.avail_in = in_chunk;
      z.next_out = out.data() + produced;
      z.avail_out = out_chunk;
      rc = inflate(&z, Z_NO_FLUSH);
      fed += in_chunk - z.avail_in;
      produced += out_chunk - z.avail_out;
      if (rc == Z_BUF_ERROR && (fed < m.compressed && produced < m.size)) rc = Z_OK;
      if (rc == Z_OK && in_chunk == z.avail_in && out_chunk == z.avail_out) break;  // no progress
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END || produced != m.size)
      throw DataError(where + ": damaged deflate data (" + std::to_string(produced) + " of " +
                      std::to_string(m.size) + " bytes inflated)");
  } else {
    throw DataError(where + ": compression method " + std::to_string(m.method) +
                    " is not supported (stored or deflate, as np.savez and np.savez_compressed write)");
  }
  uLong crc = crc32(0L, Z_NULL, 0);
  for (std::size_t done = 0; done < out.size();) {
    const auto n = static_cast<uInt>(std::min<std::size_t>(out.size() - done, 1u << 30));
    crc = crc32(crc, out.data() + done, n);
    done += n;
  }
  if (crc != m.crc) throw DataError(where + ": CRC-32 mismatch: the archive is damaged");
  return out;
}

}  // namespace flipguard::data
