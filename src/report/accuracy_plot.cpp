#include "report/accuracy_plot.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "report/text_format.hpp"

namespace flipguard::report {

std::optional<LinePlot> accuracy_plot(const CampaignReport& rep, const std::string& format) {
  // Data without labels has no accuracy: its plot is SDC-1, whose clean value is 0 by definition.
  const bool sdc = !rep.labelled;
  const auto value = [sdc](const campaign::CellSummary& c) -> const campaign::MeanEstimate& {
    return sdc ? c.sdc1 : c.top1;
  };
  LinePlot plot;
  plot.title = (sdc ? "SDC-1 vs bit-error rate: " : "Top-1 vs bit-error rate: ") + rep.model + ", " + format;
  plot.x_label = "bit-error rate (log scale)";
  plot.y_label = sdc ? "SDC-1: Top-1 changed vs the fault-free model (%)" : "Top-1 accuracy (%)";
  plot.log_x = true;
  plot.band_legend = "95% interval of the mean";
  plot.reference_legend = "clean (BER 0)";
  bool any_point = false;
  const auto& prots = rep.protections.at(format);
  for (std::size_t i = 0; i < prots.size(); ++i) {
    PlotSeries s;
    s.name = prots[i];
    for (double ber : rep.bers(format)) {
      const auto* c = rep.find(format, prots[i], ber);
      if (!c) continue;
      if (ber == 0 && sdc) continue;
      if (ber == 0) {
        plot.references.push_back({prots[i] + " clean: " + format_fixed(c->top1.mean, 2) + " %", c->top1.mean,
                                   static_cast<int>(i)});
        continue;
      }
      s.x.push_back(ber);
      s.y.push_back(value(*c).mean);
      // NaN where there is no interval (Student t over one trial): no band there. Accuracy lives in
      // [0, 100]: the band is drawn inside it (the tables keep the interval as computed).
      const double lo = value(*c).lo, hi = value(*c).hi;
      s.lo.push_back(std::isnan(lo) ? lo : std::max(0.0, lo));
      s.hi.push_back(std::isnan(hi) ? hi : std::min(100.0, hi));
      any_point = true;
    }
    plot.series.push_back(std::move(s));
  }
  if (!any_point) return std::nullopt;
  return plot;
}

std::string plot_file_name(const std::string& format) {
  std::string safe;
  for (unsigned char c : format) safe += std::isalnum(c) || c == '.' || c == '-' || c == '_' ? char(c) : '_';
  return "top1_vs_ber_" + safe + ".svg";
}

}  // namespace flipguard::report
