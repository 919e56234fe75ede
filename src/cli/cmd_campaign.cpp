// flipguard campaign: the main job. Faults a model's stored weights over a grid of formats x protections x
// BERs, several trials per cell, and appends one record per trial to a results file (resumable).
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>

#include "campaign/campaign_runner.hpp"
#include "campaign/results_file.hpp"
#include "campaign/statistics.hpp"
#include "cli/campaign_options.hpp"
#include "cli/campaign_table.hpp"
#include "cli/command.hpp"
#include "cli/options.hpp"
#include "cli/progress.hpp"
#ifdef FLIPGUARD_HAVE_MPI
#include "cluster/mpi_campaign.hpp"
#endif
#include "report/report_writer.hpp"
#include "report/results_reader.hpp"

namespace flipguard::cli {
namespace {

const char* const kUsage =
    "usage: flipguard campaign [--config FILE.toml] [--model M] [--data D] [--formats F,...]\n"
    "                          [--protections P,...] [--bers B,...] [--fault ber|stuck0|stuck1] [--trials "
    "N]\n"
    "                          [--seed S] [--tensors all|REGEX] [--images N] [--images-per-trial M]\n"
    "                          [--batch B] [--threads T]\n"
    "                          [--results FILE.jsonl] [--models-dir DIR] [--assets DIR]\n"
    "                          [--ci-target POINTS] [--min-trials N] [--max-trials N] [--wave N]\n"
    "                          [--interval betting|t]\n"
    "                          [--floor TOP1%] [--shard I/N] [--mpi]\n"
    "With no arguments: ResNet-20 on the 200 lossless CIFAR-10 images, q2.5 and fp16, none vs scale,\n"
    "BER 1e-5, 1e-4, 1e-3, 10 trials per cell, results in results/campaign.jsonl.\n"
    "Options override the config file. Formats: fp32 fp16 bf16 qM.N int8 int8-channel. Protections: none,\n"
    "scale[=T], scale-channel[=T], ecc72|ecc39|ecc13[:zero|:keep], clip, clip-channel, nanguard, joined by "
    "'+'.\n"
    "--images-per-trial M: each trial scores a fresh random sample of M of the images (same sample for\n"
    "  every format and protection of a trial); many small trials give tighter intervals per inference.\n"
    "--bad-images skip leaves unusable images (unreadable, not an image, wrong size) out, counted in the\n"
    "records and the data hash; the default 'fail' stops naming the first one.\n"
    "A campaign stopped at any point resumes when run again with the same settings and results file.\n"
    "--ci-target P: adaptive trials, each cell runs waves of --wave trials (default 4) until the 95% CI of\n"
    "  its Top-1 is within +-P points (after --min-trials, default 4) or --max-trials (default 100) ran.\n"
    "--interval: betting (default; valid under adaptive stopping for any accuracy distribution) or t\n"
    "  (Student t, approximate: too narrow on skewed or all-or-nothing cells). See docs/statistics.md.\n"
    "--floor F: a faulty trial stops once its Top-1 is below F % at 99.9% confidence (Clopper-Pearson).\n"
    "--shard I/N: run only shard I (0 <= I < N) of the cells, whole cells balanced by trials; join the\n"
    "  shards' results files with flipguard merge.\n"
    "--mpi, or started by mpirun: rank 0 keeps the results file, the other ranks run trials (--threads\n"
    "  each: keep ranks x threads <= cores).\n";

double get_double(const Options& opt, const std::string& flag, double fallback, double min, double max) {
  const std::string text = opt.get(flag);
  if (text.empty()) return fallback;
  size_t used = 0;
  double v = NAN;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || !(v >= min && v <= max))
    throw UsageError(flag + " expects a number in [" + std::to_string(min) + ", " + std::to_string(max) +
                     "], got '" + text + "'");
  return v;
}

campaign::CampaignConfig parse_config(const std::vector<std::string>& args) {
  auto flags = grid_flags();
  flags.insert({"--images-per-trial", "--ci-target", "--min-trials", "--max-trials", "--wave", "--floor",
                "--shard", "--interval"});
  Options opt(args, flags, {"--help", "--mpi"});
  if (opt.flag("--help")) throw UsageError("");
  campaign::CampaignConfig c;
  apply_grid_options(opt, c);
  c.images_per_trial = opt.get_int("--images-per-trial", c.images_per_trial, 0, 1L << 30);
  c.ci_target = get_double(opt, "--ci-target", c.ci_target, 0, 100);
  c.min_trials = static_cast<int>(opt.get_int("--min-trials", c.min_trials, 2, 1000000));
  c.max_trials = static_cast<int>(opt.get_int("--max-trials", c.max_trials, 2, 1000000));
  c.wave = static_cast<int>(opt.get_int("--wave", c.wave, 1, 100000));
  c.floor = get_double(opt, "--floor", c.floor, 0, 100);
  if (const auto interval = opt.get("--interval"); !interval.empty()) {
    if (interval != "betting" && interval != "t")
      throw UsageError("--interval expects betting or t, got '" + interval + "'");
    c.interval = interval;
  }
  if (const auto shard = opt.get("--shard"); !shard.empty()) {
    const auto bad = UsageError("--shard expects I/N with 0 <= I < N, got '" + shard + "'");
    const auto slash = shard.find('/');
    if (slash == std::string::npos) throw bad;
    int i = -1, n = 0;
    size_t used_i = 0, used_n = 0;
    try {
      i = std::stoi(shard.substr(0, slash), &used_i);
      n = std::stoi(shard.substr(slash + 1), &used_n);
    } catch (const std::exception&) {
      throw bad;
    }
    if (used_i != slash || used_n != shard.size() - slash - 1 || n < 1 || i < 0 || i >= n) throw bad;
    c.shard = i;
    c.shards = n;
  }
  return c;
}

std::string clock_text(double s) {
  char buf[32];
  const long t = static_cast<long>(s + 0.5);
  std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  return buf;
}

}  // namespace

