// The model sidecar (models/<name>.json): how to feed a converted model. See the contract in the project
// docs; every field read here is validated, and errors name the file and the field.
#pragma once

#include <array>
#include <filesystem>
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

struct InputSpec {
  std::string name;
  int channels = 0;
  int height = 0;
  int width = 0;
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

struct ModelSpec {
  std::string name;
  std::string onnx;  // file name, relative to the sidecar's folder
  std::string source;
  std::string sha256;
  InputSpec input;
  OutputSpec output;
  PreprocessSpec preprocess;
  std::string dataset;                           // default dataset name ("" if none)
  std::map<std::string, double> reference_top1;  // dataset name -> independent Top-1 in percent
  std::filesystem::path sidecar_path;            // empty when parsed from a string

  std::filesystem::path onnx_path() const;
};

// `origin` names the JSON in error messages (a file path, or e.g. "<test>").
ModelSpec parse_model_spec(std::string_view json_text, const std::string& origin);
ModelSpec load_model_spec(const std::filesystem::path& sidecar);

}  // namespace flipguard::data
