#include "data/tokens/tokenizer_json.hpp"

#include <nlohmann/json.hpp>

#include "data/data_error.hpp"
#include "data/file_io.hpp"

namespace flipguard::data {

namespace {

using nlohmann::json;

class Reader {
 public:
  explicit Reader(const std::string& source) : source_(source) {}

  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw DataError(source_ + ": " + field + ": " + what);
  }

  const json& object(const json& parent, const char* key, const std::string& field) const {
    if (!parent.contains(key)) fail(field, "missing");
    const json& v = parent.at(key);
    if (!v.is_object()) fail(field, "is not a JSON object");
    return v;
  }
  bool flag(const json& parent, const char* key, const std::string& field, bool fallback) const {
    if (!parent.contains(key) || parent.at(key).is_null()) return fallback;
    if (!parent.at(key).is_boolean()) fail(field, "is not true or false");
    return parent.at(key).get<bool>();
  }
  std::string type_of(const json& v, const std::string& field) const {
    if (!v.contains("type")) return "";
    if (!v.at("type").is_string()) fail(field + ".type", "is not a string");
    return v.at("type").get<std::string>();
  }
  std::int64_t id(const json& v, const std::string& field) const {
    if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > INT32_MAX)
      fail(field, "is not a token id (an integer in [0, 2^31))");
    return v.get<std::int64_t>();
  }

 private:
  const std::string& source_;
};

void read_model(const json& root, const Reader& r, BpeSpec& spec) {
  const json& model = r.object(root, "model", "model");
  const std::string type = r.type_of(model, "model");
  if (!type.empty() && type != "BPE")
    r.fail("model.type", "'" + type + "' is not implemented (only byte-level BPE is)");
  if (type.empty() && !model.contains("merges")) r.fail("model.type", "missing (and no merges: not BPE)");
  if (r.flag(model, "byte_fallback", "model.byte_fallback", false))
    r.fail("model.byte_fallback", "true (SentencePiece-style BPE, as in Llama 2) is not implemented");
  if (model.contains("dropout") && !model["dropout"].is_null() &&
      !(model["dropout"].is_number() && model["dropout"].get<double>() == 0.0))
    r.fail("model.dropout", "BPE dropout (random merges) is not implemented");
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (model.contains(key) && !model[key].is_null() &&
        !(model[key].is_string() && model[key].get<std::string>().empty()))
      r.fail(std::string("model.") + key, "a non-empty affix is not implemented");
  spec.ignore_merges = r.flag(model, "ignore_merges", "model.ignore_merges", false);
  if (model.contains("unk_token") && !model["unk_token"].is_null()) {
    if (!model["unk_token"].is_string()) r.fail("model.unk_token", "is not a string");
    spec.unk_token = model["unk_token"].get<std::string>();
  }

  const json& vocab = r.object(model, "vocab", "model.vocab");
  spec.vocab.reserve(vocab.size());
  for (const auto& [token, v] : vocab.items())
    spec.vocab.emplace_back(token, r.id(v, "model.vocab['" + shown_token(token) + "']"));
  if (spec.vocab.empty()) r.fail("model.vocab", "is empty");

  if (!model.contains("merges") || !model["merges"].is_array())
    r.fail("model.merges", "missing or not a list");
  const json& merges = model["merges"];
  spec.merges.reserve(merges.size());
  for (std::size_t i = 0; i < merges.size(); ++i) {
    const json& m = merges[i];
    const std::string field = "model.merges[" + std::to_string(i) + "]";
    if (m.is_string()) {
      const std::string s = m.get<std::string>();
      const std::size_t space = s.find(' ');
      if (space == std::string::npos || space == 0 || space + 1 == s.size() ||
          s.find(' ', space + 1) != std::string::npos)
        r.fail(field, "'" + shown_token(s) + "' is not two tokens separated by one space");
      spec.merges.emplace_back(s.substr(0, space), s.substr(space + 1));
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      spec.merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
    } else {
      r.fail(field, "is neither \"a b\" nor [\"a\", \"b\"]");
    }
  }
}

void read_byte_level(const json& p, const std::string& field, const Reader& r, BpeSpec& spec) {
  spec.add_prefix_space = r.flag(p, "add_prefix_space", field + ".add_prefix_space", false);
  spec.use_regex = r.flag(p, "use_regex", field + ".use_regex", true);
}

