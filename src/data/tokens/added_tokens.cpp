#include "data/tokens/added_tokens.hpp"

#include <algorithm>

#include "data/tokens/unicode_classes.hpp"

namespace flipguard::data {

namespace {

// The length of the white space character ending at `end` (UTF-8), or 0.
std::size_t space_before(std::string_view text, std::size_t end) {
  std::size_t start = end;
  while (start > 0 && (static_cast<unsigned char>(text[start - 1]) & 0xC0) == 0x80) --start;
  if (start == 0) return 0;
  --start;
  char32_t c = static_cast<unsigned char>(text[start]);
  const std::size_t n = end - start;
  if (n > 1) {
    c &= n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07;
    for (std::size_t k = start + 1; k < end; ++k) c = (c << 6) | (static_cast<unsigned char>(text[k]) & 0x3F);
  }
  return is_whitespace(c) ? n : 0;
}

// The length of the white space character starting at `start` (UTF-8), or 0.
std::size_t space_after(std::string_view text, std::size_t start) {
  if (start >= text.size()) return 0;
  const auto b = static_cast<unsigned char>(text[start]);
  const std::size_t n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  if (start + n > text.size()) return 0;
  char32_t c = n == 1 ? b : n == 2 ? b & 0x1F : n == 3 ? b & 0x0F : b & 0x07;
  for (std::size_t k = start + 1; k < start + n; ++k)
    c = (c << 6) | (static_cast<unsigned char>(text[k]) & 0x3F);
  return is_whitespace(c) ? n : 0;
}

}  // namespace

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedToken> tokens)
    : tokens_(std::move(tokens)), by_first_byte_(256) {
  for (std::size_t i = 0; i < tokens_.size(); ++i)
    if (!tokens_[i].content.empty())
      by_first_byte_[static_cast<unsigned char>(tokens_[i].content[0])].push_back(i);
  for (auto& list : by_first_byte_)
    std::stable_sort(list.begin(), list.end(), [&](std::size_t a, std::size_t b) {
      return tokens_[a].content.size() > tokens_[b].content.size();
    });
}

std::vector<AddedTokenMatcher::Piece> AddedTokenMatcher::split(std::string_view text) const {
  std::vector<Piece> pieces;
  std::size_t plain = 0;  // start of the plain text not yet emitted
  for (std::size_t i = 0; i < text.size();) {
    const AddedToken* match = nullptr;
    for (std::size_t t : by_first_byte_[static_cast<unsigned char>(text[i])])
      if (text.substr(i, tokens_[t].content.size()) == tokens_[t].content) {
        match = &tokens_[t];
        break;
      }
    if (!match) {
      ++i;
      continue;
    }
    std::size_t start = i, end = i + match->content.size();
    if (match->lstrip)
      while (const std::size_t n = start > plain ? space_before(text, start) : 0) start -= n;
    if (match->rstrip)
      while (const std::size_t n = space_after(text, end)) end += n;
    if (start > plain) pieces.push_back({text.substr(plain, start - plain), std::nullopt});
    pieces.push_back({text.substr(start, end - start), match->id});
    plain = i = end;
  }
  if (plain < text.size()) pieces.push_back({text.substr(plain), std::nullopt});
  return pieces;
}

}  // namespace flipguard::data
