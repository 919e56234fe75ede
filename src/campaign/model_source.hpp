// The model a configuration names and how it is fed. `model` is a sidecar (a name in the models folder, or a
// .json path), or an .onnx file used without one: its input (name, channels, size, layout) and output
// (classes) come from the graph, a dynamic batch axis being fixed later to `batch`. The preprocessing is the
// sidecar's, replaced by `preset` when one is given, then each explicit setting (resize, crop, mean, std,
// scale, channel_order, resize_filter) overrides its field; an .onnx file needs some of these unless the
// data are model inputs in a tensor file (.npy/.npz), which no recipe touches. The result is checked as a
// sidecar is, with errors naming the setting's flag.
#pragma once

#include <array>
#include <string>

#include "campaign/campaign_config.hpp"
#include "data/data_source.hpp"
#include "data/model_spec.hpp"
#include "model/graph.hpp"

namespace flipguard::campaign {

// Whether `model` names an ONNX file to use without a sidecar (it ends in .onnx).
bool is_onnx_model(const std::string& model);

// The ModelSpec `config` describes (see above). Throws std::invalid_argument (a setting's problem, naming
// its flag) or std::runtime_error / data::DataError (a file's problem, naming the file).
data::ModelSpec resolve_model(const CampaignConfig& config);

// The graph of `spec`'s ONNX file as the engine runs it: an input height, width or channel count the graph
// leaves symbolic (a model exported for any image size) fixed to the recipe's, so that every command builds
// the same network for the same recipe.
model::Graph load_graph(const data::ModelSpec& spec);

// The data the settings ask for (data, assets, classes, labels, bad images, the image subset, loading
// threads): what campaigns, eval and run load, alike.
data::DataRequest data_request(const CampaignConfig& config);

// The ONNX file of `config.model`, without reading a sidecar's preprocessing: for commands that look only at
// the weights.
std::string resolve_onnx_path(const CampaignConfig& config);

// "N" or "HxW" (positive integers), or "0"/"none": {0, 0}. std::invalid_argument naming the text otherwise.
std::array<int, 2> parse_image_size(const std::string& text);

// A number, or a fraction "A/B" (e.g. "1/255"); finite and non-zero. std::invalid_argument otherwise.
double parse_scale(const std::string& text);

}  // namespace flipguard::campaign
