// The simplest tokenizer: each byte of the text is its own id (0..255), so any bytes are text and decode
// gives them back exactly. With an end-of-text id, that id is 256 and the vocabulary 257; without, 256.
#pragma once

#include "data/tokens/tokenizer.hpp"

namespace flipguard::data {

class ByteTokenizer : public Tokenizer {
 public:
  explicit ByteTokenizer(bool with_end_of_text = false);

  std::vector<std::int64_t> encode(std::string_view text) const override;
  std::string decode(
      const std::vector<std::int64_t>& ids) const override;  // the end-of-text id gives nothing
  std::int64_t vocab_size() const override { return end_of_text_ ? 257 : 256; }
  const std::string& name() const override { return name_; }
  std::optional<std::int64_t> end_of_text() const override { return end_of_text_; }
  bool needs_utf8() const override { return false; }

  static constexpr std::int64_t kEndOfText = 256;

 private:
  std::optional<std::int64_t> end_of_text_;
  std::string name_;
};

}  // namespace flipguard::data
