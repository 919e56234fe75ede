#include "data/codecs/npy_array.hpp"

#include <cctype>
#include <cstring>
#include <map>
#include <string_view>

#include "data/data_error.hpp"

namespace flipguard::data {

std::int64_t NpyArray::elements() const {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;  // bounded when parsed: the product fits the file
  return n;
}

std::string NpyArray::dtype() const {
  if (kind == 'b') return "bool";
  const std::string base = kind == 'f' ? "float" : kind == 'i' ? "int" : "uint";
  return base + std::to_string(8 * item_bytes);
}

std::string NpyArray::shape_text() const {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

namespace {

constexpr std::size_t kMagicBytes = 6;  // "\x93NUMPY"

// The header is a Python dict literal with exactly the keys descr, fortran_order and shape, e.g.
// {'descr': '<f4', 'fortran_order': False, 'shape': (10, 3, 32, 32), }
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  std::map<std::string, std::string> parse() {
    std::map<std::string, std::string> fields;
    expect('{');
    for (;;) {
      skip_blanks();
      if (peek() == '}') break;
      const std::string key = quoted();
      expect(':');
      skip_blanks();
      std::string value;
      if (peek() == '\'' || peek() == '"')
        value = quoted();
      else if (peek() == '(')
        value = tuple();
      else
        value = word();
      if (!fields.emplace(key, value).second) fail("key '" + key + "' appears twice");
      skip_blanks();
      if (peek() == ',') {
        ++at_;
        continue;
      }
      if (peek() != '}') fail("expected ',' or '}'");
    }
    ++at_;
    skip_blanks();
    if (at_ != text_.size()) fail("text after the closing '}'");
    return fields;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw DataError(source_ + ": not a valid .npy header (" + what + ")");
  }

 private:
  char peek() const { return at_ < text_.size() ? text_[at_] : '\0'; }
  void skip_blanks() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\t')) ++at_;
  }
  void expect(char c) {
    skip_blanks();
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++at_;
  }
  std::string quoted() {
    skip_blanks();
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted key");
    const std::size_t end = text_.find(q, at_ + 1);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string s(text_.substr(at_ + 1, end - at_ - 1));
    at_ = end + 1;
    return s;
  }
  std::string tuple() {
    const std::size_t end = text_.find(')', at_);
    if (end == std::string_view::npos) fail("unterminated shape tuple");
    std::string s(text_.substr(at_, end - at_ + 1));
    at_ = end + 1;
    return s;
  }
  std::string word() {
    const std::size_t start = at_;
    while (at_ < text_.size() && std::isalnum(static_cast<unsigned char>(text_[at_]))) ++at_;
    if (start == at_) fail("expected a value");
    return std::string(text_.substr(start, at_ - start));
  }

  std::string_view text_;
  const std::string& source_;
  std::size_t at_ = 0;
};

std::vector<std::int64_t> parse_shape(const std::string& tuple, const HeaderParser& p) {
  std::vector<std::int64_t> shape;
  std::string_view s(tuple);
  s.remove_prefix(1);  // '('
  s.remove_suffix(1);  // ')'
  for (;;) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    if (s.empty()) break;
    std::int64_t v = 0;
    std::size_t digits = 0;
    while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') {
      if (v > (std::int64_t{1} << 50)) p.fail("a dimension of the shape is too large");
      v = v * 10 + (s[digits] - '0');
      ++digits;
    }
    if (digits == 0) p.fail("shape " + tuple + " is not a tuple of non-negative integers");
    shape.push_back(v);
    s.remove_prefix(digits);
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    if (s.empty()) break;
    if (s.front() != ',') p.fail("shape " + tuple + " is not a tuple of non-negative integers");
    s.remove_prefix(1);
  }
  return shape;
}

}  // namespace