void print_cells(const std::vector<campaign::TrialRecord>& records) {
  std::printf("%-8s %-22s %9s %8s %24s %7s %9s\n", "format", "protection", "BER", "trials",
              "top-1 % [95% interval]", "NaN %", "flips");
  for (const auto& cell : campaign::group_cells(records)) {
    const auto s = campaign::summarize(cell.records);
    char ci[64];
    if (std::isfinite(s.top1.lo) && std::isfinite(s.top1.hi))
      std::snprintf(ci, sizeof ci, "%6.2f [%6.2f, %6.2f]", s.top1.mean, s.top1.lo, s.top1.hi);
    else
      std::snprintf(ci, sizeof ci, "%6.2f", s.top1.mean);
    std::string note;  // why the cell stopped (adaptive trials) and early-stopped trials
    if (s.ber > 0 && s.stopped != "fixed") note += "  " + s.stopped;
    if (s.early_stopped > 0) note += "  " + std::to_string(s.early_stopped) + " stopped below floor";
    std::printf("%-8s %-22s %9.2g %8lld %24s %7.1f %9.0f%s\n", s.format.c_str(), s.protection.c_str(), s.ber,
                static_cast<long long>(s.trials), ci, 100 * s.non_finite_share, s.flips_mean, note.c_str());
  }
}

namespace {

// Started by mpirun/srun with several ranks? (Open MPI sets OMPI_COMM_WORLD_SIZE, PMI launchers PMI_SIZE.)
bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
    if (const char* v = std::getenv(name); v && std::atoi(v) > 1) return true;
  return false;
}

int run(const std::vector<std::string>& args) {
  const auto config = parse_config(args);
  const bool use_mpi = launched_by_mpi() || std::find(args.begin(), args.end(), "--mpi") != args.end();
  const bool tty = isatty(2) != 0;
  std::unique_ptr<Progress> bar;
  const auto on_progress = [&](const campaign::CampaignProgress& p) {
    // Adaptive campaigns show their likely size ("~") and the most they may run.
    const bool guessed = p.trials_expected != p.trials_total;
    char total[64];
    std::snprintf(total, sizeof total, guessed ? "~%lld (at most %lld)" : "%lld",
                  static_cast<long long>(p.trials_expected), static_cast<long long>(p.trials_total));
    char extra[256];
    std::snprintf(extra, sizeof extra, "%s top-1 %.1f%% | %.0f img/s | ETA %s%s", p.cell.c_str(),
                  p.last ? p.last->top1_percent() : 0.0, p.images_per_second, guessed ? "~" : "",
                  clock_text(p.eta_seconds).c_str());
    if (tty) {
      if (!bar) bar = std::make_unique<Progress>("campaign", static_cast<long>(p.trials_expected));
      bar->set_total(static_cast<long>(p.trials_expected));
      bar->update(static_cast<long>(p.trials_done), extra);
    } else if (p.last) {
      std::fprintf(stderr, "trial %lld/%s: %s trial %lld: top-1 %.2f%%, %lld flips, %.0f img/s, ETA %s%s\n",
                   static_cast<long long>(p.trials_done), total, p.cell.c_str(),
                   static_cast<long long>(p.last->trial), p.last->top1_percent(),
                   static_cast<long long>(p.last->flips), p.images_per_second, guessed ? "~" : "",
                   clock_text(p.eta_seconds).c_str());
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

const RegisterCommand reg{"campaign",
                          "fault-injection campaign over formats x protections x BERs (the main job)",
                          [](const auto& args) {
                            try {
                              return run(args);
                            } catch (const UsageError& e) {
                              if (*e.what()) std::cerr << "flipguard campaign: " << e.what() << "\n";
                              std::cerr << kUsage;
                              return *e.what() ? 2 : 0;
                            }
                          }};

}  // namespace
}  // namespace flipguard::cli
