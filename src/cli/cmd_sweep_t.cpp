// flipguard sweep-t: accuracy vs the weight-scaling target t for one format at one BER, by Monte-Carlo. The
// paper prescribes t per data type only; this shows why the default sits where it does (the largest value for
// fixed point; just below 2 for floats, where larger t lets lower exponent-bit flips grow values again).
#include <cstdio>
#include <iostream>
#include <map>

#include "campaign/planning/cell_summary.hpp"
#include "campaign/records/results_file.hpp"
#include "campaign/running/campaign_runner.hpp"
#include "campaign/settings/settings.hpp"
#include "cli/command.hpp"
#include "cli/progress.hpp"
#include "memory/format.hpp"
#include "protect/weight_scaling.hpp"
#include "report/results_reader.hpp"

namespace flipguard::cli {
namespace {

std::vector<double> default_grid(const memory::Format& f) {
  const double t0 = protect::default_scale_target(f);
  if (f.name().starts_with("fp") || f.name() == "bf16") return {0.25, 0.5, 1.0, 1.5, t0, 4.0, 16.0, 256.0};
  return {t0 / 16, t0 / 8, t0 / 4, t0 / 2, 3 * t0 / 4, t0};
}

int run(const Arguments& args) {
  campaign::CampaignConfig c = args.config;
  const memory::Format format = memory::Format::parse(c.formats.at(0));
  if (!args.given.count("--t")) {  // the grid of the format, through the --t setting like a given one
    std::vector<std::string> ts;
    for (double t : default_grid(format)) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", t);
      ts.push_back(buf);
    }
    campaign::find_setting_by_flag("--t", campaign::kForSweepT)->assign(c, ts);
  }
  if (!args.given.count("--results")) c.results = "results/sweep-t-" + format.name() + ".jsonl";

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
    if (!s.labelled)  // data without labels has no Top-1: never a fake 0 %
      std::printf("%-26s %14s %18s\n", cell.protection.c_str(), "n/a", "n/a (no labels)");
    else
      std::printf("%-26s %14.2f %10.2f +- %5.2f\n", cell.protection.c_str(), clean[cell.protection],
                  s.top1.mean, s.trials > 1 ? s.top1.ci95 : 0.0);
  }
  return 0;
}

const RegisterCommand reg{
    {.name = "sweep-t",
     .summary = "accuracy vs the weight-scaling target t, by Monte-Carlo",
     .settings = campaign::kForSweepT,
     .notes = "Default: ResNet-20 on the lossless CIFAR-10 images, q2.5, BER 1e-3, 10 trials per t.",
     .run = run}};

}  // namespace
}  // namespace flipguard::cli
