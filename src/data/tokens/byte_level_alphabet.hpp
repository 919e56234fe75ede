// GPT-2's byte-to-unicode table (bytes_to_unicode in its encoder.py): each of the 256 bytes is written as one
// printable character, so BPE vocabularies are text. Printable Latin-1 bytes ('!'..'~', U+00A1..U+00AC,
// U+00AE..U+00FF) stand for themselves; the other 68 bytes are U+0100 and up in byte order (space is U+0120,
// 'Ġ').
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flipguard::data {

char32_t byte_to_unicode(std::uint8_t byte);
std::optional<std::uint8_t> unicode_to_byte(char32_t c);

// The alphabet's text for `bytes`: each byte as its character, in UTF-8.
std::string bytes_to_alphabet(std::string_view bytes);
// The bytes a token written in the alphabet stands for; nullopt when `token` (UTF-8) holds a character
// outside the alphabet (a special token such as "<|endoftext|>" is inside it: all its characters are
// printable ASCII).
std::optional<std::string> alphabet_to_bytes(std::string_view token);

}  // namespace flipguard::data
