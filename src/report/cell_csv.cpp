#include "report/cell_csv.hpp"

#include <vector>

#include "report/text_format.hpp"

namespace flipguard::report {

std::string cell_csv_header() {
  return "format,protection,ber,trials,images,top1_mean,top1_std,top1_ci95,top1_min,top1_max,top5_mean,top5_"
         "std,"
         "top5_ci95,non_finite_share,flips_mean,changed_weights_mean,memory_overhead,ecc_corrected_mean,"
         "ecc_detected_mean,stopped,early_stopped,p_no_critical,trials_no_critical,top1_no_critical,trials_"
         "critical,top1_critical,paired_baseline,paired_trials,paired_mean,paired_lo,paired_hi,interval,top1_"
         "lo,"
         "top1_hi,top5_lo,top5_hi";
}

std::string cell_csv_row(const campaign::CellSummary& c, const PairedDifference* paired) {
  const std::vector<std::string> fields{csv_field(c.format),
                                        csv_field(c.protection),
                                        format_general(c.ber),
                                        std::to_string(c.trials),
                                        std::to_string(c.images),
                                        format_general(c.top1.mean),
                                        format_general(c.top1.std),
                                        format_general(c.top1.ci95),
                                        format_general(c.top1_min),
                                        format_general(c.top1_max),
                                        format_general(c.top5.mean),
                                        format_general(c.top5.std),
                                        format_general(c.top5.ci95),
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
                                        format_general(c.critical.top1_none),
                                        std::to_string(c.critical.trials_hit),
                                        format_general(c.critical.top1_hit),
                                        paired ? csv_field(paired->baseline) : "",
                                        paired ? std::to_string(paired->diff.n) : "",
                                        paired ? format_general(paired->diff.mean) : "",
                                        paired ? format_general(paired->diff.lo) : "",
                                        paired ? format_general(paired->diff.hi) : "",
                                        csv_field(c.interval),
                                        format_general(c.top1.lo),
                                        format_general(c.top1.hi),
                                        format_general(c.top5.lo),
                                        format_general(c.top5.hi)};
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + fields[i];
  return out;
}

}  // namespace flipguard::report
