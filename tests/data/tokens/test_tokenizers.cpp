// The tokenizers: bytes, and byte-level BPE from a tokenizer.json, on a tiny hand-written vocabulary whose
// encodings are derived by hand below; what is not implemented is refused naming the file and the field.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "data/test_support.hpp"
#include "data/tokens/bpe_tokenizer.hpp"
#include "data/tokens/byte_level_alphabet.hpp"
#include "data/tokens/byte_tokenizer.hpp"
#include "data/tokens/gpt2_pretokenizer.hpp"
#include "data/tokens/tokenizer_json.hpp"
#include "data/tokens/unicode_classes.hpp"

namespace flipguard::data {
namespace {

using Ids = std::vector<std::int64_t>;
using testing::error_of;

// --- bytes ---

TEST(ByteTokenizer, EveryByteIsItsOwnIdAndComesBack) {
  const ByteTokenizer bytes;
  EXPECT_EQ(bytes.vocab_size(), 256);
  EXPECT_FALSE(bytes.end_of_text());
  EXPECT_FALSE(bytes.needs_utf8());
  EXPECT_EQ(bytes.encode("A\xc3\xa9\n"), (Ids{65, 0xc3, 0xa9, 10}));
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  const Ids ids = bytes.encode(all + all);
  ASSERT_EQ(ids.size(), 512u);
  for (int b = 0; b < 256; ++b) EXPECT_EQ(ids[static_cast<std::size_t>(b)], b);
  EXPECT_EQ(bytes.decode(ids), all + all);  // not UTF-8, and still exact
  EXPECT_NE(error_of([&] {
              bytes.decode({1, 256});
            }).find("token id 256 is outside the vocabulary [0, 256)"),
            std::string::npos);
}

TEST(ByteTokenizer, TheEndOfTextIdIs256) {
  const ByteTokenizer bytes(true);
  EXPECT_EQ(bytes.vocab_size(), 257);
  EXPECT_EQ(bytes.end_of_text(), 256);
  EXPECT_EQ(bytes.decode({104, 105, 256, 33}), "hi!");  // the separator is not text
  EXPECT_THROW(bytes.decode({257}), DataError);
  EXPECT_THROW(bytes.decode({-1}), DataError);
}

// --- the pieces of the byte-level BPE ---

TEST(UnicodeClasses, LettersNumbersAndWhiteSpace) {
  for (char32_t c : {U'A', U'z', U'é', U'ß', U'Ł', U'Ж', U'ё', U'Ω', U'α', U'日', U'ア', U'م', U'ª'})
    EXPECT_TRUE(is_letter(c) && !is_number(c) && !is_whitespace(c)) << std::hex << unsigned(c);
  for (char32_t c : {U'0', U'9', U'²', U'½', U'٣', U'१', U'Ⅻ', U'１'})
    EXPECT_TRUE(is_number(c) && !is_letter(c) && !is_whitespace(c)) << std::hex << unsigned(c);
  for (char32_t c :
       {U' ', U'\t', U'\n', U'\r', U'\v', U'\f', U'\u0085', U'\u00a0', U'\u2003', U'\u2028', U'\u3000'})
    EXPECT_TRUE(is_whitespace(c) && !is_letter(c) && !is_number(c)) << std::hex << unsigned(c);
  // Neither: punctuation, symbols, combining marks, emoji, U+FEFF (not White_Space, unlike JavaScript's \s).
  for (char32_t c : {U'_', U'\'', U'!', U'$', U'€', U'\u0301', U'\U0001F355', U'\uFEFF', U'\0', U'\x7f'})
    EXPECT_TRUE(!is_letter(c) && !is_number(c) && !is_whitespace(c)) << std::hex << unsigned(c);
  EXPECT_FALSE(is_letter(0x110000));
}

TEST(ByteLevelAlphabet, IsGpt2sTable) {
  EXPECT_EQ(byte_to_unicode(' '), U'\u0120');   // 'Ġ'
  EXPECT_EQ(byte_to_unicode('\n'), U'\u010a');  // 'Ċ'
  EXPECT_EQ(byte_to_unicode(0), U'\u0100');
  EXPECT_EQ(byte_to_unicode(0x7f), U'\u0121');
  EXPECT_EQ(byte_to_unicode(0xad), U'\u0143');  // the 68th and last byte moved
  EXPECT_EQ(byte_to_unicode('A'), U'A');
  EXPECT_EQ(byte_to_unicode(0xe9), U'\u00e9');
  std::string all;
  for (int b = 0; b < 256; ++b) {
    EXPECT_EQ(unicode_to_byte(byte_to_unicode(static_cast<std::uint8_t>(b))), b);
    all += static_cast<char>(b);
  }
  EXPECT_EQ(alphabet_to_bytes(bytes_to_alphabet(all)), all);
  EXPECT_EQ(bytes_to_alphabet(" a\n"),
            "\xc4\xa0"
            "a\xc4\x8a");
  EXPECT_FALSE(unicode_to_byte(U'\u0144'));
  EXPECT_FALSE(unicode_to_byte(U' '));
  EXPECT_FALSE(alphabet_to_bytes("a b"));           // a raw space is not in the alphabet
  EXPECT_FALSE(alphabet_to_bytes("\xe6\x97\xa5"));  // nor any three-byte character
}

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> out;
  for (auto piece : gpt2_split(text)) out.emplace_back(piece);
  return out;
}
using Pieces = std::vector<std::string>;

TEST(Gpt2Pretokenizer, SplitsAsGpt2sRegex) {
  EXPECT_EQ(split("Hello world"), (Pieces{"Hello", " world"}));
  EXPECT_EQ(split("a  b"), (Pieces{"a", " ", " b"}));  // the last space goes with the word
  EXPECT_EQ(split("a \n b"), (Pieces{"a", " \n", " b"}));
  EXPECT_EQ(split("a\n\nb"), (Pieces{"a", "\n", "\n", "b"}));  // \s+(?!\S) leaves one, \s+ takes it
  EXPECT_EQ(split("x   "), (Pieces{"x", "   "}));              // at the end the run stays whole
  EXPECT_EQ(split("\tx"), (Pieces{"\t", "x"}));                // only U+0020 joins the word
  EXPECT_EQ(split("I'm they're we'll 'sa"), (Pieces{"I", "'m", " they", "'re", " we", "'ll", " '", "sa"}));
  EXPECT_EQ(split("'s's"), (Pieces{"'s", "'s"}));
  EXPECT_EQ(split("DON'T"), (Pieces{"DON", "'", "T"}));  // contractions are lower case only
  EXPECT_EQ(split("123abc 45 6.7"), (Pieces{"123", "abc", " 45", " 6", ".", "7"}));
  EXPECT_EQ(split("?!. ?! "), (Pieces{"?!.", " ?!", " "}));
  EXPECT_EQ(split("na\xc3\xafve caf\xc3\xa9"), (Pieces{"na\xc3\xafve", " caf\xc3\xa9"}));
  EXPECT_EQ(split("cafe\xcc\x81"), (Pieces{"cafe", "\xcc\x81"}));  // a combining mark is neither class
  EXPECT_EQ(split("\xd0\x9f\xd1\x80\xd0\xb8 \xce\xb1\xce\xb2"),
            (Pieces{"\xd0\x9f\xd1\x80\xd0\xb8", " \xce\xb1\xce\xb2"}));
  EXPECT_EQ(split("x\xc2\xb2"), (Pieces{"x", "\xc2\xb2"}));  // '²' is a number
  EXPECT_EQ(split("\xf0\x9f\x8d\x95\xf0\x9f\x8d\x95 a"), (Pieces{"\xf0\x9f\x8d\x95\xf0\x9f\x8d\x95", " a"}));
  EXPECT_EQ(split("\xc2\xa0"
                  "a"),
            (Pieces{"\xc2\xa0", "a"}));  // no-break space: white space, not ' '
  // White space is Unicode's White_Space (GPT-2's Python regex): U+0085 is, U+FEFF is not (it is "other").
  EXPECT_EQ(split("a \xc2\x85"
                  "b"),
            (Pieces{"a", " ", "\xc2\x85", "b"}));
  EXPECT_EQ(split("a \xef\xbb\xbf"
                  "b"),
            (Pieces{"a", " \xef\xbb\xbf", "b"}));
  EXPECT_EQ(split(""), Pieces{});
  EXPECT_EQ(split(" "), Pieces{" "});
}

TEST(Gpt2Pretokenizer, PiecesCoverTheText) {
  const std::vector<std::string> alphabet = {
      "a",        "Z",           " ",        "  ",       "\n",       "\t",           "'", "s",
      "ll",       "7",           "\xc3\xa9", "\xd0\x96", "\xc2\xa0", "\xe2\x80\x83", "!", "\xf0\x9f\x9a\x80",
      "\xcc\x81", "\xe6\x97\xa5"};
  std::mt19937 rng(7);
  for (int t = 0; t < 500; ++t) {
    std::string text;
    const int n = static_cast<int>(rng() % 30);
    for (int i = 0; i < n; ++i) text += alphabet[rng() % alphabet.size()];
    std::string joined;
    for (const auto& piece : split(text)) {
      EXPECT_FALSE(piece.empty());
      joined += piece;
    }
    EXPECT_EQ(joined, text);
  }
}

// --- byte-level BPE on a hand-written tokenizer.json ---

// Ids: a 0, b 1, c 2, d 3, ! 4, Ġ (space) 5, Ċ (newline) 6, ab 7, Ġa 8, abc 9, bc 10, Ġab 11, aa 12, c! 14;
// added: <|endoftext|> 13. Merges by rank: a b, Ġ a, ab c, b c, Ġa b, a a, c !.
nlohmann::json tiny_json() {
  return nlohmann::json::parse(R"({
    "version": "1.0",
    "added_tokens": [{"id": 13, "content": "<|endoftext|>", "single_word": false, "lstrip": false,
                      "rstrip": false, "normalized": false, "special": true}],
    "normalizer": null,
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
    "post_processor": null,
    "decoder": {"type": "ByteLevel"},
    "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": "",
              "end_of_word_suffix": "", "fuse_unk": false, "byte_fallback": false,
              "vocab": {"a": 0, "b": 1, "c": 2, "d": 3, "!": 4, "\u0120": 5, "\u010a": 6, "ab": 7, "\u0120a": 8,
                        "abc": 9, "bc": 10, "\u0120ab": 11, "aa": 12, "c!": 14},
              "merges": ["a b", "\u0120 a", "ab c", "b c", "\u0120a b", "a a", "c !"]}
  })");
}

