#include "report/campaign_report.hpp"

#include <algorithm>
#include <functional>
#include <set>

#include "report/report_error.hpp"

namespace flipguard::report {

namespace {

// Distinct values in first-seen order, comma-separated (`skip_empty`: empty values left out).
template <class F>
std::string distinct(std::span<const campaign::TrialRecord> records, F field, bool skip_empty = false) {
  std::vector<std::string> seen;
  for (const auto& r : records) {
    std::string v = field(r);
    if ((!skip_empty || !v.empty()) && std::find(seen.begin(), seen.end(), v) == seen.end())
      seen.push_back(std::move(v));
  }
  std::string out;
  for (const auto& v : seen) out += (out.empty() ? "" : ", ") + v;
  return out;
}

}  // namespace

const campaign::CellSummary* CampaignReport::find(const std::string& format, const std::string& protection,
                                                  double ber) const {
  for (const auto& c : cells)
    if (c.format == format && c.protection == protection && c.ber == ber) return &c;
  return nullptr;
}

const std::vector<TrialOutcome>& CampaignReport::trials_of(const campaign::CellSummary* cell) const {
  static const std::vector<TrialOutcome> none;
  const std::less<const campaign::CellSummary*> before;  // total order, also for unrelated pointers
  if (!cell || before(cell, cells.data()) || !before(cell, cells.data() + cells.size())) return none;
  return outcomes.at(static_cast<std::size_t>(cell - cells.data()));
}

std::vector<double> CampaignReport::bers(const std::string& format) const {
  std::set<double> s;
  for (const auto& c : cells)
    if (c.format == format) s.insert(c.ber);
  return {s.begin(), s.end()};
}

CampaignReport build_report(std::span<const campaign::TrialRecord> records) {
  if (records.empty()) throw ReportError("no trial records to report");
  CampaignReport rep;
  const auto& first = records.front();
  rep.campaign = first.campaign;
  rep.model = distinct(records, [](const auto& r) { return r.model; });
  rep.model_sha256 = distinct(records, [](const auto& r) { return r.model_sha256; });
  rep.data = distinct(records, [](const auto& r) { return r.data; });
  rep.data_hash = distinct(records, [](const auto& r) { return r.data_hash; });
  rep.seeds = distinct(records, [](const auto& r) { return std::to_string(r.seed); });
  rep.tensors = distinct(records, [](const auto& r) { return r.tensors; });
  rep.site = distinct(records, [](const auto& r) { return r.site; });
  rep.calibration = distinct(
      records, [](const auto& r) { return r.calibration; }, true);
  rep.fault_kinds =
      distinct(records, [](const auto& r) { return r.fault_model.substr(0, r.fault_model.find(':')); });
  rep.second_site = distinct(
      records,
      [](const auto& r) {
        return r.second_site.empty() ? std::string()
                                     : r.second_site + " (" + r.second_tensors + ") " + r.second_format +
                                           " / " + r.second_protection;
      },
      true);
  if (!rep.second_site.empty()) {
    std::int64_t flips = 0, faulty = 0;
    for (const auto& r : records)
      if (r.ber > 0) flips += r.second_flips, ++faulty;
    rep.second_flips_mean = faulty ? static_cast<double>(flips) / static_cast<double>(faulty) : 0;
    rep.second_faults = distinct(
        records, [](const auto& r) { return r.second_fault_model.substr(0, r.second_fault_model.find(':')); },
        true);
  }
  rep.records = static_cast<std::int64_t>(records.size());
  rep.images_min = rep.images_max = first.images;
  rep.language_model = first.language_model();
  for (const auto& r : records) {
    if (r.language_model() != rep.language_model)
      throw ReportError("results mix a language model's records with a classifier's");
    rep.images_min = std::min(rep.images_min, r.images), rep.images_max = std::max(rep.images_max, r.images);
    if (r.ber == 0) rep.data_images = std::max(rep.data_images, r.images + r.images_skipped);
    rep.labelled = rep.labelled && r.labelled;
    rep.has_sdc = rep.has_sdc && r.has_sdc;
  }

  const auto cells = campaign::group_cells(records);
  rep.trials_min = rep.trials_max = static_cast<std::int64_t>(cells.front().records.size());
  for (const auto& cell : cells) {
    if (std::find(rep.formats.begin(), rep.formats.end(), cell.format) == rep.formats.end())
      rep.formats.push_back(cell.format);
    auto& prots = rep.protections[cell.format];
    if (std::find(prots.begin(), prots.end(), cell.protection) == prots.end())
      prots.push_back(cell.protection);
    rep.cells.push_back(campaign::summarize(cell.records));
    std::vector<TrialOutcome> trials;
    for (const auto& r : cell.records) {
      const int critical = r.ber == 0 ? 0 : r.critical_words > 0 ? (r.critical_faults > 0 ? 1 : 0) : -1;
      trials.push_back({r.trial, r.top1_percent(), r.top5_percent(), critical, r.counts().perplexity});
    }
    std::sort(trials.begin(), trials.end(), [](const auto& a, const auto& b) { return a.trial < b.trial; });
    rep.outcomes.push_back(std::move(trials));
    const auto n = static_cast<std::int64_t>(cell.records.size());
    rep.trials_min = std::min(rep.trials_min, n), rep.trials_max = std::max(rep.trials_max, n);
  }

  // Paired differences at each faulty BER against the format's first protection.
  for (const auto& format : rep.formats) {
    const auto& prots = rep.protections[format];
    if (prots.size() < 2 || !rep.labelled) continue;  // no Top-1 to pair without labels
    for (double ber : rep.bers(format)) {
      if (ber == 0) continue;
      const auto cell_of = [&](const std::string& p) -> const campaign::Cell* {
        for (const auto& c : cells)
          if (c.format == format && c.protection == p && c.ber == ber) return &c;
        return nullptr;
      };
      const campaign::Cell* base = cell_of(prots.front());
      if (!base) continue;
      const bool base_designed = campaign::is_design_cell(base->records);
      std::map<std::int64_t, double> base_top1;
      for (const auto& r : base->records) base_top1[r.trial] = r.top1_percent();
      for (std::size_t p = 1; p < prots.size(); ++p) {
        const campaign::Cell* other = cell_of(prots[p]);
        if (!other) continue;
        // Design cells (images_per_trial = auto) plan each protection from its own pilot, so their trials
        // do not pair: their difference comes from each cell's own sequence (union bound).
        const bool designed = campaign::is_design_cell(other->records);
        if (designed != base_designed) continue;  // one of each: no valid pairing, no difference
        if (designed) {
          rep.paired.push_back(
              {format, prots[p], prots.front(), ber,
               campaign::design_difference(other->records, base->records, campaign::Metric::top1), false});
          continue;
        }
        std::map<std::int64_t, double> by_trial;  // in trial order, as the intervals read them
        const campaign::TrialRecord* latest = &other->records.front();
        for (const auto& r : other->records) {
          if (auto it = base_top1.find(r.trial); it != base_top1.end())
            by_trial[r.trial] = r.top1_percent() - it->second;
          if (r.trial > latest->trial) latest = &r;
        }
        if (by_trial.empty()) continue;
        std::vector<double> d;
        for (const auto& [trial, v] : by_trial) d.push_back(v);
        rep.paired.push_back(
            {format, prots[p], prots.front(), ber, campaign::paired_estimate(d, latest->adaptive), true});
      }
    }
  }
  return rep;
}

}  // namespace flipguard::report
