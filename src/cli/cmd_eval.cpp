// flipguard eval: clean accuracy and speed of a model on a dataset, as the baseline every fault campaign
// compares against.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "campaign/recipe/resolved_config.hpp"
#include "campaign/records/campaign_identity.hpp"
#include "campaign/settings/settings.hpp"
#include "cli/command.hpp"
#include "cli/progress.hpp"
#include "data/loading/batch_loader.hpp"
#include "data/loading/data_source.hpp"
#include "data/manifest/manifest_lookup.hpp"
#include "engine/executor.hpp"
#include "evaluation/evaluate_set.hpp"
#include "metrics/token_scoring.hpp"
#include "metrics/topk.hpp"
#include "model/onnx_loader.hpp"

namespace flipguard::cli {
namespace {

// A language model's clean scores: perplexity and next-token accuracy over every scored position.
void print_lm_scores(const metrics::TokenCounts& t, const data::Manifest& spec,
                     const data::LoadedData& loaded) {
  const auto& set = loaded.images;
  std::printf("model      %s (%s), causal language model\n", spec.name.c_str(), spec.onnx_path().c_str());
  std::printf("data       %s, %zu sequences of %zu tokens, %lld positions scored, data hash %s\n",
              loaded.name.c_str(), set.size(), set.seq_len, static_cast<long long>(t.positions),
              campaign::data_content_hash(set).c_str());
  std::printf("perplexity %.4f (mean NLL %.6f nats per token)\n", t.perplexity(), t.mean_nll());
  const auto share = [&](std::int64_t k) {
    return t.positions ? 100.0 * static_cast<double>(k) / static_cast<double>(t.positions) : 0.0;
  };
  std::printf("top-1      %.2f %% of next tokens\n", share(t.top1));
  std::printf("top-5      %.2f %% of next tokens\n", share(t.top5));
  std::printf("non-finite %lld of %lld positions have a NaN or infinite logit\n",
              static_cast<long long>(t.non_finite), static_cast<long long>(t.positions));
  // The sidecar's reference is for its data whole, as for Top-1.
  if (const auto it = spec.reference_perplexity.find(loaded.name);
      it != spec.reference_perplexity.end() && loaded.complete)
    std::printf("reference  perplexity %.4f (PyTorch), difference %+.2e relative\n", it->second,
                t.perplexity() / it->second - 1);
}

int eval(const Arguments& args) {
  // The sidecar's claims checked, the graph read once, the batch the model's own if it fixes one.
  auto resolved = campaign::resolve_config(args.config, std::cerr);
  const auto& c = resolved.config;
  const auto& spec = resolved.model.spec;
  const int threads = c.threads;

  const auto t_load = std::chrono::steady_clock::now();
  const auto loaded = data::load_data(resolved.data, spec);
  const auto& images = loaded.images;
  for (const auto& n : loaded.notes) std::cerr << "note: " << n << "\n";
  for (const auto& s : images.skipped) std::cerr << "warning: image skipped: " << s.reason << "\n";
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_load).count();

  engine::ExecutorOptions eo;
  eo.batch = c.batch;
  eo.threads = threads;
  eo.fold_batchnorm = !args.has("--no-fold-bn");
  engine::Executor ex(std::move(resolved.model.graph), eo);
  const int batch = ex.batch();
  evaluation::check_images_fit(ex, images);
  if (args.has("--verbose")) std::cerr << ex.summary();

  std::vector<float> logits;
  Progress progress("eval " + spec.name, static_cast<long>(images.size()));
  const auto result =
      evaluation::evaluate_set(ex, images, logits, [&](size_t done, const metrics::TopKCounts& c) {
        char extra[64];
        if (images.is_tokens())
          extra[0] = '\0';
        else if (images.labelled)
          std::snprintf(extra, sizeof extra, "top-1 %.1f%%", c.top1_percent());
        else
          extra[0] = '\0';
        progress.update(static_cast<long>(done), extra);
      });
  const auto& counts = result.counts;
  const double run_s = result.seconds;

  if (images.is_tokens()) {
    print_lm_scores(result.tokens, spec, loaded);
    std::printf("speed      %.1f tokens/s (batch %d, %d threads); data loading %.1f s\n",
                static_cast<double>(images.size() * images.seq_len) / run_s, batch, threads, load_s);
    return 0;
  }
  std::printf("model      %s (%s)\n", spec.name.c_str(), spec.onnx_path().c_str());
  std::printf("data       %s, %lld images", loaded.name.c_str(), static_cast<long long>(counts.images));
  if (!images.skipped.empty()) std::printf(" (%zu unusable images skipped)", images.skipped.size());
  std::printf(", data hash %s\n", campaign::data_content_hash(images).c_str());
  if (!images.labelled) {
    std::printf("top-1      n/a (no labels)\n");
    std::printf("top-5      n/a (no labels)\n");
  } else {
    std::printf("top-1      %.2f %%\n", counts.top1_percent());
    std::printf("top-5      %.2f %%\n", counts.top5_percent());
  }
  // A clean model with NaN or Inf outputs is broken (or its inputs are): say so, as `run` does.
  std::printf("non-finite %lld of %lld images have a NaN or infinite output\n",
              static_cast<long long>(counts.non_finite), static_cast<long long>(counts.images));
  // The sidecar's reference is for its dataset whole: a subset, skipped images or other data would be
  // compared with a number measured on different images.
  if (const auto it = spec.reference_top1.find(loaded.name);
      it != spec.reference_top1.end() && loaded.builtin && loaded.complete && images.skipped.empty())
    std::printf("reference  %.2f %% top-1 (independent implementation), difference %+.2f points\n",
                it->second, counts.top1_percent() - it->second);
  std::printf("speed      %.1f images/s (batch %d, %d threads); data loading %.1f s\n",
              static_cast<double>(counts.images) / run_s, batch, threads, load_s);
  return 0;
}

const RegisterCommand reg{{.name = "eval",
                           .summary = "clean Top-1/Top-5 and speed of a model on a dataset",
                           .settings = campaign::kForEval,
                           .options = {{"--no-fold-bn", "",
                                        "keep BatchNormalization layers (default: folded "
                                        "into the convolutions, as a device stores them)"},
                                       {"--verbose", "", "print the layers, fusions and memory plan"}},
                           .run = eval}};

}  // namespace
}  // namespace flipguard::cli