BpeTokenizer tiny(const nlohmann::json& j = tiny_json()) {
  return BpeTokenizer(parse_tokenizer_json(j.dump(), "tiny.json"));
}

TEST(BpeTokenizer, MergesByRankOnAHandWrittenVocabulary) {
  const BpeTokenizer bpe = tiny();
  EXPECT_EQ(bpe.vocab_size(), 15);
  EXPECT_EQ(bpe.end_of_text(), 13);
  EXPECT_TRUE(bpe.needs_utf8());
  EXPECT_EQ(bpe.name(), "bpe tiny.json");
  // a b c: (a b) has rank 0, then (ab c) rank 2.
  EXPECT_EQ(bpe.encode("abc"), (Ids{9}));
  EXPECT_EQ(bpe.encode("bc"), (Ids{10}));
  // Ġ a b c: (a b) rank 0 comes before (Ġ a) rank 1, and then no merge joins Ġ to ab; (ab c) rank 2.
  EXPECT_EQ(bpe.encode(" abc"), (Ids{5, 9}));
  EXPECT_EQ(bpe.encode(" abd"), (Ids{5, 7, 3}));
  // Ġ a d: (Ġ a) rank 1.
  EXPECT_EQ(bpe.encode(" ad"), (Ids{8, 3}));
  // a a a: (a a) twice, the leftmost first; the third a is left alone. aaaa: two aa.
  EXPECT_EQ(bpe.encode("aaa"), (Ids{12, 0}));
  EXPECT_EQ(bpe.encode("aaaa"), (Ids{12, 12}));
  // The pre-tokenizer keeps "c" and "!" apart, so (c !) never applies; and "c", " a".
  EXPECT_EQ(bpe.encode("c!"), (Ids{2, 4}));
  EXPECT_EQ(bpe.encode("c a"), (Ids{2, 8}));
  EXPECT_EQ(bpe.encode("d\n\n"), (Ids{3, 6, 6}));
  EXPECT_EQ(bpe.encode("a  b"), (Ids{0, 5, 5, 1}));
  EXPECT_EQ(bpe.encode(""), Ids{});
  for (const std::string text : {"abc aaa d\n!", " ab  c! \n\nba", "<|endoftext|>abc"})
    EXPECT_EQ(bpe.decode(bpe.encode(text)), text);
  EXPECT_EQ(bpe.token_id("\xc4\xa0"
                         "ab"),
            11);
  EXPECT_EQ(bpe.token_id("<|endoftext|>"), 13);
  EXPECT_FALSE(bpe.token_id("zz"));
  EXPECT_NE(error_of([&] {
              bpe.decode({0, 15});
            }).find("tiny.json: token id 15 is not in the vocabulary"),
            std::string::npos);
}

