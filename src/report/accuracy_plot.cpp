#include "report/accuracy_plot.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "metrics/metric_registry.hpp"
#include "report/text_format.hpp"

namespace flipguard::report {

namespace {

// Accuracy lives in [0, 100]: intervals are drawn inside it (the tables keep them as computed). NaN where
// there is none (Student t over one trial) stays NaN.
double clamp_percent(double v) {
  return std::isnan(v) ? v : std::clamp(v, 0.0, 100.0);
}

}  // namespace

std::string metric_name(Metric metric) {
  return std::string(metric->label);
}

std::vector<Metric> plotted_metrics(const CampaignReport& rep) {
  std::vector<Metric> out;
  for (const Metric m : metrics::all_metrics())
    if (m->plotted && m->range == metrics::MetricRange::share && (!m->needs_labels || rep.labelled) &&
        (!m->needs_clean_outputs || rep.has_sdc) && m->task != metrics::MetricTask::any &&
        (m->task == metrics::MetricTask::language_model) == rep.language_model)
      out.push_back(m);
  return out;
}

std::optional<LinePlot> accuracy_plot(const CampaignReport& rep, const std::string& format, Metric metric) {
  const std::string name = metric_name(metric);
  const bool sdc = metric->needs_clean_outputs;  // no clean slot: 0 there by definition
  LinePlot plot;
  plot.title = name + " vs bit-error rate: " + rep.model + ", " + format;
  plot.x_label = "bit-error rate (log scale)";
  plot.y_label = std::string(metric->axis_label);
  plot.log_x = true;
  plot.y_min = 0;
  plot.y_max = 100;
  plot.band_legend = "95% interval of the mean";
  plot.reference_legend = "clean (BER 0)";
  plot.anchor_label = "clean";
  bool any_point = false;
  const auto& prots = rep.protections.at(format);
  for (std::size_t i = 0; i < prots.size(); ++i) {
    PlotSeries s;
    s.name = prots[i];
    for (double ber : rep.bers(format)) {
      const auto* c = rep.find(format, prots[i], ber);
      if (!c) continue;
      if (ber == 0 && sdc) continue;
      const campaign::MeanEstimate& e = c->estimate(metric);
      if (ber == 0) {
        s.anchor_y = e.mean;
        s.anchor_lo = clamp_percent(e.lo);
        s.anchor_hi = clamp_percent(e.hi);
        plot.references.push_back(
            {prots[i] + " clean: " + format_fixed(e.mean, 2) + " %", e.mean, static_cast<int>(i)});
        continue;
      }
      s.x.push_back(ber);
      s.y.push_back(e.mean);
      s.lo.push_back(clamp_percent(e.lo));
      s.hi.push_back(clamp_percent(e.hi));
      any_point = true;
    }
    plot.series.push_back(std::move(s));
  }
  if (!any_point) return std::nullopt;
  return plot;
}

std::string safe_file_part(const std::string& text) {
  std::string safe;
  for (unsigned char c : text) safe += std::isalnum(c) || c == '.' || c == '-' || c == '_' ? char(c) : '_';
  return safe;
}

std::string plot_file_name(const std::string& format, Metric metric) {
  return std::string(metric.id()) + "_vs_ber_" + safe_file_part(format) + ".svg";
}

}  // namespace flipguard::report
