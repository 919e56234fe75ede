#include "data/datasets/dataset_registry.hpp"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <system_error>

#include "data/data_error.hpp"
#include "data/datasets/cifar10_jpeg.hpp"
#include "data/datasets/imagenet_val.hpp"
#include "data/datasets/mnist_idx.hpp"
#include "data/datasets/raw_image_dataset.hpp"

namespace flipguard::data {

namespace {

using Opener = std::function<std::unique_ptr<Dataset>(const std::filesystem::path& folder, const std::string&,
                                                      BadImages)>;

// One entry per built-in dataset, in name order (listings and errors show them so): its name, the folder
// below the assets folder that holds it, its reader.
struct BuiltinDataset {
  std::string name;
  std::filesystem::path folder;
  Opener open;
};

const std::vector<BuiltinDataset>& builtins() {
  static const std::vector<BuiltinDataset> table{
      {"cifar10-jpeg", std::filesystem::path("cifar10") / "test-jpeg",
       [](const auto& f, const auto& n, BadImages b) { return open_cifar10_jpeg(f, n, b); }},
      {"cifar10-lossless200", std::filesystem::path("cifar10") / "test-lossless-200",
       [](const auto& f, const auto& n, BadImages b) { return open_cifar10_raw(f, n, b); }},
      {"imagenet-val1300", "imagenet-val1300",
       [](const auto& f, const auto& n, BadImages b) { return open_imagenet_list(f, n, b); }},
      {"mnist-test", "mnist", [](const auto& f, const auto& n, BadImages) { return open_mnist_test(f, n); }},
  };
  return table;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

bool is_dir(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::is_directory(p, ec);
}

}  // namespace

std::vector<std::string> dataset_names() {
  std::vector<std::string> names;
  for (const auto& d : builtins()) names.push_back(d.name);
  return names;
}

std::vector<std::string> dataset_top_folders() {
  std::vector<std::string> folders;
  for (const auto& d : builtins())
    if (const std::string top = d.folder.begin()->string() + "/";
        std::find(folders.begin(), folders.end(), top) == folders.end())
      folders.push_back(top);
  return folders;
}

std::unique_ptr<Dataset> open_dataset(const std::string& name, const std::filesystem::path& assets_dir,
                                      BadImages bad_images) {
  const auto& table = builtins();
  const auto it = std::find_if(table.begin(), table.end(), [&](const auto& d) { return d.name == name; });
  if (it == table.end()) {
    std::string known;
    for (const std::string& n : dataset_names()) known += (known.empty() ? "" : ", ") + n;
    throw DataError("unknown dataset '" + name + "' (known: " + known + ")");
  }
  return it->open(assets_dir / it->folder, name, bad_images);
}

std::filesystem::path resolve_assets_dir(const std::filesystem::path& override_dir) {
  std::vector<std::filesystem::path> tried;
  const auto accept = [&](const std::filesystem::path& p) {
    tried.push_back(p);
    return is_dir(p);
  };
  // An explicit choice that does not exist is an error, not a reason to look elsewhere.
  const auto explicit_dir = [&](const std::filesystem::path& p, const std::string& what) {
    if (!is_dir(p)) throw DataError("assets folder " + p.string() + " (" + what + ") does not exist");
    return p;
  };
  if (!override_dir.empty()) return explicit_dir(override_dir, "given explicitly");
  if (const std::string e = env("FLIPGUARD_ASSETS"); !e.empty())
    return explicit_dir(e, "from $FLIPGUARD_ASSETS");
  if (const std::string src = env("FLIPGUARD_SOURCE_DIR"); !src.empty())
    if (const auto p = std::filesystem::path(src) / ".." / "shared" / "assets"; accept(p))
      return p.lexically_normal();
  std::error_code ec;
  std::vector<std::filesystem::path> starts{std::filesystem::current_path(ec)};
  if (const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec); !ec)
    starts.push_back(exe.parent_path());
  for (std::filesystem::path dir : starts) {
    for (; !dir.empty(); dir = dir.parent_path()) {
      if (accept(dir.parent_path() / "shared" / "assets")) return dir.parent_path() / "shared" / "assets";
      if (dir == dir.parent_path()) break;
    }
  }
  std::string list;
  for (const auto& p : tried) list += "\n  " + p.string();
  throw DataError("cannot find the assets folder; set FLIPGUARD_ASSETS or pass it explicitly. Tried:" + list);
}

}  // namespace flipguard::data
