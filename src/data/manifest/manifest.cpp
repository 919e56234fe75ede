#include "data/manifest/manifest.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "data/data_error.hpp"
#include "data/file_io.hpp"
#include "platform/utf8.hpp"

namespace flipguard::data {

namespace {

using nlohmann::json;

const std::vector<ManifestField>& schema() {
  static const std::vector<ManifestField> fields{
      {"name", "string", "", "the model's name in records, reports and messages"},
      {"kind", "string", "\"classifier\"",
       "what the model computes: \"classifier\" (images in, class scores out) or \"causal-lm\" (token ids "
       "[batch, sequence] in, next-token logits [batch, sequence, vocab] out). Fields marked classifier or "
       "causal-lm below belong to that kind only; one of the other kind is an error"},
      {"onnx", "string", "", "the ONNX file, relative to the sidecar's folder"},
      {"source", "string", "\"\"", "where the model comes from (free text, for people)"},
      {"notes", "string", "\"\"", "anything else worth knowing (free text, not read)"},
      {"sha256", "string", "\"\"",
       "SHA-256 of the ONNX file, as sha256sum prints it (64 lowercase hex digits); every command and the "
       "Python module refuse a file that does not match. Empty or absent: not checked"},
      {"dataset", "string", "\"\"",
       "the data used when none is given. classifier: a built-in dataset (imagenet-val1300, cifar10-jpeg, "
       "cifar10-lossless200, mnist-test); causal-lm: a token file (.npy/.npz), a .txt file or a folder of "
       ".txt files, relative to the sidecar's folder"},
      {"tokenizer", "string", "\"\"",
       "causal-lm: a Hugging Face tokenizer.json (byte-level BPE), relative to the sidecar's folder; needed "
       "to read text (.txt) data, not token files"},
      {"input", "object", "", "the model's one input tensor"},
      {"input.name", "string", "", "the graph input's name"},
      {"input.channels", "integer", "", "classifier: 1 (GRAY) or 3 (RGB/BGR)"},
      {"input.height", "integer", "", "classifier: input height in pixels, >= 1"},
      {"input.width", "integer", "", "classifier: input width in pixels, >= 1"},
      {"input.layout", "string", "\"NCHW\"",
       "classifier: \"NCHW\" (channels first, as PyTorch exports) or \"NHWC\" (channels last, as TensorFlow "
       "exports)"},
      {"input.sequence_length", "integer", "",
       "causal-lm: token ids per sequence, >= 1; a graph whose sequence dimension is symbolic is run at this "
       "length, a fixed one must equal it"},
      {"output", "object", "", "the model's one output tensor (logits or probabilities)"},
      {"output.name", "string", "", "the graph output's name"},
      {"output.classes", "integer", "", "classifier: values per image in the output, >= 1"},
      {"output.label_offset", "integer", "0",
       "classifier: dataset label L is output index L + label_offset (1 for 1001-class TensorFlow models "
       "whose index 0 is 'background')"},
      {"output.vocab", "integer", "", "causal-lm: logits per position (the vocabulary's size), >= 2"},
      {"preprocess", "object", "",
       "classifier: how an 8-bit image becomes the input; unknown keys are errors (a causal-lm has none)"},
      {"preprocess.resize_shorter", "integer", "0",
       "resize so the shorter side is this many pixels, keeping the aspect ratio (torchvision Resize(int)); "
       "0: no such resize"},
      {"preprocess.resize_to", "[height, width]", "[0, 0]",
       "resize to exactly this size (instead of resize_shorter); [0, 0]: unused"},
      {"preprocess.resize_filter", "string", "\"bilinear\"",
       "\"bilinear\" (PIL's antialiased bilinear, what torchvision uses on PIL images) or \"bilinear-noaa\" "
       "(plain 2-tap bilinear, no antialiasing, as TensorFlow's resize)"},
      {"preprocess.crop", "[height, width]", "[0, 0]",
       "center crop after the resize (torchvision CenterCrop); must equal the input size and fit in the "
       "resized image; [0, 0]: none"},
      {"preprocess.channel_order", "string", "", "\"RGB\", \"BGR\" or \"GRAY\" (GRAY for one channel)"},
      {"preprocess.scale", "number", "1",
       "each 8-bit pixel value is multiplied by this first (1/255: [0, 1])"},
      {"preprocess.mean", "array of numbers", "",
       "subtracted after scaling, one per input channel, in channel_order order"},
      {"preprocess.std", "array of numbers", "",
       "divided by last, one per input channel, non-zero: x = (pixel * scale - mean[c]) / std[c]"},
      {"reference_top1", "object", "{}", "Top-1 (percent) of an independent implementation, per dataset"},
      {"reference_top1.<dataset>", "number", "",
       "Top-1 in [0, 100] on that whole dataset; flipguard eval prints its difference"},
      {"reference_perplexity", "object", "{}",
       "causal-lm: perplexity of an independent implementation, per data name (as records name the data: "
       "\"tokens:<file name>\" for a token file, \"text:<file or folder name>\" for text)"},
      {"reference_perplexity.<data>", "number", "",
       "the perplexity, > 0, over every target of that whole data (exp of the mean next-token negative log "
       "likelihood)"},
  };
  return fields;
}

// A field path the loader reads must be in the schema (a logic error otherwise: the docs would miss it).
void require_documented(const std::string& path) {
  for (const auto& f : schema()) {
    if (f.path == path) return;
    const auto wildcard = f.path.find("<");
    if (wildcard != std::string::npos && path.size() > wildcard &&
        path.compare(0, wildcard, f.path, 0, wildcard) == 0)
      return;
  }
  throw std::logic_error("model sidecar field '" + path + "' is read but not in the sidecar schema");
}

// Field access with error messages of the form "<file>: field 'a.b': <problem>".
class FieldReader {
 public:
  explicit FieldReader(std::string origin) : origin_(std::move(origin)) {}

