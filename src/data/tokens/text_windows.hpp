// Raw text as token windows for a causal language model. The documents (one .txt file, or each .txt file of a
// folder, in name order; subfolders and other files are left out) are tokenized one by one, each followed by
// the tokenizer's end-of-text id when it has one, and joined into one stream; windows of seq_len ids start
// every `stride` ids (default seq_len: windows that neither overlap nor skip). A window may span two
// documents (with the end-of-text id between them). The stream's last ids that do not fill a window are
// dropped (no padding, so every id of every window is text); a stream shorter than one window is an error.
// Text that the tokenizer reads as UTF-8 must be UTF-8: otherwise a DataError names the file and the byte
// offset; a leading UTF-8 byte-order mark is not text and is dropped. Line breaks are kept as they are.
#pragma once

#include <cstddef>
#include <filesystem>

#include "data/tokens/token_set.hpp"
#include "data/tokens/tokenizer.hpp"

namespace flipguard::data {

struct WindowOptions {
  std::size_t seq_len = 0;  // ids per window; must be > 0
  std::size_t stride = 0;   // ids from one window's start to the next; 0: seq_len
};

// The windows of the documents at `path` (a .txt file or a folder of them) as a TokenSet whose source is
// `path`.
TokenSet load_text_windows(const std::filesystem::path& path, const Tokenizer& tokenizer,
                           const WindowOptions& options);

// The windows of an id stream: rows = (stream - seq_len) / stride + 1 (0 when the stream is shorter than
// seq_len). `source` names the stream in the TokenSet.
TokenSet make_windows(const std::vector<std::int64_t>& stream, const WindowOptions& options,
                      const std::string& source);

}  // namespace flipguard::data
