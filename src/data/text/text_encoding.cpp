#include "data/text/text_encoding.hpp"

#include <algorithm>
#include <cstdint>

#include "data/data_error.hpp"
#include "platform/utf8.hpp"

namespace flipguard::data {

namespace {

std::string line_of(std::string_view text, std::size_t at) {
  return std::to_string(1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// UTF-16 code units after the byte-order mark, to UTF-8; a lone surrogate or an odd byte is an error.
std::string from_utf16(std::string_view bytes, bool big_endian, const std::string& name) {
  const auto unit = [&](std::size_t i) {
    const auto a = static_cast<unsigned char>(bytes[i]), b = static_cast<unsigned char>(bytes[i + 1]);
    return static_cast<std::uint32_t>(big_endian ? (a << 8 | b) : (b << 8 | a));
  };
  const char* form = big_endian ? "UTF-16 BE" : "UTF-16 LE";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 2) {
    const auto where = [&] { return name + ":" + line_of(out, out.size()) + ": " + form + " text "; };
    if (i + 1 >= bytes.size()) throw DataError(where() + "ends in half a character (an odd number of bytes)");
    std::uint32_t cp = unit(i);
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 3 < bytes.size() && unit(i + 2) >= 0xDC00 &&
        unit(i + 2) <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (unit(i + 2) - 0xDC00);
      i += 2;
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
      throw DataError(where() + "holds an unpaired surrogate; save it as UTF-8");
    }
    append_utf8(out, cp);
  }
  return out;
}

}  // namespace

std::string decode_text(std::string_view bytes, const std::string& name) {
  std::string text;
  const auto starts = [&](std::string_view bom) { return bytes.substr(0, bom.size()) == bom; };
  if (starts("\xEF\xBB\xBF"))
    text = bytes.substr(3);
  else if (starts("\xFF\xFE"))
    text = from_utf16(bytes.substr(2), false, name);
  else if (starts("\xFE\xFF"))
    text = from_utf16(bytes.substr(2), true, name);
  else
    text = bytes;
  if (const std::size_t at = text.find('\0'); at != std::string::npos)
    throw DataError(
        name + ":" + line_of(text, at) +
        ": holds a NUL byte, which text does not (UTF-16 text needs its byte-order mark; save the "
        "file as UTF-8)");
  if (const std::size_t at = platform::invalid_utf8_at(text); at != std::string_view::npos)
    throw DataError(name + ":" + line_of(text, at) + ": not valid UTF-8 (byte " + std::to_string(at) +
                    "); save the file as UTF-8");
  return text;
}

}  // namespace flipguard::data
