// GPT-2's pre-tokenizer: the pieces that BPE then encodes one at a time, as GPT-2's regex
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// splits text, implemented over UTF-8 code points (std::regex has no \p{L}) with the classes of
// unicode_classes.hpp. A run of white space before a word keeps its last space for the word (" b" in "a  b").
#pragma once

#include <functional>
#include <string_view>
#include <vector>

namespace flipguard::data {

// Calls `piece` with each piece of `text` in order; the pieces cover the text exactly. `text` must be valid
// UTF-8 (the caller checks). Memory does not grow with the text.
void for_each_gpt2_piece(std::string_view text, const std::function<void(std::string_view)>& piece);

// The pieces as a list.
std::vector<std::string_view> gpt2_split(std::string_view text);

}  // namespace flipguard::data
