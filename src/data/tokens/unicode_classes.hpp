// The Unicode classes GPT-2's pre-tokenizer regex splits text by: \p{L} (letters), \p{N} (numbers) and \s
// (white space). Letters and numbers are the full general-category tables of one Unicode version (17.0, from
// Node.js's regex engine by scripts/reference/gen_unicode_classes.js), not an approximation: only characters
// assigned in a later Unicode version than another engine's can be classed differently by it. White space is
// Unicode's White_Space property, as in the Python `regex` of GPT-2's encoder.py and in Hugging Face
// tokenizers: U+0085 is white space and U+FEFF is not, where JavaScript's \s (and so the npm port of GPT-2's
// encoder) has it the other way round.
#pragma once

namespace flipguard::data {

bool is_letter(char32_t c);
bool is_number(char32_t c);
bool is_whitespace(char32_t c);

// The Unicode version of the letter and number tables ("17.0").
const char* unicode_classes_version();

}  // namespace flipguard::data
