#include "data/manifest/manifest_lookup.hpp"

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace flipguard::data {
namespace fs = std::filesystem;

namespace {
fs::path executable_dir() {
  std::error_code ec;
  const auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : p.parent_path();
}
}  // namespace

fs::path find_manifest_file(const std::string& model, const std::string& models_dir) {
  if (model.ends_with(".json") || model.find('/') != std::string::npos) {
    if (!fs::exists(model)) throw std::runtime_error(model + ": no such model sidecar file");
    return model;
  }
  std::vector<fs::path> dirs;
  if (!models_dir.empty()) {
    dirs.push_back(models_dir);
  } else {
    if (const char* env = std::getenv("FLIPGUARD_MODELS")) dirs.push_back(env);
    if (auto exe = executable_dir(); !exe.empty()) dirs.push_back(exe.parent_path() / "models");
    dirs.push_back("models");
  }
  std::string tried;
  for (const auto& d : dirs) {
    const fs::path p = d / (model + ".json");
    if (fs::exists(p)) return p;
    tried += " " + p.string();
  }
  throw std::runtime_error("model '" + model + "' not found (tried" + tried + "); run scripts/fetch-models");
}

}  // namespace flipguard::data
