// flipguard layer-campaign: the per-layer vulnerability study. Faults one target of the fault site at a time
// (a stored tensor, a value nodes write) over the campaign grid, running the clean layers before it once per
// batch; prints Top-1 and SDC-1 per layer x BER.
#include <unistd.h>

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
      "layer campaign %s (site %s): %zu layers (%d run, %d already done), %lld trials run, %lld already in "
      "%s, %.1f s\n",
      summary.campaign_id.c_str(), summary.site.c_str(), summary.layers.size(), summary.layers_run,
      summary.layers_skipped, static_cast<long long>(summary.trials_run),
      static_cast<long long>(summary.trials_skipped), summary.results_path.c_str(), summary.seconds);
  const auto records = report::read_results(summary.results_path).records;
  const auto rep = report::build_layer_report(records);
  for (const auto& [format, protection] : rep.configurations) {
    if (!rep.labelled && !rep.language_model)  // no Top-1 without labels: never a table of fake 0 %
      std::printf("\n%s, %s: Top-1 n/a (no labels)\n", format.c_str(), protection.c_str());
    for (const auto& [heading, metric] : report::layer_metrics(rep))
      std::printf("\n%s, %s: %s, mean [95%% interval] (trials)\n%s", format.c_str(), protection.c_str(),
                  heading.c_str(),
                  report::to_markdown(report::layer_table(rep, format, protection, metric)).c_str());
  }
  const auto out = report::write_report(summary.results_path);
  for (const auto& w : out.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  std::printf("report: %s\n", out.dir.c_str());
  return 0;
}

const RegisterCommand reg{
    {.name = "layer-campaign",
     .summary = "campaign faulting one stored tensor or written value at a time (per-layer vulnerability)",
     .settings = campaign::kForLayerCampaign,
     .config_file = true,
     .notes =
         "The settings of `flipguard campaign`, but each target of the site selected by --tensors is faulted "
         "on its own: a stored tensor (--site weights) or a value nodes write (--site activations, with "
         "any of its fault models, e.g. `single`: one flip per image inside that value). Its records carry "
         "tensors = its name (a value's also its node, op and elements per image) and equal those of "
         "`flipguard campaign --tensors <that target>`. The layers before the faulted one run once per "
         "batch, not once per trial. A stopped run resumes with the first incomplete layer. scale@logits is "
         "not supported here.",
     .run = run}};

}  // namespace
}  // namespace flipguard::cli
