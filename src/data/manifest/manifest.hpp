// A model's manifest: which ONNX file and its sha256, its input and output, how to preprocess images, its
// default dataset and reference accuracy; how to feed the model. On disk it is the sidecar JSON beside the
// ONNX file (models/<name>.json, docs/model-sidecar.md); a bare .onnx gets one from its graph and a preset.
// A causal language model (kind causal-lm) has no image fields: its token input, vocabulary, tokenizer and
// token or text data instead. Every field read here is validated, and errors name the file and the field.
#pragma once

#include <array>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace flipguard::data {

enum class ChannelOrder { kRGB, kBGR, kGray };

const char* to_string(ChannelOrder order);

// How resize_shorter / resize_to resample (sidecar "preprocess.resize_filter").
enum class ResizeFilter {
  kBilinear,      // "bilinear": PIL Image.BILINEAR, antialiased (support widened when shrinking)
  kBilinearNoaa,  // "bilinear-noaa": plain 2-tap half-pixel bilinear, no antialiasing (see bilinear_noaa.hpp)
};

const char* to_string(ResizeFilter filter);

// How the model's input tensor holds an image: channels first (PyTorch, most ONNX exports) or last
// (TensorFlow exports).
enum class InputLayout { kNCHW, kNHWC };

const char* to_string(InputLayout layout);

struct InputSpec {
  std::string name;
  int channels = 0;
  int height = 0;
  int width = 0;
  InputLayout layout = InputLayout::kNCHW;
};

struct OutputSpec {
  std::string name;
  int classes = 0;
  int label_offset = 0;  // dataset label L is logit L + label_offset (1 for TFLite's 1001-class models)
};

struct PreprocessSpec {
  int resize_shorter = 0;              // 0: no shorter-side resize
  std::array<int, 2> resize_to{0, 0};  // [H, W]; {0, 0}: unused
  std::array<int, 2> crop{0, 0};       // center crop [H, W]; {0, 0}: none
  ResizeFilter resize_filter = ResizeFilter::kBilinear;
  ChannelOrder channel_order = ChannelOrder::kRGB;
  double scale = 1.0;
  std::vector<double> mean;  // one per output channel, in channel_order order
  std::vector<double> std;

  bool resizes() const { return resize_shorter > 0 || resize_to[0] > 0; }
  bool crops() const { return crop[0] > 0; }
};

// What the model computes, and so how it is fed and scored (sidecar "kind").
enum class ModelKind {
  kClassifier,  // "classifier": images in, one vector of class scores per image out (the default)
  kCausalLm,    // "causal-lm": token ids [batch, sequence] in, next-token logits [batch, sequence, vocab] out
};

const char* to_string(ModelKind kind);

// A causal language model's input and vocabulary (kind causal-lm; input.sequence_length, output.vocab,
// tokenizer).
struct LmSpec {
  int sequence_length = 0;  // token ids per sequence the model reads (the graph's sequence dimension)
  int vocab = 0;            // logits per position
  std::string tokenizer;    // tokenizer.json, relative to the sidecar's folder ("" if none: token files only)
};

struct Manifest {
  std::string name;
  ModelKind kind = ModelKind::kClassifier;
  LmSpec lm;         // kind causal-lm only
  std::string onnx;  // file name, relative to the sidecar's folder
  std::string source;
  std::string sha256;
  InputSpec input;
  OutputSpec output;
  PreprocessSpec preprocess;
  std::string dataset;                           // default dataset name ("" if none)
  std::map<std::string, double> reference_top1;  // dataset name -> independent Top-1 in percent
  // causal-lm: data name (LoadedData::name, e.g. "tokens:x.npy") -> independent perplexity
  std::map<std::string, double> reference_perplexity;
  std::filesystem::path json_file;  // the sidecar it was read from; empty when parsed from a string

  std::filesystem::path onnx_path() const;
  // lm.tokenizer and a causal-lm's default dataset (a path), resolved against the sidecar's folder; empty
  // when the field is.
  std::filesystem::path tokenizer_path() const;
  std::filesystem::path dataset_path() const;
  bool is_lm() const { return kind == ModelKind::kCausalLm; }
};

// `origin` names the JSON in error messages (a file path, or e.g. "<test>").
Manifest parse_manifest(std::string_view json_text, const std::string& origin);
Manifest load_manifest(const std::filesystem::path& sidecar);

// Checks that `pre` can feed `input`: channel order and mean/std fit the channel count, std non-zero and
// every 8-bit pixel a finite input, resize and crop consistent and giving the input size. Throws DataError
// "<name(field)>: <problem>", where `field` is a preprocess field ("crop", "resize_to", "std", ...): a
// sidecar names its file and field, the command line its flag.
void check_preprocess(const InputSpec& input, const PreprocessSpec& pre,
                      const std::function<std::string(const std::string& field)>& name);

// The sidecar JSON of `spec` (every field the loader reads for its kind, reference_top1 and
// reference_perplexity only when set; "kind" only for a causal-lm), which parse_manifest reads back to an
// equal spec.
std::string manifest_json(const Manifest& spec);

// One field of the sidecar schema: its path ("preprocess.crop"), JSON type, default ("" for required
// fields) and meaning. The loader reads only fields of this table; docs/model-sidecar.md is generated from
// it (manifest_markdown).
struct ManifestField {
  std::string path, type, default_value, meaning;
};
const std::vector<ManifestField>& manifest_fields();
std::string manifest_markdown();

}  // namespace flipguard::data