  std::string field_name(const std::string& field) const { return origin_ + ": field '" + field + "'"; }

  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw DataError(field_name(field) + ": " + problem);
  }

  const json& object(const json& parent, const std::string& key, const std::string& prefix) const {
    const std::string field = prefix + key;
    require_documented(field);
    if (!parent.contains(key)) fail(field, "missing (required object)");
    const json& v = parent.at(key);
    if (!v.is_object()) fail(field, "expected an object, got " + v.dump());
    return v;
  }

  std::string string(const json& parent, const std::string& key, const std::string& prefix,
                     const std::string* fallback = nullptr) const {
    const std::string field = prefix + key;
    require_documented(field);
    if (!parent.contains(key)) {
      if (fallback) return *fallback;
      fail(field, "missing (required string)");
    }
    const json& v = parent.at(key);
    if (!v.is_string()) fail(field, "expected a string, got " + v.dump());
    return v.get<std::string>();
  }

  int integer(const json& parent, const std::string& key, const std::string& prefix, int min_value,
              const int* fallback = nullptr) const {
    const std::string field = prefix + key;
    require_documented(field);
    if (!parent.contains(key)) {
      if (fallback) return *fallback;
      fail(field, "missing (required integer)");
    }
    return to_int(parent.at(key), field, min_value);
  }

  double number(const json& parent, const std::string& key, const std::string& prefix,
                const double* fallback = nullptr) const {
    const std::string field = prefix + key;
    require_documented(field);
    if (!parent.contains(key)) {
      if (fallback) return *fallback;
      fail(field, "missing (required number)");
    }
    return to_double(parent.at(key), field);
  }

