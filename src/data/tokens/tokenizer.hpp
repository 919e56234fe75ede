// What turns text into token ids for a language model: the byte tokenizer (byte_tokenizer.hpp) and byte-level
// BPE read from a Hugging Face tokenizer.json (bpe_tokenizer.hpp). Implementations are immutable after
// construction and safe to call from several threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flipguard::data {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // The ids of `text`. A tokenizer that needs_utf8() throws a DataError for text that is not UTF-8.
  virtual std::vector<std::int64_t> encode(std::string_view text) const = 0;
  // The text of `ids` (bytes, which need not be UTF-8 when ids split a character); an unknown id is a
  // DataError.
  virtual std::string decode(const std::vector<std::int64_t>& ids) const = 0;
  // One past the largest id encode can give.
  virtual std::int64_t vocab_size() const = 0;
  // "bytes", or "bpe <file>", for messages and records.
  virtual const std::string& name() const = 0;
  // The id written between documents, if the tokenizer has one.
  virtual std::optional<std::int64_t> end_of_text() const = 0;
  // Whether encode reads its text as UTF-8 (and so refuses other bytes).
  virtual bool needs_utf8() const = 0;
};

}  // namespace flipguard::data
