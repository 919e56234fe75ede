// The model recipe a configuration names: which ONNX file, its verified sidecar, and how the model is fed.
// `model` is a sidecar (a name in the models folder, or a .json path), or an .onnx file used without one: its
// input (name, channels, size, layout) and output (classes) come from the graph, a dynamic batch axis being
// fixed later to `batch`. The preprocessing is the sidecar's, replaced by `preset` when one is given, then
// each explicit setting (resize, crop, mean, std, scale, channel_order, resize_filter) overrides its field;
// an .onnx file needs some of these unless the data are model inputs in a tensor file (.npy/.npz), which no
// recipe touches. The result is checked as a sidecar is, with errors naming the setting's flag.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "campaign/settings/campaign_config.hpp"
#include "campaign/settings/preprocessing_values.hpp"
#include "data/loading/data_source.hpp"
#include "data/manifest/manifest.hpp"
#include "model/graph.hpp"

namespace flipguard::campaign {

// Whether `model` names an ONNX file to use without a sidecar (it ends in .onnx).
bool is_onnx_model(const std::string& model);

// A model as read from its files: the sidecar (or, for an .onnx file without one, its name and path), the
// SHA-256 of the ONNX file's bytes and its graph, read once: move it into an Executor rather than reading the
// file again (or drop it, to free its memory, when the model is not run here).
struct ModelFile {
  data::Manifest spec;
  std::string sha256;
  model::Graph graph;
};

// The one way a command or the Python module opens `model` (a name in `models_dir`, a sidecar .json or an
// .onnx file): reads the sidecar, then the ONNX file once, and checks every claim the sidecar makes about
// that file (check_sidecar_claims). An .onnx file makes no claims: its spec has only the name and the path
// (its input and output are resolve_model's to read). Throws std::runtime_error / data::DataError naming the
// files.
ModelFile open_model(const std::string& model, const std::string& models_dir);

// What a sidecar says of its ONNX file, against the file: `sha256` (when given) against the file's bytes,
// `input.name` and `output.name` against the graph's, `input.channels`, `height` and `width` (in the stated
// `input.layout`) and `output.classes` against the shapes the graph declares (symbolic dimensions are not
// checked). std::runtime_error naming both files, the field, both values, and the two ways out: write the
// sidecar anew from the file (flipguard model-init) or remove the claim.
void check_sidecar_claims(const data::Manifest& sidecar, const std::string& file_sha256,
                          const model::Graph& graph);

// The Manifest `config` describes (see above), from open_model, with the ONNX file's SHA-256. Throws
// std::invalid_argument (a setting's problem, naming its flag) or std::runtime_error / data::DataError (a
// file's problem, naming the file).
ModelFile resolve_model_file(const CampaignConfig& config);
// Its spec alone.
data::Manifest resolve_model(const CampaignConfig& config);

// The graph of `spec`'s ONNX file as the engine runs it: an input height, width or channel count the graph
// leaves symbolic (a model exported for any image size) fixed to the recipe's, so that every command builds
// the same network for the same recipe (open_model and resolve_model_file fix their graph alike).
model::Graph load_graph(const data::Manifest& spec);

// The preprocessing settings `config` gives (preset, resize, crop, mean, std, scale, channel_order,
// resize_filter) as their flags with values ("--preset torchvision", "--mean 0.5,0.5,0.5"); empty when the
// model's own (its sidecar's) preprocessing applies.
std::vector<std::string> preprocessing_settings(const CampaignConfig& config);

}  // namespace flipguard::campaign