NpyArray parse_npy(std::vector<std::uint8_t> bytes, const std::string& source) {
  if (bytes.size() < kMagicBytes + 4 || std::memcmp(bytes.data(), "\x93NUMPY", kMagicBytes) != 0)
    throw DataError(source + ": not a .npy file (no \\x93NUMPY magic)");
  const int major = bytes[6];
  std::size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = bytes[8] | (std::size_t{bytes[9]} << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw DataError(source + ": truncated .npy header");
    header_len = bytes[8] | (std::size_t{bytes[9]} << 8) | (std::size_t{bytes[10]} << 16) |
                 (std::size_t{bytes[11]} << 24);
    header_start = 12;
  } else {
    throw DataError(source + ": .npy format version " + std::to_string(major) + "." +
                    std::to_string(bytes[7]) + " is not supported (1.0, 2.0, 3.0)");
  }
  if (header_len > bytes.size() - header_start)
    throw DataError(source + ": truncated .npy file (the header says " + std::to_string(header_len) +
                    " header bytes, the file has " + std::to_string(bytes.size()) + " bytes in all)");
  const std::string_view header(reinterpret_cast<const char*>(bytes.data() + header_start), header_len);
  HeaderParser parser(header, source);
  auto fields = parser.parse();
  for (const char* key : {"descr", "fortran_order", "shape"})
    if (!fields.count(key)) parser.fail(std::string("no '") + key + "' key");
  if (fields.size() != 3) parser.fail("keys other than descr, fortran_order and shape");

  NpyArray a;
  const std::string& descr = fields["descr"];
  if (descr.size() >= 2 && descr[1] == 'O')
    throw DataError(
        source + ": dtype object ('" + descr +
        "'): the array holds pickled Python objects, not numbers (a ragged array, whose rows differ "
        "in length, is saved so)");
  if (descr.size() < 3) throw DataError(source + ": dtype '" + descr + "' is not a plain number type");
  const char order = descr[0], kind = descr[1];
  const std::string size_text = descr.substr(2);
  if (size_text != "1" && size_text != "2" && size_text != "4" && size_text != "8")
    throw DataError(source + ": dtype '" + descr + "' is not a plain number type");
  a.item_bytes = std::stoi(size_text);
  if (kind != 'f' && kind != 'i' && kind != 'u' && kind != 'b')
    throw DataError(source + ": dtype '" + descr + "' is not a number type (float, int, uint or bool)");
  a.kind = kind;
  if (order == '>' && a.item_bytes > 1)
    throw DataError(source + ": dtype '" + descr +
                    "' is big-endian; save it little-endian (arr.astype(arr.dtype.newbyteorder('<')))");
  if (order != '<' && order != '|' && order != '>' && order != '=')
    throw DataError(source + ": dtype '" + descr + "' has an unknown byte order");
  if (fields["fortran_order"] == "True")
    throw DataError(source +
                    ": the array is stored in Fortran order; save np.ascontiguousarray(arr) instead");
  if (fields["fortran_order"] != "False") parser.fail("fortran_order is neither True nor False");
  const std::string& shape = fields["shape"];
  if (shape.empty() || shape.front() != '(') parser.fail("shape is not a tuple");
  a.shape = parse_shape(shape, parser);

  // The element count must match the bytes that follow exactly: a shorter file is truncated, a longer one
  // is not what the header describes.
  const std::size_t data_start = header_start + header_len;
  const std::size_t available = bytes.size() - data_start;
  std::size_t expected = static_cast<std::size_t>(a.item_bytes);
  for (std::int64_t d : a.shape)
    if (__builtin_mul_overflow(expected, static_cast<std::size_t>(d), &expected))
      throw DataError(source + ": shape " + a.shape_text() + " is too large");
  if (available < expected)
    throw DataError(source + ": truncated: shape " + a.shape_text() + " of " + a.dtype() + " needs " +
                    std::to_string(expected) + " data bytes, the file has " + std::to_string(available));
  if (available > expected)
    throw DataError(source + ": " + std::to_string(available - expected) +
                    " bytes after the data that the header's shape " + a.shape_text() + " does not cover");
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(data_start));
  a.data = std::move(bytes);
  return a;
}

}  // namespace flipguard::data
