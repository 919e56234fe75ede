// flipguard layer-campaign: the per-layer vulnerability study. Faults one stored tensor at a time over the
// campaign grid, running the clean layers before it once per batch; prints Top-1 per layer x BER.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "campaign/running/layer_campaign.hpp"
#include "campaign/settings/campaign_config.hpp"
#include "campaign/settings/settings.hpp"
#include "cli/command.hpp"
#include "cli/progress.hpp"
#include "report/layer_report.hpp"
#include "report/report_writer.hpp"
#include "report/results_reader.hpp"

namespace flipguard::cli {
namespace {

int run(const Arguments& args) {
  const auto& config = args.config;
  const bool tty = isatty(2) != 0;
  std::unique_ptr<Progress> bar;
  const auto summary = campaign::run_layer_campaign(
      config,
      [&](const campaign::LayerCampaignProgress& p) {
        if (tty) {
          if (!bar) bar = std::make_unique<Progress>("layer campaign", static_cast<long>(p.trials_total));
          bar->update(static_cast<long>(p.trials_done), p.layer);
        } else {
          std::fprintf(stderr, "layer %d/%d: %s %s, %lld/%lld trials, %.1f s\n", p.layers_done,
                       p.layers_total, p.layer.c_str(), p.skipped ? "already done" : "done",
                       static_cast<long long>(p.trials_done), static_cast<long long>(p.trials_total),
                       p.seconds);
        }
      },
      std::cerr);
  bar.reset();
  std::printf(
      "layer campaign %s: %zu layers (%d run, %d already done), %lld trials run, %lld already in %s, "
      "%.1f s\n",
      summary.campaign_id.c_str(), summary.layers.size(), summary.layers_run, summary.layers_skipped,
      static_cast<long long>(summary.trials_run), static_cast<long long>(summary.trials_skipped),
      summary.results_path.c_str(), summary.seconds);
  const auto records = report::read_results(summary.results_path).records;
  const auto rep = report::build_layer_report(records);
  const bool labelled = std::all_of(records.begin(), records.end(), [](const auto& r) { return r.labelled; });
  for (const auto& [format, protection] : rep.configurations)
    if (labelled)
      std::printf("\n%s, %s: Top-1 %% mean +- 95%% CI (trials)\n%s", format.c_str(), protection.c_str(),
                  report::to_markdown(report::layer_table(rep, format, protection)).c_str());
    else  // data without labels has no Top-1: never a table of fake 0 %
      std::printf("\n%s, %s: Top-1 n/a (no labels)\n", format.c_str(), protection.c_str());
  const auto out = report::write_report(summary.results_path);
  for (const auto& w : out.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  std::printf("report: %s\n", out.dir.c_str());
  return 0;
}

const RegisterCommand reg{
    {.name = "layer-campaign",
     .summary = "campaign faulting one stored tensor at a time (per-layer vulnerability)",
     .settings = campaign::kForLayerCampaign,
     .config_file = true,
     .notes =
         "The settings of `flipguard campaign`, but each tensor selected by --tensors is faulted on its own: "
         "its records carry tensors = its name and equal those of `flipguard campaign --tensors <that "
         "tensor>`. The layers before the faulted one run once per batch, not once per trial. A stopped run "
         "resumes with the first incomplete layer. scale@logits is not supported here.",
     .run = run}};

}  // namespace
}  // namespace flipguard::cli