TEST(BpeTokenizer, MergesAsPairsReadAsStrings) {
  nlohmann::json j = tiny_json();
  nlohmann::json pairs = nlohmann::json::array();
  for (const auto& m : j["model"]["merges"]) {
    const std::string s = m.get<std::string>();
    pairs.push_back({s.substr(0, s.find(' ')), s.substr(s.find(' ') + 1)});
  }
  j["model"]["merges"] = pairs;
  const BpeTokenizer a = tiny(), b = tiny(j);
  for (const std::string text : {"abc", " abc", " ad", "aaa", "c a", "ab<|endoftext|>bc"})
    EXPECT_EQ(b.encode(text), a.encode(text)) << text;
}

TEST(BpeTokenizer, AddedTokensAreMatchedBeforeTheSplit) {
  const BpeTokenizer bpe = tiny();
  EXPECT_EQ(bpe.encode("ab<|endoftext|> ab"), (Ids{7, 13, 5, 7}));
  EXPECT_EQ(bpe.encode("ab <|endoftext|><|endoftext|>"), (Ids{7, 5, 13, 13}));
  // An unfinished one is text (which this vocabulary has no tokens for).
  EXPECT_NE(error_of([&] { bpe.encode("ab<|endoftext|"); }).find("byte 0x3c has no token"),
            std::string::npos);

  nlohmann::json j = tiny_json();
  j["added_tokens"][0]["rstrip"] = true;
  j["added_tokens"][0]["lstrip"] = true;
  EXPECT_EQ(tiny(j).encode("ab <|endoftext|> ab"), (Ids{7, 13, 7}));
  EXPECT_EQ(tiny(j).encode("ab \n<|endoftext|>\n\n ab"), (Ids{7, 13, 7}));

  // The longest of several that start at one place.
  j = tiny_json();
  j["added_tokens"].push_back({{"id", 15}, {"content", "<a>"}});
  j["added_tokens"].push_back({{"id", 16}, {"content", "<a>b"}});
  const BpeTokenizer two = tiny(j);
  EXPECT_EQ(two.encode("<a>bc<a>c"), (Ids{16, 2, 15, 2}));
  EXPECT_EQ(two.vocab_size(), 17);
  EXPECT_EQ(two.decode({16, 2, 15, 2}), "<a>bc<a>c");
}

