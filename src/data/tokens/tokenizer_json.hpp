// What flipguard reads from a Hugging Face tokenizer.json: a byte-level BPE model (GPT-2, GPT-J, OPT,
// RoBERTa, Phi and others export one): "model" {"type": "BPE", "vocab", "merges" (as "a b" strings, or as
// ["a", "b"] pairs in the newer format)}, "pre_tokenizer" ByteLevel (alone or the only member of a Sequence),
// and the "added_tokens". What would change the ids and is not implemented is refused with a DataError naming
// the file and the field: another model type (WordPiece, Unigram, WordLevel), byte_fallback
// (SentencePiece-style BPE as in Llama 2), dropout, subword prefixes or suffixes, a normalizer, another
// pre-tokenizer (e.g. the Split of Llama 3 or Qwen2), single_word added tokens. The post_processor (e.g.
// OPT's BOS) is not applied.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "data/tokens/added_tokens.hpp"

namespace flipguard::data {

struct BpeSpec {
  std::string source;                                       // the file, for messages
  std::vector<std::pair<std::string, std::int64_t>> vocab;  // token (in the byte-level alphabet) and its id
  std::vector<std::pair<std::string, std::string>> merges;  // by rank, highest priority first
  std::vector<AddedToken> added;
  std::optional<std::string> unk_token;
  bool add_prefix_space = false;  // ByteLevel: a space before text that does not start with one
  bool use_regex = true;          // ByteLevel: GPT-2's split (otherwise the whole text is one piece)
  bool ignore_merges = false;     // model: a piece that is a whole vocabulary token is taken as it is
};

BpeSpec read_tokenizer_json(const std::filesystem::path& path);

// The same from the JSON text; `source` names it in errors.
BpeSpec parse_tokenizer_json(std::string_view json_text, const std::string& source);

// A token as error messages show it: control bytes written \xHH, so a message stays one line.
std::string shown_token(std::string_view token);

}  // namespace flipguard::data
