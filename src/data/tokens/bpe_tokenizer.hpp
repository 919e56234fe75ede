// Byte-level BPE as GPT-2 and the Hugging Face tokenizers library encode: added tokens are cut out of the
// text first (added_tokens.hpp), the rest split by GPT-2's pre-tokenizer (gpt2_pretokenizer.hpp), each
// piece's UTF-8 bytes written in the byte-level alphabet (byte_level_alphabet.hpp) and merged pair by pair,
// lowest merge rank first (leftmost first among equal ranks), until no listed merge applies. Pieces' ids are
// cached.
#pragma once

#include <filesystem>
#include <mutex>
#include <unordered_map>

#include "data/tokens/added_tokens.hpp"
#include "data/tokens/tokenizer.hpp"
#include "data/tokens/tokenizer_json.hpp"

namespace flipguard::data {

struct BpeOptions {
  // The token written between documents: empty picks the first of "<|endoftext|>", "<|end_of_text|>" and
  // "</s>" that the tokenizer has (added tokens, then the vocabulary), or none; a token named here must
  // exist.
  std::string end_of_text;
};

class BpeTokenizer : public Tokenizer {
 public:
  // Reads a tokenizer.json (tokenizer_json.hpp says what is accepted).
  explicit BpeTokenizer(const std::filesystem::path& tokenizer_json, const BpeOptions& options = {});
  // Checks the merges against the vocabulary: each side and its result must be vocabulary tokens.
  explicit BpeTokenizer(const BpeSpec& spec, const BpeOptions& options = {});

  std::vector<std::int64_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<std::int64_t>& ids) const override;
  std::int64_t vocab_size() const override { return static_cast<std::int64_t>(id_bytes_.size()); }
  const std::string& name() const override { return name_; }
  std::optional<std::int64_t> end_of_text() const override { return end_of_text_; }
  bool needs_utf8() const override { return true; }

  // The id of a vocabulary or added token given as written in tokenizer.json, if any.
  std::optional<std::int64_t> token_id(const std::string& token) const;

 private:
  struct Merge {
    std::int32_t rank, result;
  };
  // The ids of one pre-tokenized piece (raw bytes).
  std::vector<std::int32_t> encode_piece(std::string_view piece) const;
  std::vector<std::int32_t> merge(std::string_view piece) const;

  std::string name_, source_;
  std::unordered_map<std::string, std::int32_t> vocab_;  // as written in tokenizer.json
  std::unordered_map<std::uint64_t, Merge> merges_;      // (left id << 32 | right id)
  std::int32_t byte_ids_[256];                           // each byte's single-character token; -1 none
  std::optional<std::int32_t> unk_;
  std::vector<std::optional<std::string>> id_bytes_;  // what each id decodes to
  AddedTokenMatcher added_;
  bool add_prefix_space_ = false, use_regex_ = true, ignore_merges_ = false;
  std::optional<std::int64_t> end_of_text_;

  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<std::int32_t>> cache_;
};

}  // namespace flipguard::data
