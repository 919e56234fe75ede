// flipguard eval: clean accuracy and speed of a model on a dataset, as the baseline every fault campaign
// compares against.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "campaign/evaluate_set.hpp"
#include "cli/command.hpp"
#include "cli/options.hpp"
#include "cli/progress.hpp"
#include "data/batch_loader.hpp"
#include "data/dataset_registry.hpp"
#include "data/model_lookup.hpp"
#include "engine/executor.hpp"
#include "metrics/topk.hpp"
#include "model/onnx_loader.hpp"

namespace flipguard::cli {
namespace {

const char* const kUsage =
    "usage: flipguard eval [--model M] [--data D] [--limit N] [--batch B] [--threads T] [--assets DIR]\n"
    "                      [--models-dir DIR] [--bad-images fail|skip] [--no-fold-bn] [--verbose]\n"
    "  --model M     model name (models/M.json) or path to a sidecar .json (default resnet20)\n"
    "  --data D      dataset: imagenet-val1300, cifar10-jpeg, cifar10-lossless200, mnist-test (default: the "
    "model's)\n"
    "  --limit N     evaluate N images (class-stratified subset; default all)\n"
    "  --batch B     images per inference batch (default 16)\n"
    "  --threads T   inference threads (default 2)\n"
    "  --bad-images  fail (default): stop at an unusable image, naming it; skip: leave it out, counted\n";

int eval(const std::vector<std::string>& args) {
  Options opt(
      args,
      {"--model", "--data", "--limit", "--batch", "--threads", "--assets", "--models-dir", "--bad-images"},
      {"--no-fold-bn", "--verbose", "--help"});
  if (opt.flag("--help")) {
    std::cout << kUsage;
    return 0;
  }
  const auto spec = data::load_model_spec(
      data::resolve_model_sidecar(opt.get("--model", "resnet20"), opt.get("--models-dir")));
  const std::string dataset = opt.get("--data", spec.dataset);
  if (dataset.empty()) throw UsageError(spec.name + " declares no default dataset: give --data");
  const long limit = opt.get_int("--limit", 0, 0, 1L << 30);
  const int batch = static_cast<int>(opt.get_int("--batch", 16, 1, 4096));
  const int threads = static_cast<int>(opt.get_int("--threads", 2, 1, 256));

  const auto bad_images = data::parse_bad_images(opt.get("--bad-images", "fail"), "--bad-images");
  auto ds = data::open_dataset(dataset, data::resolve_assets_dir(opt.get("--assets")), bad_images);
  data::BatchLoader loader(std::shared_ptr<const data::Dataset>(std::move(ds)), spec,
                           static_cast<unsigned>(threads));
  const auto t_load = std::chrono::steady_clock::now();
  data::Subset subset;
  subset.limit = static_cast<std::size_t>(limit);
  const auto images = loader.preload(subset, bad_images);
  for (const auto& s : images.skipped) std::cerr << "warning: image skipped: " << s.reason << "\n";
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_load).count();

  engine::ExecutorOptions eo;
  eo.batch = batch;
  eo.threads = threads;
  eo.fold_batchnorm = !opt.flag("--no-fold-bn");
  engine::Executor ex(model::load_onnx(spec.onnx_path().string()), eo);
  if (ex.input_size() != static_cast<std::int64_t>(images.sample_floats()))
    throw std::runtime_error(spec.onnx_path().string() + ": the model takes " +
                             model::dims_to_string(ex.input_dims()) +
                             " but the sidecar's preprocessing gives " +
                             std::to_string(images.sample_floats()) + " floats per image");
  if (opt.flag("--verbose")) std::cerr << ex.summary();

  std::vector<float> logits;
  Progress progress("eval " + spec.name, static_cast<long>(images.size()));
  const auto result =
      campaign::evaluate_set(ex, images, logits, [&](size_t done, const metrics::TopKCounts& c) {
        char extra[64];
        std::snprintf(extra, sizeof extra, "top-1 %.1f%%", c.top1_percent());
        progress.update(static_cast<long>(done), extra);
      });
  const auto& counts = result.counts;
  const double run_s = result.seconds;

  std::printf("model      %s (%s)\n", spec.name.c_str(), spec.onnx_path().c_str());
  std::printf("data       %s, %lld images", dataset.c_str(), static_cast<long long>(counts.images));
  if (!images.skipped.empty()) std::printf(" (%zu unusable images skipped)", images.skipped.size());
  std::printf("\n");
  std::printf("top-1      %.2f %%\n", counts.top1_percent());
  std::printf("top-5      %.2f %%\n", counts.top5_percent());
  if (auto it = spec.reference_top1.find(dataset);
      it != spec.reference_top1.end() && limit == 0 && images.skipped.empty())
    std::printf("reference  %.2f %% top-1 (independent implementation), difference %+.2f points\n",
                it->second, counts.top1_percent() - it->second);
  std::printf("speed      %.1f images/s (batch %d, %d threads); data loading %.1f s\n",
              static_cast<double>(counts.images) / run_s, batch, threads, load_s);
  return 0;
}

const RegisterCommand reg{"eval", "clean Top-1/Top-5 and speed of a model on a dataset",
                          [](const auto& args) {
                            try {
                              return eval(args);
                            } catch (const UsageError& e) {
                              std::cerr << "flipguard eval: " << e.what() << "\n" << kUsage;
                              return 2;
                            }
                          }};

}  // namespace
}  // namespace flipguard::cli
