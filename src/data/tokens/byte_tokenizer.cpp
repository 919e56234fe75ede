#include "data/tokens/byte_tokenizer.hpp"

#include "data/data_error.hpp"

namespace flipguard::data {

ByteTokenizer::ByteTokenizer(bool with_end_of_text)
    : end_of_text_(with_end_of_text ? std::optional<std::int64_t>(kEndOfText) : std::nullopt),
      name_(with_end_of_text ? "bytes+eot" : "bytes") {}

std::vector<std::int64_t> ByteTokenizer::encode(std::string_view text) const {
  std::vector<std::int64_t> ids(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) ids[i] = static_cast<unsigned char>(text[i]);
  return ids;
}

std::string ByteTokenizer::decode(const std::vector<std::int64_t>& ids) const {
  std::string text;
  text.reserve(ids.size());
  for (std::int64_t id : ids) {
    if (id >= 0 && id < 256)
      text += static_cast<char>(id);
    else if (!end_of_text_ || id != *end_of_text_)
      throw DataError(name_ + ": token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                      std::to_string(vocab_size()) + ")");
  }
  return text;
}

}  // namespace flipguard::data
