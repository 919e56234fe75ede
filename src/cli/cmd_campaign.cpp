// flipguard campaign: the main job. Faults a model's stored weights over a grid of formats x protections x
// BERs, several trials per cell, and appends one record per trial to a results file (resumable).
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>

#include "campaign/planning/cell_design.hpp"
#include "campaign/planning/cell_summary.hpp"
#include "campaign/records/results_file.hpp"
#include "campaign/running/campaign_runner.hpp"
#include "campaign/running/campaign_setup.hpp"
#include "campaign/settings/settings.hpp"
#include "cli/campaign_table.hpp"
#include "cli/command.hpp"
#include "cli/progress.hpp"
#include "metrics/metric_registry.hpp"
#ifdef FLIPGUARD_HAVE_MPI
#include "cluster/mpi_campaign.hpp"
#endif
#include "report/report_writer.hpp"
#include "report/results_reader.hpp"
#include "report/text_format.hpp"

namespace flipguard::cli {
namespace {

std::string clock_text(double s) {
  char buf[32];
  const long t = static_cast<long>(s + 0.5);
  std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  return buf;
}

// A cell's mean with its interval, "n/a" when the cell did not measure it (no labels for Top-1, records
// before SDC, a metric against the fault-free model in the clean cell): never a fake 0.
std::string interval_text(const campaign::MeanEstimate& m, bool known) {
  char text[64];
  if (!known)
    std::snprintf(text, sizeof text, "%s", "n/a");
  else if (std::isfinite(m.lo) && std::isfinite(m.hi))
    std::snprintf(text, sizeof text, "%6.2f [%6.2f, %6.2f]", m.mean, m.lo, m.hi);
  else
    std::snprintf(text, sizeof text, "%6.2f", m.mean);
  return std::string(text);
}

// A language model's cells: median perplexity with its order-statistic interval, the share of trials past
// 2x the fault-free perplexity, next-token Top-1 and token SDC with their intervals.
void print_lm_cells(const std::vector<campaign::TrialRecord>& records) {
  std::printf("%-8s %-22s %9s %7s %30s %22s %22s %22s %9s\n", "format", "protection", "BER", "trials",
              "perplexity median [95%]", "ppl>2x % [95%]", "token top-1 % [95%]", "token SDC % [95%]",
              "flips");
  for (const auto& cell : campaign::group_cells(records)) {
    const auto s = campaign::summarize(cell.records);
    const auto* q = s.median(metrics::Metric::perplexity);
    std::string ppl = q ? report::format_amount(q->estimate) : "n/a";
    if (q && s.trials > 1)
      ppl += " [" + report::format_amount(q->lo) + ", " + report::format_amount(q->hi) + "]";
    const bool faulty = s.ber > 0;
    std::printf("%-8s %-22s %9.2g %7lld %30s %22s %22s %22s %9.0f%s\n", s.format.c_str(),
                s.protection.c_str(), s.ber, static_cast<long long>(s.trials), ppl.c_str(),
                interval_text(s.estimate(metrics::Metric::ppl_2x), faulty).c_str(),
                interval_text(s.estimate(metrics::Metric::token_top1), true).c_str(),
                interval_text(s.estimate(metrics::Metric::token_sdc), faulty).c_str(), s.flips_mean,
                s.ber > 0 && s.stopped != "fixed" ? ("  " + s.stopped).c_str() : "");
  }
}

}  // namespace

void print_cells(const std::vector<campaign::TrialRecord>& records) {
  if (!records.empty() && records.front().language_model()) return print_lm_cells(records);
  std::printf("%-8s %-22s %9s %8s %24s %24s %7s %9s\n", "format", "protection", "BER", "trials",
              "top-1 % [95% interval]", "SDC-1 % [95% interval]", "NaN %", "flips");
  std::int64_t reached = 0, spent = 0, adaptive = 0;
  for (const auto& cell : campaign::group_cells(records)) {
    const auto s = campaign::summarize(cell.records);
    std::string note;  // why the cell stopped (adaptive trials) and early-stopped trials
    if (s.ber > 0 && s.stopped != "fixed") {
      ++adaptive;
      reached += s.stopped == "target reached" ? 1 : 0;
      spent += s.stopped == "max reached" ? 1 : 0;
      note +=
          "  " + (s.stopped == "max reached" ? std::string("target NOT reached (budget spent)") : s.stopped);
    }
    if (s.early_stopped > 0) note += "  " + std::to_string(s.early_stopped) + " stopped below floor";
    if (s.reused > 0) note += "  " + std::to_string(s.reused) + " reused";
    if (s.started_late > 0) note += "  " + std::to_string(s.started_late) + " started late";
    std::printf("%-8s %-22s %9.2g %8lld %24s %24s %7.1f %9.0f%s\n", s.format.c_str(), s.protection.c_str(),
                s.ber, static_cast<long long>(s.trials), interval_text(s.top1, s.labelled).c_str(),
                interval_text(s.sdc1, s.has_sdc).c_str(), 100 * s.non_finite_share, s.flips_mean,
                note.c_str());
  }
  if (adaptive > 0) {
    std::printf("%lld of %lld faulty cell%s reached %s interval target", static_cast<long long>(reached),
                static_cast<long long>(adaptive), adaptive == 1 ? "" : "s", adaptive == 1 ? "its" : "their");
    if (spent > 0)
      std::printf(
          "; %lld spent %s budget first: %s as wide as shown (a larger max_trials narrows %s; cells "
          "whose trials split between collapse and survival cost most)",
          static_cast<long long>(spent), spent == 1 ? "its" : "their",
          spent == 1 ? "its interval is" : "their intervals are", spent == 1 ? "it" : "them");
    if (const std::int64_t other = adaptive - reached - spent; other > 0)
      std::printf("; %lld stopped otherwise (see the last column)", static_cast<long long>(other));
    std::printf(".\n");
  }
}

namespace {

// Started by mpirun/srun with several ranks? (Open MPI sets OMPI_COMM_WORLD_SIZE, PMI launchers PMI_SIZE.)
bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
    if (const char* v = std::getenv(name); v && std::atoi(v) > 1) return true;
  return false;
}

// The work promised up front: what each cell runs until, and the most it may cost, in images scored and,
// roughly, in time at the speed of the first trial (a clean pass over the images; a batch above a trial's
// images, fault injection and a last wave's overshoot cost more). The whole grid's cells, shards or not.
void print_budget(const campaign::CampaignConfig& c, double images_per_second) {
  std::int64_t faulty = 0;
  for (const auto& cell : campaign::grid_cells(c)) faulty += cell.ber > 0 ? 1 : 0;
  if (faulty == 0) return;
  if (c.ci_target > 0) {
    const bool design = c.images_per_trial == campaign::kAutoImagesPerTrial;
    const std::int64_t per_cell =
        static_cast<std::int64_t>(c.max_trials) * (design ? campaign::kDesignPilotImages : 1);
    std::string bound;
    if (design && std::isfinite(images_per_second) && images_per_second > 0)
      bound = ", at most about " + clock_text(static_cast<double>(faulty * per_cell) / images_per_second) +
              " at " + std::to_string(static_cast<long long>(images_per_second)) + " images/s";
    std::fprintf(stderr,
                 "note: %lld faulty cell%s, each until its 95%% interval is within +-%g points or its "
                 "budget of %lld %s is spent (%s%s); the progress line shows the ETA\n",
                 static_cast<long long>(faulty), faulty == 1 ? "" : "s", c.ci_target,
                 static_cast<long long>(per_cell), design ? "images scored" : "trials",
                 design ? "the cell design: many cheap trials" : "plain trials", bound.c_str());
  } else {
    std::fprintf(stderr, "note: %lld faulty cell%s x %d fixed trials\n", static_cast<long long>(faulty),
                 faulty == 1 ? "" : "s", c.trials);
  }
}

int run(const Arguments& args) {
  const auto& config = args.config;
  bool announced = false;  // the budget is said once the campaign has set up (errors come alone before)
  const bool use_mpi = launched_by_mpi() || args.has("--mpi");
  const bool tty = isatty(2) != 0;
  std::unique_ptr<Progress> bar;
  const auto on_progress = [&](const campaign::CampaignProgress& p) {
    if (!announced) print_budget(config, p.images_per_second);
    announced = true;
    // Adaptive campaigns show their likely size ("~") and the most they may run.
    const bool guessed = p.trials_expected != p.trials_total;
    char total[64];
    std::snprintf(total, sizeof total, guessed ? "~%lld (at most %lld)" : "%lld",
                  static_cast<long long>(p.trials_expected), static_cast<long long>(p.trials_total));
    // Data without labels has no Top-1: its trials show SDC-1 alone.
    const bool labelled = !p.last || p.last->labelled;
    char score[64];
    if (p.last && p.last->language_model())
      std::snprintf(score, sizeof score, "perplexity %s, token top-1 %.2f%%",
                    report::format_amount(p.last->counts().perplexity).c_str(),
                    metrics::metric_value(metrics::Metric::token_top1.info(), p.last->counts()));
    else if (labelled)
      std::snprintf(score, sizeof score, "top-1 %.2f%%, SDC-1 %.2f%%", p.last ? p.last->top1_percent() : 0.0,
                    p.last ? p.last->sdc1_percent() : 0.0);
    else
      std::snprintf(score, sizeof score, "SDC-1 %.2f%%", p.last->sdc1_percent());
    char extra[256];
    std::snprintf(extra, sizeof extra, "%s %s | %.0f img/s | ETA %s%s", p.cell.c_str(), score,
                  p.images_per_second, guessed ? "~" : "", clock_text(p.eta_seconds).c_str());
    if (tty) {
      if (!bar) bar = std::make_unique<Progress>("campaign", static_cast<long>(p.trials_expected));
      bar->set_total(static_cast<long>(p.trials_expected));
      bar->update(static_cast<long>(p.trials_done), extra);
    } else if (p.last) {
      std::fprintf(stderr, "trial %lld/%s: %s trial %lld: %s, %lld flips, %.0f img/s, ETA %s%s\n",
                   static_cast<long long>(p.trials_done), total, p.cell.c_str(),
                   static_cast<long long>(p.last->trial), score, static_cast<long long>(p.last->flips),
                   p.images_per_second, guessed ? "~" : "", clock_text(p.eta_seconds).c_str());
    }
  };
  campaign::CampaignSummary summary;
  if (use_mpi) {
#ifdef FLIPGUARD_HAVE_MPI
    const auto on_rank0 = cluster::run_mpi_campaign(config, on_progress, std::cerr);
    if (!on_rank0) return 0;  // a worker rank: rank 0 reports
    summary = *on_rank0;
#else
    throw std::runtime_error(
        "campaign: MPI requested (--mpi or started by mpirun) but this flipguard was built without MPI: "
        "install libopenmpi-dev (scripts/setup does) and rebuild, or run without mpirun");
#endif
  } else {
    summary = campaign::run_campaign(config, on_progress, std::cerr);
  }
  bar.reset();
  std::printf("campaign %s: %lld trials run, %lld already in %s, %.1f s\n", summary.campaign_id.c_str(),
              static_cast<long long>(summary.trials_run), static_cast<long long>(summary.trials_skipped),
              summary.results_path.c_str(), summary.seconds);
  print_cells(report::read_results(summary.results_path).records);
  const auto report = report::write_report(summary.results_path);
  for (const auto& w : report.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  std::printf("report: %s (open %s in a browser)\n", report.dir.c_str(),
              (report.dir / "report.html").c_str());
  return 0;
}

const std::string kDefaultTarget = std::to_string(static_cast<int>(campaign::kDefaultCiTarget));
const std::string kDefaultBudget = std::to_string(campaign::kDefaultMaxTrials * campaign::kDesignPilotImages);

const RegisterCommand reg{
    {.name = "campaign",
     .summary = "fault-injection campaign over formats x protections x BERs (the main job)",
     .settings = campaign::kForCampaign,
     .config_file = true,
     .options =
         {{"--mpi", "",
           "run over MPI (implied when started by mpirun): rank 0 keeps the results file, the other ranks "
           "run trials, --threads each (keep ranks x threads <= cores)"}},
     .notes =
         "With no arguments: ResNet-20 on the 200 lossless CIFAR-10 images, q2.5 and fp16, none vs scale, "
         "BER 1e-5, 1e-4, 1e-3, each faulty cell on the cell design until its 95% interval is within +-" +
         kDefaultTarget + " points or its budget of " + kDefaultBudget +
         " inferences is spent (about 25 s on 2 cores), results in results/campaign.jsonl, a report "
         "beside it. --trials N alone runs N fixed trials per cell instead.\n"
         "A campaign stopped at any point resumes when run again with the same settings and results file.",
     .run = run}};

}  // namespace
}  // namespace flipguard::cli