  std::array<int, 2> int_pair(const json& parent, const std::string& key, const std::string& prefix) const {
    const std::string field = prefix + key;
    require_documented(field);
    if (!parent.contains(key)) return {0, 0};
    const json& v = parent.at(key);
    if (!v.is_array() || v.size() != 2) fail(field, "expected [height, width], got " + v.dump());
    std::array<int, 2> out{to_int(v[0], field, 0), to_int(v[1], field, 0)};
    if ((out[0] == 0) != (out[1] == 0))
      fail(field, "either both entries are 0 (unused) or neither, got " + v.dump());
    return out;
  }

  std::vector<double> numbers(const json& parent, const std::string& key, const std::string& prefix,
                              std::size_t count) const {
    const std::string field = prefix + key;
    require_documented(field);
    if (!parent.contains(key))
      fail(field, "missing (required array of " + std::to_string(count) + " numbers)");
    const json& v = parent.at(key);
    if (!v.is_array() || v.size() != count)
      fail(field, "expected an array of " + std::to_string(count) + " numbers (one per input channel), got " +
                      v.dump());
    std::vector<double> out;
    for (const json& e : v) out.push_back(to_double(e, field));
    return out;
  }

 private:
  int to_int(const json& v, const std::string& field, int min_value) const {
    if (!v.is_number_integer()) fail(field, "expected an integer, got " + v.dump());
    const auto x = v.get<long long>();
    if (x < min_value || x > (1 << 24))
      fail(field, "value " + v.dump() + " out of range [" + std::to_string(min_value) + ", 16777216]");
    return static_cast<int>(x);
  }
  double to_double(const json& v, const std::string& field) const {
    if (!v.is_number()) fail(field, "expected a number, got " + v.dump());
    const double x = v.get<double>();
    if (!std::isfinite(x)) fail(field, "value is not finite");
    return x;
  }

