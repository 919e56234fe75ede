#include "data/model_spec.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "data/data_error.hpp"
#include "data/file_io.hpp"

namespace flipguard::data {

namespace {

using nlohmann::json;

// Field access with error messages of the form "<file>: field 'a.b': <problem>".
class FieldReader {
 public:
  explicit FieldReader(std::string origin) : origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw DataError(origin_ + ": field '" + field + "': " + problem);
  }

  const json& object(const json& parent, const std::string& key, const std::string& prefix) const {
    const std::string field = prefix + key;
    if (!parent.contains(key)) fail(field, "missing (required object)");
    const json& v = parent.at(key);
    if (!v.is_object()) fail(field, "expected an object, got " + v.dump());
    return v;
  }

  std::string string(const json& parent, const std::string& key, const std::string& prefix,
                     const std::string* fallback = nullptr) const {
    const std::string field = prefix + key;
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
    if (!parent.contains(key)) {
      if (fallback) return *fallback;
      fail(field, "missing (required integer)");
    }
    return to_int(parent.at(key), field, min_value);
  }

  double number(const json& parent, const std::string& key, const std::string& prefix,
                const double* fallback = nullptr) const {
    const std::string field = prefix + key;
    if (!parent.contains(key)) {
      if (fallback) return *fallback;
      fail(field, "missing (required number)");
    }
    return to_double(parent.at(key), field);
  }

  std::array<int, 2> int_pair(const json& parent, const std::string& key, const std::string& prefix) const {
    const std::string field = prefix + key;
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

// Unknown keys in "preprocess" are rejected: a misspelt key there would silently change every result.
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
  for (double d : s.std)
    if (d == 0.0) r.fail("preprocess.std", "entries must be non-zero");
  // Every 8-bit pixel value must give a finite float input: a tiny std (or a huge scale) would turn images
  // into Inf and every prediction into a silent 0 %. The preprocessor computes exactly these 256 values.
  for (std::size_t c = 0; c < s.mean.size(); ++c)
    for (int v : {0, 255}) {
      const double x = (v * s.scale - s.mean[c]) / s.std[c];
      if (!std::isfinite(static_cast<float>(x))) {
        char buf[200];
        std::snprintf(buf, sizeof buf,
                      "channel %zu: pixel value %d gives (%d x %g - %g) / %g = %g, which is not a finite float "
                      "input",
                      c, v, v, s.scale, s.mean[c], s.std[c], x);
        r.fail("preprocess.std", buf);
      }
    }

  const bool grey = s.channel_order == ChannelOrder::kGray;
  if (grey != (input.channels == 1))
    r.fail("preprocess.channel_order", std::string("\"") + to_string(s.channel_order) + "\" does not fit " +
                                           std::to_string(input.channels) +
                                           " input channels (GRAY needs 1, " + "RGB/BGR need 3)");
  if (s.resize_shorter > 0 && s.resize_to[0] > 0)
    r.fail("preprocess.resize_to", "resize_shorter and resize_to are alternatives; set one of them to 0");
  const std::array<int, 2> in_hw{input.height, input.width};
  if (s.crops() && s.crop != in_hw)
    r.fail("preprocess.crop", "crop [" + std::to_string(s.crop[0]) + ", " + std::to_string(s.crop[1]) +
                                  "] must equal the input size [" + std::to_string(input.height) + ", " +
                                  std::to_string(input.width) + "]");
  if (!s.crops() && s.resize_to[0] > 0 && s.resize_to != in_hw)
    r.fail("preprocess.resize_to", "without a crop, resize_to must equal the input size [" +
                                       std::to_string(input.height) + ", " + std::to_string(input.width) +
                                       "]");
  return s;
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

std::filesystem::path ModelSpec::onnx_path() const {
  return sidecar_path.empty() ? std::filesystem::path(onnx) : sidecar_path.parent_path() / onnx;
}

ModelSpec parse_model_spec(std::string_view json_text, const std::string& origin) {
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
  ModelSpec m;
  m.name = r.string(j, "name", "");
  m.onnx = r.string(j, "onnx", "");
  m.source = r.string(j, "source", "", &empty);
  m.sha256 = r.string(j, "sha256", "", &empty);
  // A claim about the model file's bytes, checked against them before a campaign (campaign_identity.hpp).
  if (!m.sha256.empty() &&
      (m.sha256.size() != 64 || m.sha256.find_first_not_of("0123456789abcdef") != std::string::npos))
    r.fail("sha256", "expected the 64 lowercase hex digits sha256sum prints, or no field at all");
  m.dataset = r.string(j, "dataset", "", &empty);

  const json& in = r.object(j, "input", "");
  m.input.name = r.string(in, "name", "input.");
  m.input.channels = r.integer(in, "channels", "input.", 1);
  if (m.input.channels != 1 && m.input.channels != 3)
    r.fail("input.channels", "expected 1 or 3, got " + std::to_string(m.input.channels));
  m.input.height = r.integer(in, "height", "input.", 1);
  m.input.width = r.integer(in, "width", "input.", 1);

  const json& out = r.object(j, "output", "");
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
  return m;
}

ModelSpec load_model_spec(const std::filesystem::path& sidecar) {
  ModelSpec m = parse_model_spec(read_text_file(sidecar), sidecar.string());
  m.sidecar_path = sidecar;
  return m;
}

}  // namespace flipguard::data
