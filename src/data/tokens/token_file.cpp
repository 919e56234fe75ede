#include "data/tokens/token_file.hpp"

#include <cctype>
#include <cstring>

#include "data/codecs/npy_array.hpp"
#include "data/codecs/zip_archive.hpp"
#include "data/data_error.hpp"
#include "data/file_io.hpp"

namespace flipguard::data {

namespace {

std::string member_list(const ZipArchive& zip) {
  std::string names;
  for (const auto& n : zip.names()) names += (names.empty() ? "" : ", ") + n;
  return names.empty() ? "nothing" : names;
}

// The ids of `a` widened to int64; an unsigned 64-bit id past INT64_MAX is reported as out of range.
std::vector<std::int64_t> widen(const NpyArray& a, const std::string& source) {
  std::vector<std::int64_t> ids(static_cast<std::size_t>(a.elements()));
  const std::size_t bytes = static_cast<std::size_t>(a.item_bytes);
  if (a.kind == 'i' && bytes == 8) {
    std::memcpy(ids.data(), a.data.data(), ids.size() * bytes);  // little-endian host
    return ids;
  }
  const int shift = 64 - 8 * a.item_bytes;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    std::uint64_t raw = 0;
    std::memcpy(&raw, a.data.data() + i * bytes, bytes);
    if (a.kind == 'i') {
      ids[i] = static_cast<std::int64_t>(raw << shift) >> shift;  // sign-extend
    } else {
      if (raw > static_cast<std::uint64_t>(INT64_MAX))
        throw DataError(source + ": token id " + std::to_string(raw) + " at row " +
                        std::to_string(i / static_cast<std::size_t>(a.shape[1])) + ", column " +
                        std::to_string(i % static_cast<std::size_t>(a.shape[1])) + " is too large");
      ids[i] = static_cast<std::int64_t>(raw);
    }
  }
  return ids;
}

TokenSet to_token_set(NpyArray a, const std::string& source, std::int64_t vocab_size) {
  if (a.kind != 'i' && a.kind != 'u')
    throw DataError(source + ": token ids are " + a.dtype() +
                    ", expected integers (int64 or int32: arr.astype(np.int64))");
  if (a.shape.size() != 2)
    throw DataError(source + ": token ids have shape " + a.shape_text() +
                    ", expected 2-D [N, L] (one sequence per row; a single sequence: arr.reshape(1, -1))");
  if (a.shape[0] == 0 || a.shape[1] == 0)
    throw DataError(source + ": holds no token ids (shape " + a.shape_text() + ")");
  TokenSet set;
  set.rows = static_cast<std::size_t>(a.shape[0]);
  set.seq_len = static_cast<std::size_t>(a.shape[1]);
  set.source = source;
  set.ids = widen(a, source);
  a.data = {};
  // Negative ids are refused even without a vocabulary.
  check_token_ids(set, vocab_size > 0 ? vocab_size : INT64_MAX);
  set.content_hash = token_content_hash(set.ids, set.rows, set.seq_len);
  return set;
}

}  // namespace

bool is_token_file_name(const std::filesystem::path& path) {
  const std::string ext = lower_extension(path);
  return ext == ".npy" || ext == ".npz";
}

TokenSet load_token_file(const std::filesystem::path& path, std::int64_t vocab_size,
                         const std::string& array) {
  const std::string ext = lower_extension(path);
  if (ext == ".npy") {
    if (!array.empty())
      throw DataError(path.string() + ": a .npy holds one array; an array name ('" + array +
                      "') is for .npz files");
    return to_token_set(parse_npy(read_file_bytes(path), path.string()), path.string(), vocab_size);
  }
  if (ext != ".npz")
    throw DataError(path.string() + ": not a token file: expected a NumPy .npy or .npz of token ids");
  const ZipArchive zip(path);
  std::string member;
  if (array.empty()) {
    const auto names = zip.names();
    if (names.empty()) throw DataError(path.string() + ": the .npz holds no arrays");
    member = names.front();
  } else {
    member = array + ".npy";
    if (!zip.contains(member))
      throw DataError(path.string() + ": no array '" + array + "' (holds: " + member_list(zip) + ")");
  }
  const std::string source = path.string() + ":" + member;
  return to_token_set(parse_npy(zip.extract(member), source), source, vocab_size);
}

}  // namespace flipguard::data
