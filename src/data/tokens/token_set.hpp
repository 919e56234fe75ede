// Token ids for a causal language model: rows of one length (a document or window per row), with a content
// hash over the ids and the shape, so the same ids give the same hash wherever they were read from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace flipguard::data {

struct TokenSet {
  std::vector<std::int64_t> ids;  // rows x seq_len, row-major
  std::size_t rows = 0, seq_len = 0;
  std::string source;        // the file or folder the ids came from, for messages
  std::string content_hash;  // token_content_hash(ids, rows, seq_len)

  const std::int64_t* row(std::size_t r) const { return ids.data() + r * seq_len; }
};

// FNV-1a over rows and seq_len (as uint64) and then the ids (int64, little-endian), as 16 hex digits.
std::string token_content_hash(const std::vector<std::int64_t>& ids, std::size_t rows, std::size_t seq_len);

// A DataError "<source>: token id <id> at row <r>, column <c> is outside the vocabulary [0, <vocab>)" for the
// first id out of range; nothing when vocab_size <= 0 (no vocabulary to check against).
void check_token_ids(const TokenSet& set, std::int64_t vocab_size);

}  // namespace flipguard::data