  std::string origin_;
};

ChannelOrder parse_channel_order(const std::string& s, const FieldReader& r) {
  if (s == "RGB") return ChannelOrder::kRGB;
  if (s == "BGR") return ChannelOrder::kBGR;
  if (s == "GRAY") return ChannelOrder::kGray;
  r.fail("preprocess.channel_order", "expected \"RGB\", \"BGR\" or \"GRAY\", got \"" + s + "\"");
}

ResizeFilter parse_resize_filter(const std::string& s, const FieldReader& r) {
  if (s == "bilinear") return ResizeFilter::kBilinear;
  if (s == "bilinear-noaa") return ResizeFilter::kBilinearNoaa;
  r.fail("preprocess.resize_filter",
         "expected \"bilinear\" (PIL, antialiased) or \"bilinear-noaa\" (no "
         "antialiasing), got \"" +
             s + "\"");
}

// Unknown keys are rejected: a misspelt key would be ignored in silence.
void reject_unknown_keys(const json& obj, const std::set<std::string>& known, const std::string& prefix,
                         const FieldReader& r) {
  for (const auto& item : obj.items())
    if (!known.count(item.key())) r.fail(prefix + item.key(), "unknown key");
}

PreprocessSpec parse_preprocess(const json& p, const InputSpec& input, const FieldReader& r) {
  static const std::set<std::string> known{"resize_shorter", "resize_to", "resize_filter", "crop",
                                           "channel_order",  "scale",     "mean",          "std"};
  reject_unknown_keys(p, known, "preprocess.", r);
  const std::string pre = "preprocess.";
  PreprocessSpec s;
  const int zero = 0;
  const double one = 1.0;
  s.resize_shorter = r.integer(p, "resize_shorter", pre, 0, &zero);
  s.resize_to = r.int_pair(p, "resize_to", pre);
  s.crop = r.int_pair(p, "crop", pre);
  const std::string bilinear = "bilinear";
  s.resize_filter = parse_resize_filter(r.string(p, "resize_filter", pre, &bilinear), r);
  s.channel_order = parse_channel_order(r.string(p, "channel_order", pre), r);
  s.scale = r.number(p, "scale", pre, &one);
  const auto nch = static_cast<std::size_t>(input.channels);
  s.mean = r.numbers(p, "mean", pre, nch);
  s.std = r.numbers(p, "std", pre, nch);
  check_preprocess(input, s, [&r](const std::string& field) { return r.field_name("preprocess." + field); });
  return s;
}

InputLayout parse_layout(const std::string& s, const FieldReader& r) {
  if (s == "NCHW") return InputLayout::kNCHW;
  if (s == "NHWC") return InputLayout::kNHWC;
  r.fail("input.layout", "expected \"NCHW\" or \"NHWC\", got \"" + s + "\"");
}

std::string hw_text(const std::array<int, 2>& hw) {
  return "[" + std::to_string(hw[0]) + ", " + std::to_string(hw[1]) + "]";
}

ModelKind parse_kind(const std::string& s, const FieldReader& r) {
  if (s == "classifier") return ModelKind::kClassifier;
  if (s == "causal-lm") return ModelKind::kCausalLm;
  r.fail("kind", "expected \"classifier\" or \"causal-lm\", got \"" + s + "\"");
}

// The top-level keys of `kind`: `own` are its own, `other` the other kind's (named as such in the error, so
// that an image field given to a language model says why it is refused).
void reject_other_kind_keys(const json& obj, const std::set<std::string>& common,
                            const std::set<std::string>& own, const std::set<std::string>& other,
                            const std::string& prefix, ModelKind kind, const FieldReader& r) {
  for (const auto& item : obj.items()) {
    if (common.count(item.key()) || own.count(item.key())) continue;
    if (other.count(item.key()))
      r.fail(prefix + item.key(),
             std::string("is not a field of a ") + to_string(kind) + " sidecar; remove it" +
                 (kind == ModelKind::kCausalLm ? " (a causal-lm reads token ids, not images)"
                                               : ", or set \"kind\": \"causal-lm\" for a language model"));
    r.fail(prefix + item.key(), "unknown key");
  }
}

void parse_classifier(const json& j, Manifest& m, const FieldReader& r) {
  const json& in = r.object(j, "input", "");
  reject_other_kind_keys(in, {"name"}, {"channels", "height", "width", "layout"}, {"sequence_length"},
                         "input.", ModelKind::kClassifier, r);
  m.input.name = r.string(in, "name", "input.");
  m.input.channels = r.integer(in, "channels", "input.", 1);
  if (m.input.channels != 1 && m.input.channels != 3)
    r.fail("input.channels", "expected 1 or 3, got " + std::to_string(m.input.channels));
  m.input.height = r.integer(in, "height", "input.", 1);
  m.input.width = r.integer(in, "width", "input.", 1);
  const std::string nchw = "NCHW";
  m.input.layout = parse_layout(r.string(in, "layout", "input.", &nchw), r);

  const json& out = r.object(j, "output", "");
  reject_other_kind_keys(out, {"name"}, {"classes", "label_offset"}, {"vocab"}, "output.",
                         ModelKind::kClassifier, r);
  const int zero = 0;
  m.output.name = r.string(out, "name", "output.");
  m.output.classes = r.integer(out, "classes", "output.", 1);
  m.output.label_offset = r.integer(out, "label_offset", "output.", 0, &zero);

  m.preprocess = parse_preprocess(r.object(j, "preprocess", ""), m.input, r);

  if (j.contains("reference_top1")) {
    const json& ref = r.object(j, "reference_top1", "");
    for (const auto& item : ref.items()) {
      const double top1 = r.number(ref, item.key(), "reference_top1.");
      if (top1 < 0.0 || top1 > 100.0)
        r.fail("reference_top1." + item.key(), "expected a percentage in [0, 100]");
      m.reference_top1[item.key()] = top1;
    }
  }
}

// A causal language model: token ids in, a vocabulary's logits per position out; no image fields.
void parse_lm(const json& j, Manifest& m, const FieldReader& r) {
  const std::string empty;
  m.lm.tokenizer = r.string(j, "tokenizer", "", &empty);
  const json& in = r.object(j, "input", "");
  reject_other_kind_keys(in, {"name"}, {"sequence_length"}, {"channels", "height", "width", "layout"},
                         "input.", ModelKind::kCausalLm, r);
  m.input.name = r.string(in, "name", "input.");
  m.lm.sequence_length = r.integer(in, "sequence_length", "input.", 1);

  const json& out = r.object(j, "output", "");
  reject_other_kind_keys(out, {"name"}, {"vocab"}, {"classes", "label_offset"}, "output.",
                         ModelKind::kCausalLm, r);
  m.output.name = r.string(out, "name", "output.");
  m.lm.vocab = r.integer(out, "vocab", "output.", 2);

  if (j.contains("reference_perplexity")) {
    const json& ref = r.object(j, "reference_perplexity", "");
    for (const auto& item : ref.items()) {
      const double ppl = r.number(ref, item.key(), "reference_perplexity.");
      if (!(ppl > 0.0)) r.fail("reference_perplexity." + item.key(), "expected a perplexity > 0");
      m.reference_perplexity[item.key()] = ppl;
    }
  }
}

}  // namespace

