// flipguard sweep-t: accuracy vs the weight-scaling target t for one format at one BER, by Monte-Carlo. The
// paper prescribes t per data type only; this shows why the default sits where it does (the largest value for
// fixed point; just below 2 for floats, where larger t lets lower exponent-bit flips grow values again).
#include <cstdio>
#include <iostream>
#include <map>

#include "campaign/campaign_runner.hpp"
#include "campaign/results_file.hpp"
#include "campaign/statistics.hpp"
#include "cli/command.hpp"
#include "cli/options.hpp"
#include "cli/progress.hpp"
#include "memory/format.hpp"
#include "protect/weight_scaling.hpp"
#include "report/results_reader.hpp"

namespace flipguard::cli {
namespace {

const char* const kUsage =
    "usage: flipguard sweep-t [--model M] [--data D] [--format F] [--ber B] [--t T,...] [--trials N]\n"
    "                         [--images N] [--seed S] [--results FILE.jsonl] [--batch B] [--threads T]\n"
    "Default: ResNet-20 on the lossless CIFAR-10 images, q2.5, BER 1e-3, 10 trials; t from 1/16 of the "
    "format's\n"
    "default up to it for fixed point, and 0.25 ... 256 around the float default (just below 2).\n";

std::vector<double> default_grid(const memory::Format& f) {
  const double t0 = protect::default_scale_target(f);
  if (f.name().starts_with("fp") || f.name() == "bf16") return {0.25, 0.5, 1.0, 1.5, t0, 4.0, 16.0, 256.0};
  return {t0 / 16, t0 / 8, t0 / 4, t0 / 2, 3 * t0 / 4, t0};
}

int run(const std::vector<std::string>& args) {
  Options opt(args,
              {"--model", "--data", "--format", "--ber", "--t", "--trials", "--images", "--seed", "--results",
               "--batch", "--threads", "--models-dir", "--assets"},
              {"--help"});
  if (opt.flag("--help")) {
    std::cout << kUsage;
    return 0;
  }
  campaign::CampaignConfig c;
  c.model = opt.get("--model", c.model);
  c.data = opt.get("--data");
  const memory::Format format = memory::Format::parse(opt.get("--format", "q2.5"));
  c.formats = {format.name()};
  c.bers = campaign::parse_rates(opt.get("--ber", "1e-3"), "--ber");
  if (c.bers.size() != 1 || c.bers[0] <= 0) throw UsageError("--ber takes one rate in (0, 1]");
  std::vector<double> ts = opt.get("--t").empty() ? default_grid(format) : std::vector<double>{};
  for (const auto& item : campaign::split_list(opt.get("--t"))) {
    size_t used = 0;
    double v = 0;
    try {
      v = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || !(v > 0)) throw UsageError("--t: '" + item + "' is not a positive number");
    ts.push_back(v);
  }
  c.protections = {"none"};
  for (double t : ts) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "scale=%.9g", t);
    c.protections.push_back(buf);
  }
  c.trials = static_cast<int>(opt.get_int("--trials", 10, 1, 1000000));
  c.images = opt.get_int("--images", 0, 0, 1L << 30);
  c.seed = static_cast<std::uint64_t>(opt.get_int("--seed", 1, 0, 1L << 62));
  c.batch = static_cast<int>(opt.get_int("--batch", 16, 1, 4096));
  c.threads = static_cast<int>(opt.get_int("--threads", 2, 1, 1024));
  c.models_dir = opt.get("--models-dir");
  c.assets_dir = opt.get("--assets");
  c.results = opt.get("--results", "results/sweep-t-" + format.name() + ".jsonl");

  std::unique_ptr<Progress> bar;
  const auto summary = campaign::run_campaign(
      c,
      [&](const campaign::CampaignProgress& p) {
        if (!bar) bar = std::make_unique<Progress>("sweep-t", static_cast<long>(p.trials_total));
        bar->update(static_cast<long>(p.trials_done), p.cell);
      },
      std::cerr);
  bar.reset();
  std::printf("%s at BER %g, %s: Top-1 vs the scaling target t (%lld trials run, results in %s)\n",
              format.name().c_str(), c.bers[0], c.model.c_str(), static_cast<long long>(summary.trials_run),
              summary.results_path.c_str());
  std::printf("%-26s %14s %18s\n", "protection", "clean top-1 %", "faulty top-1 % (95% CI)");
  std::map<std::string, double> clean;
  const auto records = report::read_results(summary.results_path).records;
  for (const auto& cell : campaign::group_cells(records))
    if (cell.ber == 0) clean[cell.protection] = campaign::summarize(cell.records).top1.mean;
  for (const auto& cell : campaign::group_cells(records)) {
    if (cell.ber != c.bers[0] || cell.format != format.name()) continue;
    const auto s = campaign::summarize(cell.records);
    std::printf("%-26s %14.2f %10.2f +- %5.2f\n", cell.protection.c_str(), clean[cell.protection],
                s.top1.mean, s.trials > 1 ? s.top1.ci95 : 0.0);
  }
  return 0;
}

const RegisterCommand reg{"sweep-t", "accuracy vs the weight-scaling target t, by Monte-Carlo",
                          [](const auto& args) {
                            try {
                              return run(args);
                            } catch (const UsageError& e) {
                              std::cerr << "flipguard sweep-t: " << e.what() << "\n" << kUsage;
                              return 2;
                            }
                          }};

}  // namespace
}  // namespace flipguard::cli
