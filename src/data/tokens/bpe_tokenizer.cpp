#include "data/tokens/bpe_tokenizer.hpp"

#include <algorithm>
#include <queue>

#include "data/data_error.hpp"
#include "data/tokens/byte_level_alphabet.hpp"
#include "data/tokens/gpt2_pretokenizer.hpp"
#include "platform/utf8.hpp"

namespace flipguard::data {

namespace {

constexpr std::size_t kCacheEntries = 1 << 17;  // cleared when full: a bound on memory, not an LRU
constexpr std::size_t kCachedPieceBytes = 256;  // longer pieces (long runs of white space) are not cached

std::uint64_t pair_key(std::int32_t left, std::int32_t right) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
         static_cast<std::uint32_t>(right);
}

std::string byte_hex(char c) {
  static const char* hex = "0123456789abcdef";
  const auto b = static_cast<unsigned char>(c);
  return std::string("0x") + hex[b >> 4] + hex[b & 15];
}

}  // namespace

BpeTokenizer::BpeTokenizer(const std::filesystem::path& tokenizer_json, const BpeOptions& options)
    : BpeTokenizer(read_tokenizer_json(tokenizer_json), options) {}

BpeTokenizer::BpeTokenizer(const BpeSpec& spec, const BpeOptions& options)
    : name_("bpe " + spec.source),
      source_(spec.source),
      added_(spec.added),
      add_prefix_space_(spec.add_prefix_space),
      use_regex_(spec.use_regex),
      ignore_merges_(spec.ignore_merges) {
  std::int64_t size = 0;
  const auto check_id = [&](std::int64_t id, const std::string& token) {
    if (id < 0 || id > INT32_MAX)
      throw DataError(source_ + ": token '" + shown_token(token) + "' has id " + std::to_string(id) +
                      ", outside [0, 2^31)");
    size = std::max(size, id + 1);
  };
  for (const auto& [token, id] : spec.vocab) check_id(id, token);
  for (const AddedToken& t : spec.added) check_id(t.id, t.content);
  id_bytes_.resize(static_cast<std::size_t>(size));

  vocab_.reserve(spec.vocab.size());
  for (const auto& [token, id] : spec.vocab) {
    if (!vocab_.emplace(token, static_cast<std::int32_t>(id)).second)
      throw DataError(source_ + ": model.vocab: token '" + shown_token(token) + "' appears twice");
    // A token outside the byte-level alphabet cannot come out of BPE; it decodes to its own text.
    id_bytes_[static_cast<std::size_t>(id)] = alphabet_to_bytes(token).value_or(token);
  }
  for (const AddedToken& t : spec.added) id_bytes_[static_cast<std::size_t>(t.id)] = t.content;

  for (int b = 0; b < 256; ++b) {
    const auto it = vocab_.find(bytes_to_alphabet(std::string(1, static_cast<char>(b))));
    byte_ids_[b] = it == vocab_.end() ? -1 : it->second;
  }
  if (spec.unk_token) {
    const auto it = vocab_.find(*spec.unk_token);
    if (it == vocab_.end())
      throw DataError(source_ + ": model.unk_token: '" + shown_token(*spec.unk_token) +
                      "' is not in model.vocab");
    unk_ = it->second;
  }

  merges_.reserve(spec.merges.size());
  for (std::size_t rank = 0; rank < spec.merges.size(); ++rank) {
    const auto& [left, right] = spec.merges[rank];
    const std::string field =
        "model.merges[" + std::to_string(rank) + "] ('" + shown_token(left) + " " + shown_token(right) + "')";
    const auto l = vocab_.find(left), r = vocab_.find(right), m = vocab_.find(left + right);
    if (l == vocab_.end())
      throw DataError(source_ + ": " + field + ": '" + shown_token(left) + "' is not in model.vocab");
    if (r == vocab_.end())
      throw DataError(source_ + ": " + field + ": '" + shown_token(right) + "' is not in model.vocab");
    if (m == vocab_.end())
      throw DataError(source_ + ": " + field + ": the merged token '" + shown_token(left + right) +
                      "' is not in model.vocab");
    // A merge listed twice keeps its later rank, as GPT-2's encoder and Hugging Face tokenizers do.
    merges_.insert_or_assign(pair_key(l->second, r->second),
                             Merge{static_cast<std::int32_t>(rank), m->second});
  }

  if (!options.end_of_text.empty()) {
    end_of_text_ = token_id(options.end_of_text);
    if (!end_of_text_)
      throw DataError(source_ + ": the end-of-text token '" + shown_token(options.end_of_text) +
                      "' is neither in added_tokens nor in model.vocab");
  } else {
    for (const char* candidate : {"<|endoftext|>", "<|end_of_text|>", "</s>"})
      if ((end_of_text_ = token_id(candidate))) break;
  }
}