TEST(BpeTokenizer, ByteLevelAndModelOptions) {
  nlohmann::json j = tiny_json();
  j["pre_tokenizer"]["add_prefix_space"] = true;
  EXPECT_EQ(tiny(j).encode("abc"), (Ids{5, 9}));                          // as " abc"
  EXPECT_EQ(tiny(j).encode(" abc"), (Ids{5, 9}));                         // already has one
  EXPECT_EQ(tiny(j).encode("ab<|endoftext|>ad"), (Ids{5, 7, 13, 8, 3}));  // each stretch of text gets one

  j = tiny_json();
  j["pre_tokenizer"]["use_regex"] = false;  // one piece: (c !) now applies
  EXPECT_EQ(tiny(j).encode("c!"), (Ids{14}));

  j = tiny_json();
  j["model"]["ignore_merges"] = true;  // a piece that is a token is taken whole: Ġab, not Ġ ab
  EXPECT_EQ(tiny(j).encode(" ab"), (Ids{11}));
  EXPECT_EQ(tiny().encode(" ab"), (Ids{5, 7}));

  j = tiny_json();
  j["pre_tokenizer"] = {{"type", "Sequence"},
                        {"pretokenizers", {{{"type", "ByteLevel"}, {"add_prefix_space", true}}}}};
  EXPECT_EQ(tiny(j).encode("abc"), (Ids{5, 9}));

  // A byte without a token: an error without unk_token, the unk token's id with it.
  const std::string e = error_of([] { tiny().encode("abz"); });
  EXPECT_NE(e.find("tiny.json: byte 0x7a has no token in model.vocab, and there is no model.unk_token"),
            std::string::npos)
      << e;
  j = tiny_json();
  j["model"]["unk_token"] = "!";
  EXPECT_EQ(tiny(j).encode("abz"), (Ids{7, 4}));

  BpeOptions options;
  options.end_of_text = "d";
  EXPECT_EQ(BpeTokenizer(parse_tokenizer_json(tiny_json().dump(), "t.json"), options).end_of_text(), 3);
  options.end_of_text = "</s>";
  EXPECT_NE(error_of([&] {
              BpeTokenizer(parse_tokenizer_json(tiny_json().dump(), "t.json"), options);
            }).find("t.json: the end-of-text token '</s>' is neither in added_tokens nor in model.vocab"),
            std::string::npos);
  j = tiny_json();
  j["added_tokens"] = nlohmann::json::array();
  EXPECT_FALSE(tiny(j).end_of_text());
}

