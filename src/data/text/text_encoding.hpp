// What the bytes of a user's text file (list file, classes file, labels CSV, sidecar) mean: UTF-8, with or
// without a byte-order mark (Windows editors write one), or UTF-16 with its byte-order mark (Notepad's
// "Unicode"), decoded to UTF-8. Anything else is refused naming "file:line" rather than read as garbage:
// bytes that are not UTF-8, or a NUL byte (which would cut a C string, and so a message, short).
#pragma once

#include <string>
#include <string_view>

namespace flipguard::data {

// The text of `bytes` as UTF-8 without a byte-order mark; line breaks are left as they are (\r\n included).
// Throws DataError "<name>:<line>: ..." for text that is not UTF-8 or UTF-16, or holds a NUL.
std::string decode_text(std::string_view bytes, const std::string& name);

}  // namespace flipguard::data
