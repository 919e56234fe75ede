// UTF-8 checks for text that must be UTF-8 (TOML, JSON, list files) and for bytes that need not be (file
// names on Linux are any bytes but '/' and NUL).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace flipguard::platform {

// Position of the first byte that does not start a valid UTF-8 sequence (overlong forms, surrogates and code
// points past U+10FFFF included), or npos.
std::size_t invalid_utf8_at(std::string_view s);

// `s` itself when it is valid UTF-8 (so identities and records of ordinary names never change); otherwise
// each backslash doubled and each byte outside a valid sequence written as \xHH, so the text can go where
// only UTF-8 may (JSON) and still say exactly which bytes a file name holds. unescape_bytes reverses it.
std::string utf8_or_escaped(std::string_view s);

// The bytes utf8_or_escaped escaped: "\\" is one backslash, "\xHH" the byte HH, anything else itself.
std::string unescape_bytes(std::string_view s);

}  // namespace flipguard::platform