const char* to_string(ChannelOrder order) {
  switch (order) {
    case ChannelOrder::kRGB:
      return "RGB";
    case ChannelOrder::kBGR:
      return "BGR";
    case ChannelOrder::kGray:
      return "GRAY";
  }
  return "?";
}

const char* to_string(ResizeFilter filter) {
  switch (filter) {
    case ResizeFilter::kBilinear:
      return "bilinear";
    case ResizeFilter::kBilinearNoaa:
      return "bilinear-noaa";
  }
  return "?";
}

const char* to_string(ModelKind kind) {
  return kind == ModelKind::kCausalLm ? "causal-lm" : "classifier";
}

const char* to_string(InputLayout layout) {
  return layout == InputLayout::kNHWC ? "NHWC" : "NCHW";
}

void check_preprocess(const InputSpec& input, const PreprocessSpec& s,
                      const std::function<std::string(const std::string& field)>& name) {
  auto fail = [&name](const std::string& field, const std::string& problem) {
    throw DataError(name(field) + ": " + problem);
  };
  const auto nch = static_cast<std::size_t>(input.channels);
  if (s.mean.size() != nch)
    fail("mean", "has " + std::to_string(s.mean.size()) + " values, the model's input has " +
                     std::to_string(nch) + " channel(s)");
  if (s.std.size() != nch)
    fail("std", "has " + std::to_string(s.std.size()) + " values, the model's input has " +
                    std::to_string(nch) + " channel(s)");
  if (!std::isfinite(s.scale) || s.scale == 0) fail("scale", "must be a finite non-zero number");
  for (double d : s.std)
    if (d == 0.0) fail("std", "entries must be non-zero");
  // Every 8-bit pixel value must give a finite float input: a tiny std (or a huge scale) would turn images
  // into Inf and every prediction into a silent 0 %. The preprocessor computes exactly these 256 values.
  for (std::size_t c = 0; c < s.mean.size(); ++c)
    for (int v : {0, 255}) {
      const double x = (v * s.scale - s.mean[c]) / s.std[c];
      if (!std::isfinite(static_cast<float>(x))) {
        char buf[200];
        std::snprintf(
            buf, sizeof buf,
            "channel %zu: pixel value %d gives (%d x %g - %g) / %g = %g, which is not a finite float "
            "input",
            c, v, v, s.scale, s.mean[c], s.std[c], x);
        fail("std", buf);
      }
    }

  const bool grey = s.channel_order == ChannelOrder::kGray;
  if (grey != (input.channels == 1))
    fail("channel_order", std::string("\"") + to_string(s.channel_order) + "\" does not fit " +
                              std::to_string(input.channels) +
                              " input channels (GRAY needs 1, RGB/BGR need 3)");
  if (s.resize_shorter > 0 && s.resize_to[0] > 0)
    fail("resize_to", "resize_shorter and resize_to are alternatives; set one of them to 0");
  const std::array<int, 2> in_hw{input.height, input.width};
  if (s.crops() && s.crop != in_hw)
    fail("crop", "crop " + hw_text(s.crop) + " must equal the input size " + hw_text(in_hw));
  // A crop larger than the resized image fails on every image (resize_shorter: on the shorter side).
  if (s.crops() && s.resize_shorter > 0 && std::max(s.crop[0], s.crop[1]) > s.resize_shorter)
    fail("crop", "crop " + hw_text(s.crop) + " is larger than the resize (shorter side " +
                     std::to_string(s.resize_shorter) + ")");
  if (s.crops() && s.resize_to[0] > 0 && (s.crop[0] > s.resize_to[0] || s.crop[1] > s.resize_to[1]))
    fail("crop", "crop " + hw_text(s.crop) + " is larger than the resize " + hw_text(s.resize_to));
  if (!s.crops() && s.resize_to[0] > 0 && s.resize_to != in_hw)
    fail("resize_to", "without a crop, resize_to must equal the input size " + hw_text(in_hw));
  if (!s.crops() && s.resize_shorter > 0 &&
      (input.height != s.resize_shorter && input.width != s.resize_shorter))
    fail("resize_shorter", "without a crop, a shorter-side resize to " + std::to_string(s.resize_shorter) +
                               " gives the input size " + hw_text(in_hw) +
                               " only for images of that aspect; "
                               "add a crop of " +
                               hw_text(in_hw));
}

