// Where `--model NAME` is found: a path to a sidecar .json, or NAME.json in the models folder
// (--models-dir, else $FLIPGUARD_MODELS, else <project>/models next to the build folder, else ./models).
#pragma once

#include <filesystem>
#include <string>

namespace flipguard::data {

std::filesystem::path resolve_model_sidecar(const std::string& model, const std::string& models_dir);

}  // namespace flipguard::data