void read_pre_tokenizer(const json& root, const Reader& r, BpeSpec& spec) {
  if (!root.contains("pre_tokenizer") || root["pre_tokenizer"].is_null())
    r.fail("pre_tokenizer", "missing: only the ByteLevel pre-tokenizer is implemented");
  const json& p = root["pre_tokenizer"];
  if (!p.is_object()) r.fail("pre_tokenizer", "is not a JSON object");
  const std::string type = r.type_of(p, "pre_tokenizer");
  if (type == "ByteLevel") return read_byte_level(p, "pre_tokenizer", r, spec);
  if (type == "Sequence") {
    const json* list = p.contains("pretokenizers") ? &p["pretokenizers"] : nullptr;
    if (list && list->is_array() && list->size() == 1 && (*list)[0].is_object() &&
        r.type_of((*list)[0], "pre_tokenizer.pretokenizers[0]") == "ByteLevel")
      return read_byte_level((*list)[0], "pre_tokenizer.pretokenizers[0]", r, spec);
    std::string types;
    if (list && list->is_array())
      for (const json& e : *list)
        types += (types.empty() ? "" : ", ") + (e.is_object() && e.contains("type") && e["type"].is_string()
                                                    ? e["type"].get<std::string>()
                                                    : std::string("?"));
    r.fail("pre_tokenizer.pretokenizers",
           "[" + types + "] is not implemented (only a Sequence of one ByteLevel is)");
  }
  r.fail("pre_tokenizer.type", "'" + type + "' is not implemented (only ByteLevel is)");
}

void read_normalizer(const json& root, const Reader& r) {
  if (!root.contains("normalizer") || root["normalizer"].is_null()) return;
  const json& n = root["normalizer"];
  if (n.is_object() && r.type_of(n, "normalizer") == "Sequence" && n.contains("normalizers") &&
      n["normalizers"].is_array() && n["normalizers"].empty())
    return;
  const std::string type = n.is_object() ? r.type_of(n, "normalizer") : "";
  r.fail("normalizer", "'" + type + "' is not implemented (byte-level BPE without a normalizer only)");
}

void read_added_tokens(const json& root, const Reader& r, BpeSpec& spec) {
  if (!root.contains("added_tokens") || root["added_tokens"].is_null()) return;
  const json& list = root["added_tokens"];
  if (!list.is_array()) r.fail("added_tokens", "is not a list");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string field = "added_tokens[" + std::to_string(i) + "]";
    const json& t = list[i];
    if (!t.is_object() || !t.contains("content") || !t["content"].is_string() || !t.contains("id"))
      r.fail(field, "is not an object with a content string and an id");
    AddedToken token;
    token.content = t["content"].get<std::string>();
    if (token.content.empty()) r.fail(field + ".content", "is empty");
    token.id = r.id(t["id"], field + ".id");
    token.lstrip = r.flag(t, "lstrip", field + ".lstrip", false);
    token.rstrip = r.flag(t, "rstrip", field + ".rstrip", false);
    if (r.flag(t, "single_word", field + ".single_word", false))
      r.fail(field + ".single_word", "true is not implemented");
    spec.added.push_back(std::move(token));
  }
}

}  // namespace

std::string shown_token(std::string_view token) {
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (char c : token) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) {
      s += "\\x";
      s += hex[b >> 4];
      s += hex[b & 15];
    } else {
      s += c;
    }
  }
  return s;
}

BpeSpec parse_tokenizer_json(std::string_view json_text, const std::string& source) {
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::exception& e) {
    throw DataError(source + ": not valid JSON (" + e.what() + ")");
  }
  if (!root.is_object()) throw DataError(source + ": not a tokenizer.json (the JSON is not an object)");
  const Reader r(source);
  BpeSpec spec;
  spec.source = source;
  read_model(root, r, spec);
  read_normalizer(root, r);
  read_pre_tokenizer(root, r, spec);
  read_added_tokens(root, r, spec);
  return spec;
}

BpeSpec read_tokenizer_json(const std::filesystem::path& path) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(path);
  return parse_tokenizer_json(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                              path.string());
}

}  // namespace flipguard::data
