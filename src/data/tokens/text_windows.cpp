#include "data/tokens/text_windows.hpp"

#include <algorithm>
#include <cctype>

#include "data/data_error.hpp"
#include "data/file_io.hpp"
#include "platform/utf8.hpp"

namespace flipguard::data {

namespace {

bool is_text_file_name(const std::filesystem::path& path) {
  return lower_extension(path) == ".txt";
}

std::vector<std::filesystem::path> documents(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    if (!std::filesystem::exists(path, ec)) throw DataError(path.string() + ": no such file or folder");
    return {path};
  }
  std::vector<std::filesystem::path> files;
  std::filesystem::directory_iterator it(path, ec), end;
  if (ec) throw DataError(path.string() + ": cannot list the folder (" + ec.message() + ")");
  for (; it != end; it.increment(ec)) {
    if (ec) throw DataError(path.string() + ": cannot list the folder (" + ec.message() + ")");
    if (is_text_file_name(it->path()) && it->is_regular_file(ec)) files.push_back(it->path());
  }
  if (files.empty()) throw DataError(path.string() + ": the folder holds no .txt files");
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.filename().string() < b.filename().string(); });
  return files;
}

}  // namespace

TokenSet make_windows(const std::vector<std::int64_t>& stream, const WindowOptions& options,
                      const std::string& source) {
  if (options.seq_len == 0) throw DataError(source + ": the window length (seq_len) must be at least 1");
  const std::size_t stride = options.stride ? options.stride : options.seq_len;
  TokenSet set;
  set.source = source;
  set.seq_len = options.seq_len;
  set.rows = stream.size() < options.seq_len ? 0 : (stream.size() - options.seq_len) / stride + 1;
  set.ids.reserve(set.rows * set.seq_len);
  for (std::size_t r = 0; r < set.rows; ++r)
    set.ids.insert(set.ids.end(), stream.begin() + static_cast<std::ptrdiff_t>(r * stride),
                   stream.begin() + static_cast<std::ptrdiff_t>(r * stride + set.seq_len));
  set.content_hash = token_content_hash(set.ids, set.rows, set.seq_len);
  return set;
}

TokenSet load_text_windows(const std::filesystem::path& path, const Tokenizer& tokenizer,
                           const WindowOptions& options) {
  if (options.seq_len == 0)
    throw DataError(path.string() + ": the window length (seq_len) must be at least 1");
  std::vector<std::int64_t> stream;
  for (const auto& file : documents(path)) {
    const std::vector<std::uint8_t> bytes = read_file_bytes(file);
    std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (tokenizer.needs_utf8()) {
      if (const std::size_t bad = platform::invalid_utf8_at(text); bad != std::string_view::npos)
        throw DataError(file.string() + ": not UTF-8 at byte offset " + std::to_string(bad) + " (the " +
                        tokenizer.name() + " tokenizer reads UTF-8 text)");
      if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    }
    const std::vector<std::int64_t> ids = tokenizer.encode(text);
    stream.insert(stream.end(), ids.begin(), ids.end());
    if (const auto eot = tokenizer.end_of_text()) stream.push_back(*eot);
  }
  TokenSet set = make_windows(stream, options, path.string());
  if (set.rows == 0)
    throw DataError(path.string() + ": the text gives " + std::to_string(stream.size()) +
                    " tokens, fewer than one window of " + std::to_string(options.seq_len));
  return set;
}

}  // namespace flipguard::data
