#include "report/cell_csv.hpp"

#include <vector>

#include "metrics/metric_registry.hpp"
#include "report/text_format.hpp"

namespace flipguard::report {

namespace {

// A language model's metrics (the registry's, in its order): mean/lo/hi of each share, median/lo/hi of each
// median metric; n/a in a classifier's cells.
std::vector<metrics::Metric> lm_metrics() {
  std::vector<metrics::Metric> out;
  for (const metrics::Metric m : metrics::all_metrics())
    if (m->task == metrics::MetricTask::language_model &&
        (m->range == metrics::MetricRange::share || m->median))
      out.push_back(m);
  return out;
}

std::string lm_columns() {
  std::string out;
  for (const metrics::Metric m : lm_metrics()) {
    const std::string id(m.id());
    out += "," + id + (m->median ? "_median," : "_mean,") + id + "_lo," + id + "_hi";
  }
  return out;
}

}  // namespace

std::string cell_csv_header() {
  return "format,protection,ber,trials,images,top1_mean,top1_std,top1_ci95,top1_min,top1_max,top5_mean,top5_"
         "std,"
         "top5_ci95,non_finite_share,flips_mean,changed_weights_mean,memory_overhead,ecc_corrected_mean,"
         "ecc_detected_mean,stopped,early_stopped,p_no_critical,trials_no_critical,top1_no_critical,trials_"
         "critical,top1_critical,paired_baseline,paired_trials,paired_mean,paired_lo,paired_hi,interval,top1_"
         "lo,"
         "top1_hi,top5_lo,top5_hi,labelled,sdc1_mean,sdc1_lo,sdc1_hi,sdc5_mean,sdc5_lo,sdc5_hi,logit_max_abs,"
         "logit_rel_l2_"
         "mean,reused,started_late" +
         lm_columns();
}

std::string cell_csv_row(const campaign::CellSummary& c, const PairedDifference* paired) {
  // Without labels the accuracy fields read n/a, never a fake 0; so do SDC fields of records before them.
  const auto top = [&](double v) { return c.labelled ? format_general(v) : std::string("n/a"); };
  const auto sdc = [&](double v) { return c.has_sdc ? format_general(v) : std::string("n/a"); };
  const std::vector<std::string> fields{csv_field(c.format),
                                        csv_field(c.protection),
                                        format_general(c.ber),
                                        std::to_string(c.trials),
                                        std::to_string(c.images),
                                        top(c.top1.mean),
                                        top(c.top1.std),
                                        top(c.top1.ci95),
                                        top(c.top1_min),
                                        top(c.top1_max),
                                        top(c.top5.mean),
                                        top(c.top5.std),
                                        top(c.top5.ci95),
                                        format_general(c.non_finite_share),
                                        format_general(c.flips_mean),
                                        format_general(c.changed_weights_mean),
                                        format_general(c.memory_overhead),
                                        format_general(c.ecc_corrected_mean),
                                        format_general(c.ecc_detected_mean),
                                        csv_field(c.stopped),
                                        std::to_string(c.early_stopped),
                                        c.critical.known ? format_general(c.critical.p_none) : "",
                                        std::to_string(c.critical.trials_none),
                                        top(c.critical.top1_none),
                                        std::to_string(c.critical.trials_hit),
                                        top(c.critical.top1_hit),
                                        paired ? csv_field(paired->baseline) : "",
                                        paired ? std::to_string(paired->diff.n) : "",
                                        paired ? format_general(paired->diff.mean) : "",
                                        paired ? format_general(paired->diff.lo) : "",
                                        paired ? format_general(paired->diff.hi) : "",
                                        csv_field(c.interval),
                                        top(c.top1.lo),
                                        top(c.top1.hi),
                                        top(c.top5.lo),
                                        top(c.top5.hi),
                                        c.labelled ? "yes" : "no",
                                        sdc(c.sdc1.mean),
                                        sdc(c.sdc1.lo),
                                        sdc(c.sdc1.hi),
                                        sdc(c.sdc5.mean),
                                        sdc(c.sdc5.lo),
                                        sdc(c.sdc5.hi),
                                        sdc(c.logit_max_abs),
                                        sdc(c.logit_rel_l2_mean),
                                        std::to_string(c.reused),
                                        std::to_string(c.started_late)};
  std::string out;
  std::vector<std::string> lm;
  for (const metrics::Metric m : lm_metrics()) {
    const auto* q = m->median ? c.median(m) : nullptr;
    if (m->median && q) {
      lm.insert(lm.end(), {format_general(q->estimate), format_general(q->lo), format_general(q->hi)});
    } else if (!m->median && c.measured(m)) {
      const auto& e = c.estimate(m);
      lm.insert(lm.end(), {format_general(e.mean), format_general(e.lo), format_general(e.hi)});
    } else {
      lm.insert(lm.end(), {"n/a", "n/a", "n/a"});
    }
  }
  for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + fields[i];
  for (const auto& f : lm) out += "," + f;
  return out;
}

}  // namespace flipguard::report
