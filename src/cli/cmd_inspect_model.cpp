// flipguard inspect-model: the stored weight tensors a campaign would fault, with the nodes that read them
// (exported weights are often named like `onnx::Conv_193`), their shapes, sizes, largest magnitude and the
// bits each storage format would hold; --tensors shows what a selection picks. With --site activations: the
// values nodes write instead, per image.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "campaign/recipe/model_recipe.hpp"
#include "campaign/settings/settings.hpp"
#include "cli/command.hpp"
#include "engine/executor.hpp"
#include "fault_sites/activations/value_selection.hpp"
#include "fault_sites/faulty_weights.hpp"
#include "fault_sites/slot_selection.hpp"
#include "memory/format.hpp"
#include "model/onnx_loader.hpp"
#include "model/weight_users.hpp"

namespace flipguard::cli {
namespace {

// The values the activations site can fault, per image: what --tensors picks among them.
int inspect_values(engine::Executor& ex, const campaign::CampaignConfig& c,
                   const std::vector<memory::Format>& formats, const std::string& onnx) {
  const auto selected = fault_sites::select_values(ex.written_values(), c.tensors);
  std::int64_t total = 0;
  for (const auto& v : selected) total += v.elements_per_image();
  std::printf("model %s: %zu values nodes write%s, %lld elements per image (after fused activations)\n",
              onnx.c_str(), selected.size(),
              c.tensors == "all" ? "" : (" selected by '" + c.tensors + "'").c_str(),
              static_cast<long long>(total));
  std::printf("%-32s %-32s %-10s %-16s %10s", "value", "node", "op", "shape", "elements");
  for (const auto& f : formats) std::printf(" %12s", (f.name() + " bits").c_str());
  std::printf("\n");
  for (const auto& v : selected) {
    std::printf("%-32s %-32s %-10s %-16s %10lld", v.name.c_str(), v.node.c_str(), v.op.c_str(),
                model::dims_to_string(v.dims).c_str(), static_cast<long long>(v.elements_per_image()));
    for (const auto& f : formats)
      std::printf(" %12lld",
                  static_cast<long long>(v.elements_per_image()) * static_cast<long long>(f.bits()));
    std::printf("\n");
  }
  std::printf("%-32s %-32s %-10s %-16s %10lld", "total", "", "", "", static_cast<long long>(total));
  for (const auto& f : formats)
    std::printf(" %12lld", static_cast<long long>(total) * static_cast<long long>(f.bits()));
  std::printf("\n");
  return 0;
}

int inspect(const Arguments& args) {
  campaign::CampaignConfig c = args.config;
  if (args.positionals.size() > 1) throw UsageError("one model at a time");
  if (!args.positionals.empty()) c.model = args.positionals[0];
  std::vector<memory::Format> formats;
  for (const auto& f : c.formats) formats.push_back(memory::Format::parse(f));

  auto opened = campaign::open_model(c.model, c.models_dir);
  // A bare .onnx of token ids [batch, sequence] is read as campaigns read it (a causal-lm, its sequence
  // length and vocabulary from the graph), so that a symbolic sequence is named as the missing sidecar field.
  if (const auto& in = opened.graph.inputs;
      campaign::is_onnx_model(c.model) && in.size() == 1 && in[0].integer && in[0].dims.size() == 2)
    opened = campaign::resolve_model_file(c);
  const std::string onnx = opened.spec.onnx_path().string();
  if (const auto& m = opened.spec; m.is_lm()) {
    const std::string tokenizer =
        m.lm.tokenizer.empty() ? "none (token files only)" : m.tokenizer_path().string();
    std::printf(
        "model %s: kind %s, input '%s' [batch, %d] token ids, output '%s' [batch, %d, %d] logits; "
        "sequence length %d, vocab %d, tokenizer %s\n",
        onnx.c_str(), data::to_string(m.kind), m.input.name.c_str(), m.lm.sequence_length,
        m.output.name.c_str(), m.lm.sequence_length, m.lm.vocab, m.lm.sequence_length, m.lm.vocab,
        tokenizer.c_str());
  }
  engine::ExecutorOptions eo;
  eo.batch = 1;
  eo.threads = 1;
  eo.fold_batchnorm = !args.has("--no-fold-bn");
  eo.unfused = c.unfused;
  engine::Executor ex(std::move(opened.graph), eo);
  if (c.site == "activations") return inspect_values(ex, c, formats, onnx);
  const auto selected = fault_sites::select_slots(ex, c.tensors);
  const auto users = model::weight_users(ex.graph());

  std::int64_t total = 0;
  for (const auto* s : selected) total += s->size();
  std::printf(
      "model %s: %zu stored weight tensors%s, %lld weights (biases are not faulted%s)\n", onnx.c_str(),
      selected.size(), c.tensors == "all" ? "" : (" selected by '" + c.tensors + "'").c_str(),
      static_cast<long long>(total), eo.fold_batchnorm ? "; BatchNorm folded into the convolutions" : "");
  std::printf("%-32s %-32s %-10s %-16s %10s %10s", "tensor", "node", "op", "shape", "elements", "max|W|");
  for (const auto& f : formats) std::printf(" %12s", (f.name() + " bits").c_str());
  std::printf("\n");
  for (const auto* s : selected) {
    std::string nodes, ops;
    if (const auto it = users.find(s->name()); it != users.end())
      for (const auto* n : it->second) {
        nodes += (nodes.empty() ? "" : ",") + n->name;
        if (ops.find(n->op_type) == std::string::npos) ops += (ops.empty() ? "" : ",") + n->op_type;
      }
    float max_abs = 0;
    for (float v : s->clean()) max_abs = std::max(max_abs, std::abs(v));
    std::printf("%-32s %-32s %-10s %-16s %10lld %10.4g", s->name().c_str(), nodes.c_str(), ops.c_str(),
                model::dims_to_string(s->dims()).c_str(), static_cast<long long>(s->size()), max_abs);
    for (const auto& f : formats)
      std::printf(" %12lld", static_cast<long long>(s->size()) * static_cast<long long>(f.bits()));
    std::printf("\n");
  }
  std::printf("%-32s %-32s %-10s %-16s %10lld %10s", "total", "", "", "", static_cast<long long>(total), "");
  for (const auto& f : formats)
    std::printf(" %12lld", static_cast<long long>(total) * static_cast<long long>(f.bits()));
  std::printf("\n");
  return 0;
}

const RegisterCommand reg{
    {.name = "inspect-model",
     .summary =
         "the stored weight tensors a campaign would fault: nodes, shapes, sizes, max|W|, bits per format",
     .positionals = "[MODEL]",
     .settings = campaign::kForInspectModel,
     .options = {{"--no-fold-bn", "",
                  "keep BatchNormalization layers (default: folded, as campaigns store them)"}},
     .notes =
         "MODEL (or --model) is a model name, a sidecar .json or an .onnx file. --tensors takes a weight's "
         "name, a node's name or a regex, as campaigns do; a selection that matches nothing lists every "
         "stored weight with its nodes. Bits are those of the data words (ECC check bits come on top).",
     .run = inspect}};

}  // namespace
}  // namespace flipguard::cli
