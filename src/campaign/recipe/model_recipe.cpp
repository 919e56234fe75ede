#include "campaign/recipe/model_recipe.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "campaign/settings/settings.hpp"
#include "data/data_error.hpp"
#include "data/datasets/tensor_file.hpp"
#include "data/manifest/manifest_lookup.hpp"
#include "data/preprocess/preprocess_preset.hpp"
#include "hashing/sha256.hpp"
#include "model/io_signature.hpp"
#include "model/onnx_loader.hpp"
#include "platform/utf8.hpp"

namespace flipguard::campaign {
namespace {

namespace fs = std::filesystem;

// Which flag set each preprocess field, to name it in errors; fields not set by a flag are named by where
// they came from (the preset or the sidecar).
struct Origins {
  std::map<std::string, std::string> flag;  // preprocess field -> flag
  std::string fallback;                     // "preset 'torchvision'", "x.json: field 'preprocess.<f>'"
  std::string name(const std::string& field) const {
    if (const auto it = flag.find(field); it != flag.end()) return it->second;
    return fallback + (fallback.ends_with("'preprocess.") ? field + "'" : " (" + field + ")");
  }
};

data::ChannelOrder parse_channel_order(const std::string& v) {
  if (v == "RGB" || v == "rgb") return data::ChannelOrder::kRGB;
  if (v == "BGR" || v == "bgr") return data::ChannelOrder::kBGR;
  if (v == "GRAY" || v == "gray") return data::ChannelOrder::kGray;
  throw std::invalid_argument("'" + v + "' is not RGB, BGR or GRAY");
}

data::ResizeFilter parse_resize_filter(const std::string& v) {
  if (v == "bilinear") return data::ResizeFilter::kBilinear;
  if (v == "bilinear-noaa") return data::ResizeFilter::kBilinearNoaa;
  throw std::invalid_argument("'" + v + "' is not bilinear or bilinear-noaa");
}

// The explicit settings over `pre`, recording which flag set what.
void apply_settings(const CampaignConfig& c, data::PreprocessSpec& pre, Origins& origins) {
  if (!c.resize.empty()) {
    const auto size = parse_image_size(c.resize);
    const bool exact = c.resize.find('x') != std::string::npos;
    pre.resize_shorter = exact ? 0 : size[0];
    pre.resize_to = exact ? size : std::array<int, 2>{0, 0};
    origins.flag["resize_shorter"] = origins.flag["resize_to"] = "--resize " + c.resize;
  }
  if (!c.crop.empty()) {
    pre.crop = parse_image_size(c.crop);
    origins.flag["crop"] = "--crop " + c.crop;
  }
  if (!c.mean.empty()) {
    pre.mean = c.mean;
    origins.flag["mean"] = "--mean";
  }
  if (!c.std.empty()) {
    pre.std = c.std;
    origins.flag["std"] = "--std";
  }
  if (!c.scale.empty()) {
    pre.scale = parse_scale(c.scale);
    origins.flag["scale"] = "--scale " + c.scale;
  }
  if (!c.channel_order.empty()) {
    pre.channel_order = parse_channel_order(c.channel_order);
    origins.flag["channel_order"] = "--channel-order " + c.channel_order;
  }
  if (!c.resize_filter.empty()) {
    pre.resize_filter = parse_resize_filter(c.resize_filter);
    origins.flag["resize_filter"] = "--resize-filter " + c.resize_filter;
  }
}

bool has_preprocessing(const CampaignConfig& c) {
  return !preprocessing_settings(c).empty();
}

// A sidecar claim the ONNX file contradicts: names both files, the field, both values and the ways out (a
// claim the sidecar may leave out can be removed; a required one corrected).
[[noreturn]] void claim_fails(const data::Manifest& m, const std::string& field, const std::string& claim,
                              const std::string& actual) {
  const std::string sidecar = m.json_file.string(), onnx = m.onnx_path().string();
  const bool optional = field == "sha256" || field == "input.layout";
  throw std::runtime_error(
      sidecar + ": field '" + field + "' says " + claim + ", but " + onnx + " has " + actual +
      ": the sidecar does not describe this model file (the file changed since the sidecar "
      "was written, or belongs to another sidecar); restore the file, or write the sidecar "
      "anew from it (flipguard model-init " +
      onnx + " [preprocessing settings] --out " + sidecar + "), or " +
      (optional ? "remove the field '" + field + "' from " : "correct the field '" + field + "' in ") +
      sidecar);
}

void check_sha256_claim(const data::Manifest& m, const std::string& file_sha256) {
  if (!m.sha256.empty() && m.sha256 != file_sha256) claim_fails(m, "sha256", m.sha256, file_sha256);
}

std::string quoted(const std::string& s) {
  return "'" + s + "'";
}

std::string value_names(const std::vector<model::ValueInfo>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + quoted(v.name);
  return out;
}

const model::ValueInfo* find_value(const std::vector<model::ValueInfo>& values, const std::string& name) {
  for (const auto& v : values)
    if (v.name == name) return &v;
  return nullptr;
}

void check(const data::InputSpec& input, const data::PreprocessSpec& pre, const Origins& origins) {
  try {
    data::check_preprocess(input, pre, [&origins](const std::string& f) { return origins.name(f); });
  } catch (const data::DataError& e) {
    throw std::invalid_argument(e.what());  // a setting's problem: the run's usage, not a file's
  }
}

// An input height, width or channel count the graph leaves symbolic (a model exported for any image size)
// fixed to the recipe's.
void fix_symbolic_input(model::Graph& g, const data::Manifest& spec) {
  // A language model's symbolic sequence dimension: the sidecar's sequence length.
  if (spec.is_lm()) {
    if (!g.inputs.empty() && g.inputs[0].dims.size() == 2 && g.inputs[0].dims[1] <= 0 &&
        spec.lm.sequence_length > 0)
      g.inputs[0].dims[1] = spec.lm.sequence_length;
    return;
  }
  if (g.inputs.empty() || g.inputs[0].dims.size() != 4) return;
  const bool last = spec.input.layout == data::InputLayout::kNHWC;
  const std::array<std::int64_t, 3> chw{spec.input.channels, spec.input.height, spec.input.width};
  const std::array<std::size_t, 3> at =
      last ? std::array<std::size_t, 3>{3, 1, 2} : std::array<std::size_t, 3>{1, 2, 3};
  for (std::size_t i = 0; i < 3; ++i)
    if (g.inputs[0].dims[at[i]] <= 0 && chw[i] > 0) g.inputs[0].dims[at[i]] = chw[i];
}

// Whether `graph` reads as a causal language model: one integer input [batch, sequence] and one output
// [batch, sequence, vocab].
bool is_lm_graph(const model::Graph& graph) {
  return graph.inputs.size() == 1 && graph.outputs.size() == 1 && graph.inputs[0].integer &&
         graph.inputs[0].dims.size() == 2 && graph.outputs[0].dims.size() == 3;
}

[[noreturn]] void refuse_preprocessing(const CampaignConfig& c, const std::string& model) {
  std::string given;
  for (const auto& s : preprocessing_settings(c)) given += (given.empty() ? "" : ", ") + s;
  throw std::invalid_argument(
      given + ": " + model +
      " is a causal language model, which reads token ids: the preprocessing settings "
      "are for images");
}

// A bare .onnx language model: its input and output names, sequence length and vocabulary from the graph.
data::Manifest lm_from_onnx(const CampaignConfig& c, data::Manifest m, const model::Graph& graph) {
  const std::string& path = c.model;
  if (has_preprocessing(c)) refuse_preprocessing(c, path);
  const model::ValueInfo& in = graph.inputs[0];
  const model::ValueInfo& out = graph.outputs[0];
  m.kind = data::ModelKind::kCausalLm;
  m.input.name = in.name;
  m.output.name = out.name;
  const std::int64_t seq = in.dims[1], vocab = out.dims[2];
  if (vocab <= 0 || vocab > (1 << 24))
    throw std::runtime_error(path + ": output '" + out.name + "' has shape " +
                             model::dims_to_string(out.dims) + ": its vocabulary (last dimension) is " +
                             (vocab <= 0 ? "symbolic" : "more than 16777216") +
                             "; give a sidecar (kind causal-lm) with output.vocab (docs/model-sidecar.md)");
  if (vocab < 2)
    throw std::runtime_error(path + ": output '" + out.name + "' has shape " +
                             model::dims_to_string(out.dims) + ": a vocabulary of " + std::to_string(vocab) +
                             ", a language model needs 2 or more");
  if (seq <= 0)
    throw std::invalid_argument(path + ": input '" + in.name + "' has shape " +
                                model::dims_to_string(in.dims) +
                                " with a symbolic sequence length: give a sidecar (kind causal-lm) with "
                                "input.sequence_length (docs/model-sidecar.md)");
  if (seq > (1 << 24))
    throw std::runtime_error(path + ": input '" + in.name + "' has a sequence length of " +
                             std::to_string(seq) + ", more than 16777216");
  m.lm.sequence_length = static_cast<int>(seq);
  m.lm.vocab = static_cast<int>(vocab);
  return m;
}

// `m`: open_model's spec of the .onnx file (its name and path), `graph` its graph.
data::Manifest from_onnx(const CampaignConfig& c, data::Manifest m, const model::Graph& graph) {
  if (is_lm_graph(graph)) return lm_from_onnx(c, std::move(m), graph);
  const std::string& path = c.model;
  const auto sig = model::io_signature(graph);
  m.input.name = sig.input_name;
  m.input.channels = static_cast<int>(sig.channels);
  m.input.layout = sig.channels_last ? data::InputLayout::kNHWC : data::InputLayout::kNCHW;
  m.output.name = sig.output_name;
  if (sig.classes > (1 << 24))
    throw std::runtime_error(path + ": output '" + sig.output_name + "' has " + std::to_string(sig.classes) +
                             " values per image, more than a classifier's 16777216");
  m.output.classes = static_cast<int>(sig.classes);
  // Model inputs in a tensor file are fed as they are: only images need a recipe.
  if (!has_preprocessing(c) && !data::is_tensor_file_name(c.data))
    throw std::invalid_argument(path + " has no sidecar: give --preset (" + [] {
      std::string names;
      for (const auto& n : data::preset_names()) names += (names.empty() ? "" : ", ") + n;
      return names;
    }() + ") and/or the preprocessing settings (--resize, --crop, --mean, --std, --scale, --channel-order)");
  Origins origins;
  origins.fallback = c.preset.empty() ? "preset 'none'" : "preset '" + c.preset + "'";
  try {
    m.preprocess = data::preset_preprocess(c.preset.empty() ? "none" : c.preset, m.input.channels);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("--preset: " + std::string(e.what()) + " (" + path + ")");
  }
  apply_settings(c, m.preprocess, origins);
  // The size comes from the graph; a graph with a symbolic height and width takes the crop's (or the exact
  // resize's).
  m.input.height = static_cast<int>(sig.height);
  m.input.width = static_cast<int>(sig.width);
  if (m.input.height == 0 || m.input.width == 0) {
    const auto& from = m.preprocess.crops() ? m.preprocess.crop : m.preprocess.resize_to;
    if (from[0] == 0)
      throw std::invalid_argument(path + ": input '" + sig.input_name +
                                  "' has a symbolic height or width: give its size with --crop HxW");
    if (m.input.height == 0) m.input.height = from[0];
    if (m.input.width == 0) m.input.width = from[1];
  }
  check(m.input, m.preprocess, origins);
  return m;
}

// The settings over a sidecar's preprocessing (a preset replaces it, each setting overrides its field).
void resolve_preprocessing(const CampaignConfig& c, data::Manifest& m) {
  if (!has_preprocessing(c)) return;
  if (m.is_lm()) refuse_preprocessing(c, m.json_file.string());
  Origins origins;
  origins.fallback = m.json_file.string() + ": field 'preprocess.";
  if (!c.preset.empty()) {
    try {
      m.preprocess = data::preset_preprocess(c.preset, m.input.channels);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("--preset: " + std::string(e.what()) + " (" + m.json_file.string() + ")");
    }
    origins.fallback = "preset '" + c.preset + "'";
  }
  apply_settings(c, m.preprocess, origins);
  check(m.input, m.preprocess, origins);
}

// A causal-lm sidecar's claims: an integer input [batch, sequence] and an output [batch, sequence, vocab],
// their fixed dimensions equal to the sidecar's.
void check_lm_claims(const data::Manifest& m, const model::ValueInfo& in, const model::ValueInfo& out) {
  const std::string in_shape = "input '" + in.name + "' of shape " + model::dims_to_string(in.dims);
  const std::string out_shape = "output '" + out.name + "' of shape " + model::dims_to_string(out.dims);
  if (!in.integer)
    claim_fails(m, "kind", "\"causal-lm\" (token ids in)", in_shape + " holding floating-point values");
  if (in.dims.size() != 2) claim_fails(m, "kind", "\"causal-lm\" (token ids [batch, sequence] in)", in_shape);
  if (out.dims.size() != 3)
    claim_fails(m, "kind", "\"causal-lm\" (logits [batch, sequence, vocab] out)", out_shape);
  const std::int64_t seq = m.lm.sequence_length;
  if (in.dims[1] > 0 && in.dims[1] != seq)
    claim_fails(m, "input.sequence_length", std::to_string(seq), in_shape);
  if (out.dims[1] > 0 && out.dims[1] != seq)
    claim_fails(m, "input.sequence_length", std::to_string(seq), out_shape);
  if (out.dims[2] > 0 && out.dims[2] != m.lm.vocab)
    claim_fails(m, "output.vocab", std::to_string(m.lm.vocab), out_shape);
}

}  // namespace

bool is_onnx_model(const std::string& model) {
  return model.size() > 5 && model.ends_with(".onnx");
}

void check_sidecar_claims(const data::Manifest& m, const std::string& file_sha256,
                          const model::Graph& graph) {
  check_sha256_claim(m, file_sha256);

  const model::ValueInfo* in = find_value(graph.inputs, m.input.name);
  if (!in)
    claim_fails(
        m, "input.name", quoted(m.input.name),
        std::string(graph.inputs.size() == 1 ? "the input " : "the inputs ") + value_names(graph.inputs));
  const auto output = [&]() -> const model::ValueInfo& {
    const model::ValueInfo* out = find_value(graph.outputs, m.output.name);
    if (!out)
      claim_fails(m, "output.name", quoted(m.output.name),
                  std::string(graph.outputs.size() == 1 ? "the output " : "the outputs ") +
                      value_names(graph.outputs));
    return *out;
  };
  if (m.is_lm()) return check_lm_claims(m, *in, output());
  // Four dimensions read in the layout the sidecar states; a symbolic one (<= 0) claims nothing.
  if (in->dims.size() == 4) {
    const auto fits = [&](data::InputLayout layout) {
      const bool last = layout == data::InputLayout::kNHWC;
      const std::int64_t c = in->dims[last ? 3 : 1], h = in->dims[last ? 1 : 2], w = in->dims[last ? 2 : 3];
      return std::array<bool, 3>{c <= 0 || c == m.input.channels, h <= 0 || h == m.input.height,
                                 w <= 0 || w == m.input.width};
    };
    const auto stated = fits(m.input.layout);
    const std::string shape = "input '" + in->name + "' of shape " + model::dims_to_string(in->dims);
    if (stated != std::array<bool, 3>{true, true, true}) {
      const auto other =
          m.input.layout == data::InputLayout::kNHWC ? data::InputLayout::kNCHW : data::InputLayout::kNHWC;
      if (fits(other) == std::array<bool, 3>{true, true, true})
        claim_fails(m, "input.layout", std::string("\"") + data::to_string(m.input.layout) + "\"",
                    shape + ", which is " + data::to_string(other));
      const char* fields[] = {"input.channels", "input.height", "input.width"};
      const int claims[] = {m.input.channels, m.input.height, m.input.width};
      for (int i = 0; i < 3; ++i)
        if (!stated[static_cast<std::size_t>(i)])
          claim_fails(m, fields[i], std::to_string(claims[i]),
                      shape + " (read as " + data::to_string(m.input.layout) + ")");
    }
  }

  const model::ValueInfo* out = &output();
  // Values per image: the product of the non-batch dimensions, when the graph declares them all.
  std::int64_t classes = out->dims.size() > 1 ? 1 : 0;
  for (std::size_t i = 1; i < out->dims.size() && classes > 0; ++i)
    classes = out->dims[i] > 0 ? classes * out->dims[i] : 0;
  if (classes > 0 && classes != m.output.classes)
    claim_fails(m, "output.classes", std::to_string(m.output.classes),
                "output '" + out->name + "' of shape " + model::dims_to_string(out->dims) + " (" +
                    std::to_string(classes) + " values per image)");
}

ModelFile open_model(const std::string& model, const std::string& models_dir) {
  ModelFile f;
  if (is_onnx_model(model)) {
    std::error_code ec;
    if (!fs::exists(model, ec)) throw std::runtime_error(model + ": no such model file");
    if (fs::is_directory(model, ec))
      throw std::runtime_error(model + ": is a folder, not an ONNX model file");
    f.spec.name = platform::utf8_or_escaped(fs::path(model).stem().string());  // for records (JSON)
    f.spec.onnx = model;
    f.sha256 = hashing::sha256_of_file(model, "an ONNX model file");
    f.graph = model::load_onnx(model);
    return f;
  }
  f.spec = data::load_manifest(data::find_manifest_file(model, models_dir));
  const std::string onnx = f.spec.onnx_path().string();
  std::error_code ec;
  if (!fs::exists(onnx, ec))
    throw std::runtime_error(f.spec.json_file.string() + ": field 'onnx' names " + onnx +
                             ", which does not exist");
  if (fs::is_directory(onnx, ec)) throw std::runtime_error(onnx + ": is a folder, not an ONNX model file");
  f.sha256 = hashing::sha256_of_file(onnx, "an ONNX model file");
  // The bytes first: a file its claim does not match is named as such, whatever it holds.
  check_sha256_claim(f.spec, f.sha256);
  f.graph = model::load_onnx(onnx);
  check_sidecar_claims(f.spec, f.sha256, f.graph);
  fix_symbolic_input(f.graph, f.spec);
  return f;
}

std::vector<std::string> preprocessing_settings(const CampaignConfig& c) {
  std::vector<std::string> given;
  for (const char* key :
       {"preset", "resize", "crop", "mean", "std", "scale", "channel_order", "resize_filter"}) {
    const Setting* s = find_setting_by_key(key);
    if (!s) throw std::logic_error(std::string("preprocessing setting '") + key + "' is not in the table");
    if (const std::string value = s->show(c); !value.empty()) given.push_back(s->flag + " " + value);
  }
  return given;
}

model::Graph load_graph(const data::Manifest& spec) {
  model::Graph g = model::load_onnx(spec.onnx_path().string());
  fix_symbolic_input(g, spec);
  return g;
}

ModelFile resolve_model_file(const CampaignConfig& c) {
  ModelFile f = open_model(c.model, c.models_dir);
  if (is_onnx_model(c.model))
    f.spec = from_onnx(c, std::move(f.spec), f.graph);
  else
    resolve_preprocessing(c, f.spec);
  fix_symbolic_input(f.graph, f.spec);
  return f;
}

data::Manifest resolve_model(const CampaignConfig& c) {
  return resolve_model_file(c).spec;
}

}  // namespace flipguard::campaign
