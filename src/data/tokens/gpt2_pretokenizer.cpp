#include "data/tokens/gpt2_pretokenizer.hpp"

#include "data/tokens/unicode_classes.hpp"

namespace flipguard::data {

namespace {

enum class CharClass { kLetter, kNumber, kSpace, kOther, kEnd };

// Reads code points of valid UTF-8 (checked by the caller, so no sequence needs checking here) by byte
// offset.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  // The code point at byte `pos` and its length in bytes.
  char32_t code_point(std::size_t pos, std::size_t& length) const {
    const auto b = static_cast<unsigned char>(text_[pos]);
    length = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    char32_t c = length == 1 ? b : length == 2 ? b & 0x1F : length == 3 ? b & 0x0F : b & 0x07;
    for (std::size_t k = 1; k < length && pos + k < text_.size(); ++k)
      c = (c << 6) | (static_cast<unsigned char>(text_[pos + k]) & 0x3F);
    return c;
  }
  std::size_t next(std::size_t pos) const {
    std::size_t length = 0;
    code_point(pos, length);
    return pos + length;
  }
  CharClass class_at(std::size_t pos) const {
    if (pos >= text_.size()) return CharClass::kEnd;
    const auto b = static_cast<unsigned char>(text_[pos]);
    if (b < 0x80) {  // ASCII without the tables
      if ((b | 0x20) >= 'a' && (b | 0x20) <= 'z') return CharClass::kLetter;
      if (b >= '0' && b <= '9') return CharClass::kNumber;
      if (b == ' ' || (b >= '\t' && b <= '\r')) return CharClass::kSpace;
      return CharClass::kOther;
    }
    std::size_t length = 0;
    const char32_t c = code_point(pos, length);
    return is_letter(c)       ? CharClass::kLetter
           : is_number(c)     ? CharClass::kNumber
           : is_whitespace(c) ? CharClass::kSpace
                              : CharClass::kOther;
  }
  // The end of the run of `cls` code points from `pos`.
  std::size_t run_end(std::size_t pos, CharClass cls) const {
    while (pos < text_.size() && class_at(pos) == cls) pos = next(pos);
    return pos;
  }

 private:
  std::string_view text_;
};

// The end of the contraction 's 't 're 've 'm 'll 'd starting at `i`, or `i`.
std::size_t contraction(std::string_view text, std::size_t i) {
  if (text[i] != '\'' || i + 1 >= text.size()) return i;
  const char a = text[i + 1];
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return i + 2;
  if (i + 2 >= text.size()) return i;
  const char b = text[i + 2];
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return i + 3;
  return i;
}

}  // namespace

void for_each_gpt2_piece(std::string_view text, const std::function<void(std::string_view)>& piece) {
  const Cursor cur(text);
  for (std::size_t i = 0; i < text.size();) {
    std::size_t end = contraction(text, i);
    if (end == i) {
      // " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+": one optional U+0020, then a run of one class.
      const std::size_t j = text[i] == ' ' && i + 1 < text.size() ? i + 1 : i;
      const CharClass cls = cur.class_at(j);
      if (cls != CharClass::kSpace) {
        end = cur.run_end(j, cls);
      } else {
        // "\s+(?!\S)" then "\s+": a run of white space, less its last character when a non-space follows
        // (that character then starts the next piece, as " word"), unless the run is that one character.
        std::size_t last = i, k = i;
        while (k < text.size() && cur.class_at(k) == CharClass::kSpace) {
          last = k;
          k = cur.next(k);
        }
        end = k == text.size() || last == i ? k : last;
      }
    }
    piece(text.substr(i, end - i));
    i = end;
  }
}

std::vector<std::string_view> gpt2_split(std::string_view text) {
  std::vector<std::string_view> pieces;
  for_each_gpt2_piece(text, [&](std::string_view p) { pieces.push_back(p); });
  return pieces;
}

}  // namespace flipguard::data
