// The added tokens of a tokenizer.json (special tokens such as "<|endoftext|>"): matched literally in the raw
// text before pre-tokenization, as Hugging Face tokenizers does, so the text between them is encoded on its
// own. Where several start at one place the longest wins; lstrip / rstrip take the white space before / after
// a match into it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flipguard::data {

struct AddedToken {
  std::string content;
  std::int64_t id = 0;
  bool lstrip = false, rstrip = false;
};

class AddedTokenMatcher {
 public:
  explicit AddedTokenMatcher(std::vector<AddedToken> tokens);

  struct Piece {
    std::string_view text;           // a stretch of plain text (not empty), or the matched text of a token
    std::optional<std::int64_t> id;  // the added token's id; nullopt for plain text
  };
  // `text` cut at each added token, in order.
  std::vector<Piece> split(std::string_view text) const;

  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  std::vector<AddedToken> tokens_;
  std::vector<std::vector<std::size_t>> by_first_byte_;  // 256 lists of indices into tokens_, longest first
};

}  // namespace flipguard::data
