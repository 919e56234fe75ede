#include "report/perplexity_plot.hpp"

#include <cmath>

#include "report/text_format.hpp"

namespace flipguard::report {

namespace {

// Orders of magnitude above the highest finite value (or the clean perplexity) where +inf is drawn.
constexpr double kHeadroom = 1.0;

}  // namespace

std::optional<LinePlot> perplexity_plot(const CampaignReport& rep, const std::string& format) {
  if (!rep.language_model) return std::nullopt;
  const metrics::Metric ppl = metrics::Metric::perplexity;
  LinePlot plot;
  plot.title = "Perplexity vs bit-error rate: " + rep.model + ", " + format;
  plot.x_label = "bit-error rate (log scale)";
  plot.y_label = "log10 perplexity (median over trials)";
  plot.log_x = true;
  plot.band_legend = "95% interval of the median (order statistics)";
  plot.reference_legend = "clean (BER 0)";
  plot.anchor_label = "clean";
  // The top of the axis: above every finite median and bound, where +inf lands.
  double top = 0;
  for (const auto& c : rep.cells)
    if (const auto* q = c.format == format ? c.median(ppl) : nullptr)
      for (double v : {q->estimate, q->lo, q->hi})
        if (std::isfinite(v) && v > 0) top = std::max(top, std::log10(v));
  plot.y_min = 0;
  plot.y_max = std::ceil(top + kHeadroom);
  const auto log10_or_top = [&](double v) {
    return std::isinf(v) && v > 0 ? plot.y_max : v > 0 ? std::log10(v) : NAN;
  };
  bool any_point = false;
  const auto& prots = rep.protections.at(format);
  for (std::size_t i = 0; i < prots.size(); ++i) {
    PlotSeries s;
    s.name = prots[i];
    for (double ber : rep.bers(format)) {
      const auto* c = rep.find(format, prots[i], ber);
      const auto* q = c ? c->median(ppl) : nullptr;
      if (!q) continue;
      if (ber == 0) {
        s.anchor_y = s.anchor_lo = s.anchor_hi = log10_or_top(q->estimate);
        plot.references.push_back(
            {prots[i] + " clean: " + format_amount(q->estimate), s.anchor_y, static_cast<int>(i)});
        continue;
      }
      s.x.push_back(ber);
      s.y.push_back(log10_or_top(q->estimate));
      s.lo.push_back(std::isinf(q->lo) && q->lo < 0 ? plot.y_min : log10_or_top(q->lo));
      s.hi.push_back(log10_or_top(q->hi));
      any_point = true;
    }
    plot.series.push_back(std::move(s));
  }
  if (!any_point) return std::nullopt;
  return plot;
}

std::optional<StripPlot> perplexity_trials_plot(const CampaignReport& rep, const std::string& format) {
  if (!rep.language_model) return std::nullopt;
  const metrics::Metric ppl = metrics::Metric::perplexity;
  StripPlot plot;
  plot.title = "Perplexity of each trial: " + rep.model + ", " + format;
  plot.y_label = "log10 perplexity";
  plot.summary_legend = "median over trials and its 95% interval";
  plot.groups = {{"trial", "#0072B2", MarkerShape::circle},
                 {"collapsed (non-finite logits, or past the axis)", "#D55E00", MarkerShape::triangle},
                 {"fault-free run (BER 0)", "#222222", MarkerShape::circle}};
  double top = 0;
  for (std::size_t i = 0; i < rep.cells.size(); ++i)
    if (rep.cells[i].format == format)
      for (const auto& t : rep.outcomes[i])
        if (std::isfinite(t.perplexity) && t.perplexity > 0) top = std::max(top, std::log10(t.perplexity));
  plot.y_min = 0;
  plot.y_max = std::ceil(top + kHeadroom);
  const auto y = [&](double v) { return std::isfinite(v) && v > 0 ? std::log10(v) : plot.y_max; };
  for (const auto& protection : rep.protections.at(format)) {
    StripPanel panel;
    panel.title = protection;
    for (double ber : rep.bers(format)) {
      const auto* c = rep.find(format, protection, ber);
      const auto* q = c ? c->median(ppl) : nullptr;
      if (!q) continue;
      StripCategory cat;
      cat.label = ber == 0 ? "clean" : format_ber(ber);
      cat.sublabel = "n = " + std::to_string(c->trials);
      std::int64_t collapsed = 0;
      for (const auto& t : rep.trials_of(c)) {
        const bool gone = !std::isfinite(t.perplexity);
        collapsed += gone;
        cat.points.push_back({y(t.perplexity), ber == 0 ? 2 : gone ? 1 : 0});
      }
      cat.mean = y(q->estimate);
      cat.lo = std::isinf(q->lo) && q->lo < 0 ? plot.y_min : y(q->lo);
      cat.hi = y(q->hi);
      cat.tip = protection + ", BER " + format_ber(ber) + ": median " + format_amount(q->estimate) + " [" +
                format_amount(q->lo) + ", " + format_amount(q->hi) + "]; " + std::to_string(collapsed) +
                " of " + std::to_string(c->trials) + " trials non-finite";
      panel.categories.push_back(std::move(cat));
    }
    if (!panel.categories.empty()) plot.panels.push_back(std::move(panel));
  }
  if (plot.panels.empty()) return std::nullopt;
  return plot;
}

}  // namespace flipguard::report
