// flipguard model-init: a model sidecar (docs/model-sidecar.md) written from an ONNX graph and the
// preprocessing settings, to fix a recipe once instead of repeating flags.
#include <filesystem>
#include <iostream>

#include "campaign/recipe/model_recipe.hpp"
#include "campaign/settings/settings.hpp"
#include "cli/command.hpp"
#include "data/manifest/manifest.hpp"
#include "platform/output_file.hpp"

namespace flipguard::cli {
namespace {

namespace fs = std::filesystem;

int model_init(const Arguments& args) {
  if (args.has("--schema")) {
    std::cout << data::manifest_markdown();
    return 0;
  }
  campaign::CampaignConfig c = args.config;
  if (args.positionals.size() > 1) throw UsageError("one model at a time");
  if (!args.positionals.empty()) c.model = args.positionals[0];
  if (args.positionals.empty() && !args.given.count("--model"))
    throw UsageError("name the model: MODEL.onnx");
  auto [spec, sha256, graph] = campaign::resolve_model_file(c);
  spec.sha256 = sha256;
  const fs::path onnx = spec.onnx_path();
  const std::string out = args.value("--out");
  const auto inputs = args.input_files(&spec);  // before the onnx field below is made relative to `out`
  // The onnx field is relative to the sidecar's folder: beside the model when written to standard output.
  spec.onnx = out.empty()
                  ? onnx.filename().string()
                  : fs::relative(fs::absolute(onnx), fs::absolute(fs::path(out)).parent_path()).string();
  // A causal-lm's tokenizer and data are files relative to the sidecar's folder, as the onnx field is.
  if (spec.is_lm()) {
    const fs::path folder =
        out.empty() ? fs::absolute(onnx).parent_path() : fs::absolute(fs::path(out)).parent_path();
    const auto rebase = [&folder](const fs::path& p) {
      return fs::relative(fs::absolute(p), folder).string();
    };
    if (!spec.lm.tokenizer.empty()) spec.lm.tokenizer = rebase(spec.tokenizer_path());
    if (const fs::path data = c.data.empty() ? spec.dataset_path() : fs::path(c.data); !data.empty())
      spec.dataset = rebase(data);
  } else if (!c.data.empty()) {
    spec.dataset = c.data;
  }
  if (spec.source.empty()) spec.source = "written by flipguard model-init from " + onnx.filename().string();
  const std::string json = data::manifest_json(spec);
  (void)data::parse_manifest(json, "the written sidecar");  // what is written reads back
  if (out.empty()) {
    std::cout << json;
    return 0;
  }
  const std::string_view parts[] = {json};
  platform::write_output_file(out, parts, inputs, "the sidecar");
  std::cerr << "wrote " << out << "\n";
  return 0;
}

const RegisterCommand reg{
    {.name = "model-init",
     .summary = "write a model sidecar (.json) from an ONNX graph and preprocessing settings",
     .positionals = "MODEL.onnx",
     .settings = campaign::kForModelInit,
     .options = {{"--out", "FILE.json",
                  "write the sidecar there (its onnx field relative to that folder) "
                  "instead of standard output (onnx: the file name, for a sidecar beside "
                  "the model)"},
                 {"--schema", "", "print the sidecar schema as Markdown (docs/model-sidecar.md) and exit"}},
     .notes =
         "Example: flipguard model-init my.onnx --preset torchvision --data imagenet-val1300 > my.json. "
         "The input and output come from the graph, the preprocessing from --preset and the settings, the "
         "sha256 from the file; --data sets the default dataset.",
     .run = model_init}};

}  // namespace
}  // namespace flipguard::cli