std::filesystem::path Manifest::onnx_path() const {
  const auto at = [&](const std::string& name) {
    return json_file.empty() ? std::filesystem::path(name) : json_file.parent_path() / name;
  };
  // A file name that is not UTF-8 is written to a sidecar escaped (manifest_json): found by its bytes.
  std::error_code ec;
  if (const std::string bytes = platform::unescape_bytes(onnx);
      bytes != onnx && !std::filesystem::exists(at(onnx), ec) && std::filesystem::exists(at(bytes), ec))
    return at(bytes);
  return at(onnx);
}

std::filesystem::path Manifest::tokenizer_path() const {
  if (lm.tokenizer.empty()) return {};
  return json_file.empty() ? std::filesystem::path(lm.tokenizer) : json_file.parent_path() / lm.tokenizer;
}

std::filesystem::path Manifest::dataset_path() const {
  if (dataset.empty()) return {};
  return json_file.empty() ? std::filesystem::path(dataset) : json_file.parent_path() / dataset;
}

Manifest parse_manifest(std::string_view json_text, const std::string& origin) {
  json j;
  try {
    // Comments are tolerated because the contract's own example is annotated with them.
    j = json::parse(json_text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for a number such as 1e999
    throw DataError(origin + ": invalid JSON: " + e.what());
  }
  if (!j.is_object()) throw DataError(origin + ": expected a JSON object at the top level");

  const FieldReader r(origin);
  const std::string empty;
  Manifest m;
  const std::string classifier = to_string(ModelKind::kClassifier);
  m.kind = parse_kind(r.string(j, "kind", "", &classifier), r);
  const bool lm = m.is_lm();
  // A misspelt top-level key would be ignored: "sha-256" leaves the file unchecked, "datset" the default data
  // unset. Free text goes into "notes".
  const std::set<std::string> common{"name",   "kind",    "onnx",  "source", "notes",
                                     "sha256", "dataset", "input", "output"};
  const std::set<std::string> classifier_only{"preprocess", "reference_top1"};
  const std::set<std::string> lm_only{"tokenizer", "reference_perplexity"};
  reject_other_kind_keys(j, common, lm ? lm_only : classifier_only, lm ? classifier_only : lm_only, "",
                         m.kind, r);
  m.name = r.string(j, "name", "");
  m.onnx = r.string(j, "onnx", "");
  if (m.onnx.empty()) r.fail("onnx", "is empty; name the ONNX file, relative to the sidecar's folder");
  m.source = r.string(j, "source", "", &empty);
  m.sha256 = r.string(j, "sha256", "", &empty);
  // A claim about the model file's bytes, checked against them before a campaign (campaign_identity.hpp).
  if (!m.sha256.empty() &&
      (m.sha256.size() != 64 || m.sha256.find_first_not_of("0123456789abcdef") != std::string::npos))
    r.fail("sha256", "expected the 64 lowercase hex digits sha256sum prints, or no field at all");
  m.dataset = r.string(j, "dataset", "", &empty);
  if (lm)
    parse_lm(j, m, r);
  else
    parse_classifier(j, m, r);
  return m;
}

Manifest load_manifest(const std::filesystem::path& sidecar) {
  Manifest m = parse_manifest(read_text_file(sidecar), sidecar.string());
  m.json_file = sidecar;
  return m;
}

}  // namespace flipguard::data

