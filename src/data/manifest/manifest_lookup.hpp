// Where the manifest `--model NAME` names is found: a path to a sidecar .json, or NAME.json in the models
// folder (--models-dir, else $FLIPGUARD_MODELS, else <project>/models next to the build folder, else
// ./models).
#pragma once

#include <filesystem>
#include <string>

namespace flipguard::data {

std::filesystem::path find_manifest_file(const std::string& model, const std::string& models_dir);

}  // namespace flipguard::data
