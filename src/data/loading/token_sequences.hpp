// Token rows as the sequences a causal language model is scored on. A row of seq_len + 1 ids is read as
// seq_len inputs whose every position predicts the id after it (the last id is only a target): windows cut
// with stride seq_len then score every id after the stream's first exactly once, as PyTorch's usual
// perplexity loop does. A row of exactly seq_len ids is read whole, its last position predicting nothing.
// Other lengths are a DataError naming the source. Each sequence's content hash covers its ids and targets.
#pragma once

#include <cstddef>

#include "data/datasets/subset.hpp"
#include "data/loading/batch_loader.hpp"
#include "data/tokens/token_set.hpp"

namespace flipguard::data {

// The rows of `set` chosen by `subset` (all by default), in subset order, for a model reading seq_len ids.
// Indices are the rows' indices in `set`.
PreprocessedSet token_sequences(const TokenSet& set, std::size_t seq_len, const Subset& subset = {});

}  // namespace flipguard::data