TEST(BpeTokenizer, TextThatIsNotUtf8IsRefusedWithItsOffset) {
  const std::string e = error_of([] {
    tiny().encode(
        "abc\xff"
        "d");
  });
  EXPECT_NE(e.find("tiny.json: the text is not UTF-8 at byte offset 3"), std::string::npos) << e;
}

TEST(BpeTokenizer, WhatIsNotImplementedIsRefusedNamingTheField) {
  const auto refusal = [](auto change) {
    nlohmann::json j = tiny_json();
    change(j);
    return error_of([&] { tiny(j); });
  };
  const auto expect = [](const std::string& error, const std::string& part) {
    EXPECT_NE(error.find("tiny.json: " + part), std::string::npos) << error;
  };
  expect(refusal([](auto& j) { j["model"]["type"] = "WordPiece"; }),
         "model.type: 'WordPiece' is not implemented (only byte-level BPE is)");
  expect(refusal([](auto& j) { j["model"]["type"] = "Unigram"; }),
         "model.type: 'Unigram' is not implemented");
  expect(refusal([](auto& j) { j["model"]["byte_fallback"] = true; }),
         "model.byte_fallback: true (SentencePiece-style BPE, as in Llama 2) is not implemented");
  expect(refusal([](auto& j) { j["model"]["dropout"] = 0.1; }), "model.dropout: BPE dropout");
  expect(refusal([](auto& j) { j["model"]["continuing_subword_prefix"] = "##"; }),
         "model.continuing_subword_prefix: a non-empty affix is not implemented");
  expect(refusal([](auto& j) { j["model"]["end_of_word_suffix"] = "</w>"; }), "model.end_of_word_suffix");
  expect(refusal([](auto& j) {
           j["pre_tokenizer"] = {{"type", "Metaspace"}};
         }),
         "pre_tokenizer.type: 'Metaspace' is not implemented (only ByteLevel is)");
  expect(refusal([](auto& j) { j["pre_tokenizer"] = nullptr; }), "pre_tokenizer: missing");
  expect(refusal([](auto& j) {
           j["pre_tokenizer"] = {{"type", "Sequence"},
                                 {"pretokenizers", {{{"type", "Split"}}, {{"type", "ByteLevel"}}}}};
         }),
         "pre_tokenizer.pretokenizers: [Split, ByteLevel] is not implemented (only a Sequence of one "
         "ByteLevel is)");
  expect(refusal([](auto& j) {
           j["normalizer"] = {{"type", "NFC"}};
         }),
         "normalizer: 'NFC' is not implemented");
  expect(refusal([](auto& j) { j["added_tokens"][0]["single_word"] = true; }),
         "added_tokens[0].single_word: true is not implemented");
  expect(refusal([](auto& j) { j["model"]["merges"][1] = "x y"; }),
         "model.merges[1] ('x y'): 'x' is not in model.vocab");
  expect(refusal([](auto& j) { j["model"]["merges"][1] = "d a"; }),
         "model.merges[1] ('d a'): the merged token 'da' is not in model.vocab");
  expect(refusal([](auto& j) { j["model"]["merges"][0] = "abc"; }),
         "model.merges[0]: 'abc' is not two tokens separated by one space");
  expect(refusal([](auto& j) {
           j["model"]["merges"][0] = {"a", "b", "c"};
         }),
         "model.merges[0]: is neither \"a b\" nor [\"a\", \"b\"]");
  expect(refusal([](auto& j) { j["model"]["vocab"]["e"] = -1; }),
         "model.vocab['e']: is not a token id (an integer in [0, 2^31))");
  expect(refusal([](auto& j) { j["model"]["vocab"]["\n"] = 1.5; }),
         "model.vocab['\\x0a']: is not a token id");
  expect(refusal([](auto& j) { j["model"]["unk_token"] = "?"; }),
         "model.unk_token: '?' is not in model.vocab");
  expect(refusal([](auto& j) { j.erase("model"); }), "model: missing");
  expect(error_of([] { parse_tokenizer_json("{\"model\": ", "tiny.json"); }), "not valid JSON");

  // A Sequence of just ByteLevel and an empty normalizer Sequence are what they wrap.
  nlohmann::json j = tiny_json();
  j["normalizer"] = {{"type", "Sequence"}, {"normalizers", nlohmann::json::array()}};
  j["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", {{{"type", "ByteLevel"}}}}};
  EXPECT_EQ(tiny(j).encode(" abc"), (Ids{5, 9}));
}

TEST(BpeTokenizer, ReadsATokenizerJsonFile) {
  testing::TempDir dir("tokenizer");
  testing::write_file(dir / "tokenizer.json", tiny_json().dump(2));
  const BpeTokenizer bpe(dir / "tokenizer.json");
  EXPECT_EQ(bpe.encode(" abc"), (Ids{5, 9}));
  EXPECT_EQ(bpe.name(), "bpe " + (dir / "tokenizer.json").string());
  EXPECT_NE(error_of([&] { BpeTokenizer(dir / "absent.json"); }).find("absent.json"), std::string::npos);
}

}  // namespace
}  // namespace flipguard::data
