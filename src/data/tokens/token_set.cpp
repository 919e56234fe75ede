#include "data/tokens/token_set.hpp"

#include "data/data_error.hpp"
#include "hashing/fnv1a.hpp"

namespace flipguard::data {

std::string token_content_hash(const std::vector<std::int64_t>& ids, std::size_t rows, std::size_t seq_len) {
  const std::uint64_t shape[2] = {rows, seq_len};
  std::uint64_t h = hashing::fnv1a(hashing::kFnvOffset, shape, sizeof shape);
  h = hashing::fnv1a(h, ids.data(), ids.size() * sizeof(std::int64_t));  // little-endian host
  return hashing::hex16(h);
}

void check_token_ids(const TokenSet& set, std::int64_t vocab_size) {
  if (vocab_size <= 0) return;
  for (std::size_t i = 0; i < set.ids.size(); ++i) {
    const std::int64_t id = set.ids[i];
    if (id >= 0 && id < vocab_size) continue;
    throw DataError(set.source + ": token id " + std::to_string(id) + " at row " +
                    std::to_string(i / set.seq_len) + ", column " + std::to_string(i % set.seq_len) +
                    " is outside the vocabulary [0, " + std::to_string(vocab_size) + ")");
  }
}

}  // namespace flipguard::data
