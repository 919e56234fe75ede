#include "campaign/running/coordinator.hpp"

#include <stdexcept>

#include "campaign/running/campaign_results.hpp"
#include "campaign/running/trial_worker.hpp"
#include "platform/interrupt.hpp"

namespace flipguard::campaign {
Coordinator::Coordinator(const CampaignConfig& config, const CampaignSetup& setup,
                         std::function<void(const CampaignProgress&)> progress, std::ostream& log)
    : start_(std::chrono::steady_clock::now()),
      campaign_id_(setup.campaign_id),
      results_(open_campaign_results(config.results, setup.campaign_id, setup, false)),
      plan_(setup.cells, config.trials, config.stopping(), results_.records(),
            config.images_per_trial == kAutoImagesPerTrial ? config.batch : 0),
      progress_(std::move(progress)),
      log_(log) {
  if (!results_.repair_note().empty()) log_ << "warning: " << results_.repair_note() << "\n";
  summary_.campaign_id = setup.campaign_id;
  summary_.results_path = config.results;
  prog_.trials_skipped = prog_.trials_done = plan_.skipped();
  prog_.trials_total = plan_.upper_bound();
  prog_.trials_expected = plan_.expected_total();
  flush_messages();
}

void Coordinator::flush_messages() {
  for (const auto& m : plan_.take_messages()) log_ << m << "\n";
}

void Coordinator::accept(const WorkUnit& unit, const TrialRecord& r) {
  const PlanCell& cell = plan_.cell(unit.cell);
  if (r.campaign != campaign_id_ || r.format != cell.format || r.protection != cell.protection ||
      r.ber != cell.ber || r.trial != unit.trial)
    throw std::logic_error("campaign: a worker returned the record of " + r.record_key() + " for " +
                           cell.label() + " trial " + std::to_string(unit.trial));
  results_.append(r);
  const std::int64_t skipped_before = plan_.skipped();
  plan_.complete(unit, r.metric_percent(plan_.rule().metric), r.early_stopped);
  flush_messages();
  ++summary_.trials_run;
  const std::int64_t newly_skipped = plan_.skipped() - skipped_before;  // later waves already on file
  prog_.trials_skipped += newly_skipped;
  prog_.trials_done += 1 + newly_skipped;
  prog_.trials_total = plan_.upper_bound();
  prog_.trials_expected = plan_.expected_total();
  images_done_ += r.images;
  if (r.ber > 0) faulty_images_ += r.images, ++faulty_trials_;
  busy_seconds_ += r.seconds_inference + r.seconds_faults;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  // Wall-clock throughput, so several workers count together.
  prog_.images_per_second = static_cast<double>(images_done_) / std::max(elapsed, 1e-9);
  // Remaining trials are faulty ones and evaluate what faulty trials did so far on average (a per-trial
  // sample, or fewer images when stopped early below a floor), not necessarily the whole set.
  const double images_per_trial =
      faulty_trials_ ? static_cast<double>(faulty_images_) / static_cast<double>(faulty_trials_)
                     : static_cast<double>(r.images);
  prog_.eta_seconds =
      static_cast<double>(std::max<std::int64_t>(prog_.trials_expected - prog_.trials_done, 0)) *
      images_per_trial / std::max(prog_.images_per_second, 1e-9);
  prog_.cell = cell.label();
  prog_.last = &results_.records().back();
  progress_(prog_);
}

CampaignSummary Coordinator::summary() {
  summary_.trials_skipped = prog_.trials_skipped;
  summary_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return summary_;
}

CampaignSummary run_serial(const CampaignConfig& config, const CampaignSetup& setup,
                           const std::function<void(const CampaignProgress&)>& progress, std::ostream& log) {
  Coordinator coordinator(config, setup, progress, log);
  std::unique_ptr<TrialWorker> worker;  // built on the first unit: a finished campaign loads no model
  try {
    while (!coordinator.finished()) {
      platform::throw_if_interrupted();
      const auto unit = coordinator.next(worker ? worker->config() : std::nullopt);
      if (!unit) throw std::logic_error("campaign: the work plan stalled with nothing running");
      if (!worker) {
        worker = std::make_unique<TrialWorker>(config, setup);
        log << worker->memory_estimate().describe() << "\n";
      }
      coordinator.accept(*unit, worker->run(coordinator.plan().cell(unit->cell), unit->trial, unit->design));
    }
  } catch (const platform::Interrupted& e) {
    throw platform::Interrupted(e.signal, interrupted_note(e, coordinator.summary()));
  }
  return coordinator.summary();
}

std::string interrupted_note(const platform::Interrupted& e, const CampaignSummary& s) {
  return std::string(e.what()) + ": " + std::to_string(s.trials_run) + " trials of this run kept in " +
         s.results_path + " (" + std::to_string(s.trials_run + s.trials_skipped) +
         " in all, the trial that was running is dropped); run the same command again to resume";
}

}  // namespace flipguard::campaign