namespace flipguard::data {

namespace {

// A causal-lm's sidecar: its kind, token input and vocabulary, no image fields.
std::string lm_manifest_json(const Manifest& m) {
  using ordered = nlohmann::ordered_json;
  ordered j;
  j["name"] = platform::utf8_or_escaped(m.name);
  j["kind"] = to_string(m.kind);
  j["onnx"] = platform::utf8_or_escaped(m.onnx);
  if (!m.source.empty()) j["source"] = platform::utf8_or_escaped(m.source);
  if (!m.sha256.empty()) j["sha256"] = m.sha256;
  if (!m.lm.tokenizer.empty()) j["tokenizer"] = platform::utf8_or_escaped(m.lm.tokenizer);
  if (!m.dataset.empty()) j["dataset"] = platform::utf8_or_escaped(m.dataset);
  j["input"] = {{"name", m.input.name}, {"sequence_length", m.lm.sequence_length}};
  j["output"] = {{"name", m.output.name}, {"vocab", m.lm.vocab}};
  if (!m.reference_perplexity.empty()) j["reference_perplexity"] = m.reference_perplexity;
  return j.dump(2) + "\n";
}

}  // namespace

std::string manifest_json(const Manifest& m) {
  if (m.is_lm()) return lm_manifest_json(m);
  using ordered = nlohmann::ordered_json;
  ordered j;
  // Names and paths may hold bytes that are not UTF-8, which JSON cannot: escaped (platform/utf8.hpp).
  j["name"] = platform::utf8_or_escaped(m.name);
  j["onnx"] = platform::utf8_or_escaped(m.onnx);
  if (!m.source.empty()) j["source"] = platform::utf8_or_escaped(m.source);
  if (!m.sha256.empty()) j["sha256"] = m.sha256;
  if (!m.dataset.empty()) j["dataset"] = platform::utf8_or_escaped(m.dataset);
  j["input"] = {{"name", m.input.name},
                {"channels", m.input.channels},
                {"height", m.input.height},
                {"width", m.input.width},
                {"layout", to_string(m.input.layout)}};
  j["output"] = {
      {"name", m.output.name}, {"classes", m.output.classes}, {"label_offset", m.output.label_offset}};
  const auto& p = m.preprocess;
  j["preprocess"] = {{"resize_shorter", p.resize_shorter},
                     {"resize_to", p.resize_to},
                     {"resize_filter", to_string(p.resize_filter)},
                     {"crop", p.crop},
                     {"channel_order", to_string(p.channel_order)},
                     {"scale", p.scale},
                     {"mean", p.mean},
                     {"std", p.std}};
  if (!m.reference_top1.empty()) j["reference_top1"] = m.reference_top1;
  return j.dump(2) + "\n";
}

const std::vector<ManifestField>& manifest_fields() {
  return schema();
}

std::string manifest_markdown() {
  std::string md =
      "# Model sidecar\n\n"
      "A sidecar is a JSON file beside an ONNX model (`models/<name>.json`) that says how to feed it: the "
      "input "
      "tensor, the output, the preprocessing of an 8-bit image and a default dataset. It is optional: "
      "`--model PATH.onnx` reads the input and output from the graph and the preprocessing from `--preset` "
      "and "
      "the preprocessing settings (docs/settings.md), which also override a sidecar's values. "
      "`flipguard model-init PATH.onnx [settings] > PATH.json` writes one from the graph and those "
      "settings.\n\n"
      "Every field the loader reads, generated from its schema (`src/data/manifest/manifest.cpp`) by "
      "`flipguard "
      "model-init --schema`; a test keeps this file current. A field without a default is required. Errors "
      "name the file and the field; unknown keys are errors, at the top level and in `input`, `output` and "
      "`preprocess` (a misspelt key would be ignored in silence: a misspelt `sha256` would leave the file "
      "unchecked, one in `preprocess` would change every result); free text goes into `notes`. What a "
      "sidecar says of its ONNX file is checked against "
      "the file whenever the model is opened (every command, the Python module): `sha256`, the input's and "
      "the output's names, `input.channels`, `height` and `width` in the stated `input.layout`, and "
      "`output.classes` (a dimension the graph leaves symbolic is not checked); a mismatch names both files "
      "and the field.\n\n"
      "A causal language model (`\"kind\": \"causal-lm\"`) reads token ids and has no `preprocess`: its "
      "input is `input.name` and `input.sequence_length`, its output `output.name` and `output.vocab`, and "
      "its data are token ids (a .npy/.npz of rows of `sequence_length + 1` ids, each row's inputs and every "
      "position's next-token target, or of `sequence_length` ids) or text read with `tokenizer` (windows of "
      "`sequence_length + 1` ids every `sequence_length` ids of the token stream). Its claims are checked "
      "against the graph too: an integer input of two dimensions whose sequence dimension, where the graph "
      "fixes it, is `input.sequence_length` (a symbolic one is run at that length), and an output of three "
      "dimensions whose last, where fixed, is `output.vocab`. A bare .onnx whose one integer input is "
      "[batch, sequence] and whose one output is [batch, sequence, vocab] is read as a causal-lm, its "
      "sequence length and vocabulary from the graph (a symbolic sequence needs a sidecar). For example:\n\n"
      "```json\n"
      "{\"name\": \"fortune-lm\", \"kind\": \"causal-lm\", \"onnx\": \"fortune-lm.onnx\",\n"
      " \"tokenizer\": \"fortune-lm.tokenizer.json\", \"dataset\": \"fortune-lm.validation.npy\",\n"
      " \"input\": {\"name\": \"input_ids\", \"sequence_length\": 128},\n"
      " \"output\": {\"name\": \"logits\", \"vocab\": 1024},\n"
      " \"reference_perplexity\": {\"tokens:fortune-lm.validation.npy\": 45.6876}}\n"
      "```\n\n"
      "| field | type | default | meaning |\n|---|---|---|---|\n";
  for (const auto& f : schema()) {
    std::string meaning;
    for (char c : f.meaning) meaning += c == '|' ? std::string("\\|") : std::string(1, c);
    md += "| `" + f.path + "` | " + f.type + " | " +
          (f.default_value.empty() ? "(required)" : "`" + f.default_value + "`") + " | " + meaning + " |\n";
  }
  md +=
      "\nPreprocessing, in order: the image is converted to the channel count (RGB, or grey), resized "
      "(`resize_shorter` or `resize_to`, with `resize_filter`), center-cropped (`crop`), put in "
      "`channel_order` "
      "and each value becomes `(pixel * scale - mean[c]) / std[c]`, laid out as `input.layout`. The "
      "effective "
      "values are part of a campaign's identity.\n";
  return md;
}

}  // namespace flipguard::data