std::optional<std::int64_t> BpeTokenizer::token_id(const std::string& token) const {
  for (const AddedToken& t : added_.tokens())
    if (t.content == token) return t.id;
  const auto it = vocab_.find(token);
  if (it != vocab_.end()) return it->second;
  return std::nullopt;
}

std::vector<std::int32_t> BpeTokenizer::merge(std::string_view piece) const {
  // The symbols as a linked list, and every adjacent pair that a merge applies to in a queue ordered by rank,
  // then position; a queued pair whose symbols changed since is skipped when it comes up.
  struct Symbol {
    std::int32_t id;
    int prev, next;  // -1: none
  };
  std::vector<Symbol> symbols;
  symbols.reserve(piece.size());
  for (std::size_t i = 0; i < piece.size(); ++i) {
    std::int32_t id = byte_ids_[static_cast<unsigned char>(piece[i])];
    if (id < 0) {
      if (!unk_)
        throw DataError(source_ + ": byte " + byte_hex(piece[i]) +
                        " has no token in model.vocab, and there is no model.unk_token");
      id = *unk_;
    }
    symbols.push_back({id, static_cast<int>(i) - 1, i + 1 < piece.size() ? static_cast<int>(i) + 1 : -1});
  }
  struct Candidate {
    std::int32_t rank;
    int pos;
    std::int32_t left, right;
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
  const auto push = [&](int pos) {
    if (pos < 0 || symbols[pos].next < 0) return;
    const std::int32_t left = symbols[pos].id, right = symbols[symbols[pos].next].id;
    const auto it = merges_.find(pair_key(left, right));
    if (it != merges_.end()) queue.push({it->second.rank, pos, left, right});
  };
  for (int i = 0; i + 1 < static_cast<int>(symbols.size()); ++i) push(i);
  std::vector<bool> dead(symbols.size(), false);
  while (!queue.empty()) {
    const Candidate c = queue.top();
    queue.pop();
    Symbol& s = symbols[c.pos];
    if (dead[c.pos] || s.next < 0 || s.id != c.left || symbols[s.next].id != c.right) continue;
    const int gone = s.next;
    s.id = merges_.at(pair_key(c.left, c.right)).result;
    s.next = symbols[gone].next;
    if (s.next >= 0) symbols[s.next].prev = c.pos;
    dead[gone] = true;
    push(s.prev);
    push(c.pos);
  }
  std::vector<std::int32_t> ids;
  for (int i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[i].next) ids.push_back(symbols[i].id);
  return ids;
}

std::vector<std::int32_t> BpeTokenizer::encode_piece(std::string_view piece) const {
  const bool cached = piece.size() <= kCachedPieceBytes;
  const std::string key(cached ? piece : std::string_view());
  if (cached) {
    const std::lock_guard lock(cache_mutex_);
    const auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
  }
  std::vector<std::int32_t> ids;
  if (ignore_merges_) {
    const auto it = vocab_.find(bytes_to_alphabet(piece));
    if (it != vocab_.end()) ids = {it->second};
  }
  if (ids.empty()) ids = merge(piece);
  if (cached) {
    const std::lock_guard lock(cache_mutex_);
    if (cache_.size() >= kCacheEntries) cache_.clear();
    cache_.emplace(key, ids);
  }
  return ids;
}

std::vector<std::int64_t> BpeTokenizer::encode(std::string_view text) const {
  if (const std::size_t bad = platform::invalid_utf8_at(text); bad != std::string_view::npos)
    throw DataError(name_ + ": the text is not UTF-8 at byte offset " + std::to_string(bad));
  std::vector<std::int64_t> ids;
  std::string prefixed;
  for (const auto& part : added_.split(text)) {
    if (part.id) {
      ids.push_back(*part.id);
      continue;
    }
    std::string_view plain = part.text;
    if (add_prefix_space_ && plain.front() != ' ') {
      prefixed = " " + std::string(plain);
      plain = prefixed;
    }
    const auto add = [&](std::string_view piece) {
      for (std::int32_t id : encode_piece(piece)) ids.push_back(id);
    };
    if (use_regex_)
      for_each_gpt2_piece(plain, add);
    else
      add(plain);
  }
  return ids;
}

std::string BpeTokenizer::decode(const std::vector<std::int64_t>& ids) const {
  std::string text;
  for (std::int64_t id : ids) {
    if (id < 0 || id >= vocab_size() || !id_bytes_[static_cast<std::size_t>(id)])
      throw DataError(name_ + ": token id " + std::to_string(id) + " is not in the vocabulary");
    text += *id_bytes_[static_cast<std::size_t>(id)];
  }
  return text;
}

}  // namespace flipguard::data
