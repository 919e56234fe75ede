#include "data/tokens/byte_level_alphabet.hpp"

#include <array>

namespace flipguard::data {

namespace {

bool printable(unsigned b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

std::array<char32_t, 256> make_table() {
  std::array<char32_t, 256> table{};
  char32_t next = 0x100;
  for (unsigned b = 0; b < 256; ++b) table[b] = printable(b) ? char32_t(b) : next++;
  return table;
}

const std::array<char32_t, 256> kTable = make_table();

void append_utf8(std::string& out, char32_t c) {  // c < U+0800 in the alphabet
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

}  // namespace

char32_t byte_to_unicode(std::uint8_t byte) {
  return kTable[byte];
}

std::optional<std::uint8_t> unicode_to_byte(char32_t c) {
  if (c < 0x100)
    return printable(c) ? std::optional<std::uint8_t>(static_cast<std::uint8_t>(c)) : std::nullopt;
  if (c >= 0x100 + 68) return std::nullopt;
  for (unsigned b = 0; b < 256; ++b)
    if (kTable[b] == c) return static_cast<std::uint8_t>(b);
  return std::nullopt;
}

std::string bytes_to_alphabet(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char b : bytes) append_utf8(out, kTable[static_cast<unsigned char>(b)]);
  return out;
}

std::optional<std::string> alphabet_to_bytes(std::string_view token) {
  std::string out;
  for (std::size_t i = 0; i < token.size();) {
    const auto b = static_cast<unsigned char>(token[i]);
    char32_t c = 0;
    if (b < 0x80) {
      c = b;
      i += 1;
    } else if ((b & 0xE0) == 0xC0 && i + 1 < token.size()) {
      c = (char32_t(b & 0x1F) << 6) | (static_cast<unsigned char>(token[i + 1]) & 0x3F);
      i += 2;
    } else {
      return std::nullopt;  // three- and four-byte characters are all outside the alphabet
    }
    const auto byte = unicode_to_byte(c);
    if (!byte) return std::nullopt;
    out += static_cast<char>(*byte);
  }
  return out;
}

}  // namespace flipguard::data
