#include "data/loading/token_sequences.hpp"

#include <string>

#include "data/data_error.hpp"
#include "hashing/fnv1a.hpp"

namespace flipguard::data {

PreprocessedSet token_sequences(const TokenSet& set, std::size_t seq_len, const Subset& subset) {
  if (seq_len == 0) throw DataError(set.source + ": a sequence length of 0");
  const bool shifted = set.seq_len == seq_len + 1;
  if (!shifted && set.seq_len != seq_len)
    throw DataError(set.source + ": rows of " + std::to_string(set.seq_len) +
                    " token ids, but the model reads " + std::to_string(seq_len) + " (rows of " +
                    std::to_string(seq_len) + " ids, or " + std::to_string(seq_len + 1) +
                    " whose last id is only a target, are read)");
  // Rows carry no classes: the subset is the first `limit` rows after `skip`.
  const std::vector<int> unlabelled(set.rows, -1);
  PreprocessedSet out;
  out.seq_len = seq_len;
  out.labelled = false;  // no class labels: the targets are the next ids
  out.indices = select_subset(unlabelled, 0, subset);
  const std::size_t n = out.indices.size();
  out.targets.assign(n, -1);
  out.tokens.resize(n * seq_len);
  out.next.resize(n * seq_len);
  out.content.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    const std::int64_t* row = set.row(out.indices[k]);
    std::int64_t* in = out.tokens.data() + k * seq_len;
    std::int64_t* next = out.next.data() + k * seq_len;
    for (std::size_t t = 0; t < seq_len; ++t) {
      in[t] = row[t];
      next[t] = t + 1 < set.seq_len ? row[t + 1] : -1;
    }
    std::uint64_t h = hashing::fnv1a(hashing::kFnvOffset, in, seq_len * sizeof(std::int64_t));
    out.content[k] = hashing::fnv1a(h, next, seq_len * sizeof(std::int64_t));
  }
  return out;
}

}  // namespace flipguard::data
