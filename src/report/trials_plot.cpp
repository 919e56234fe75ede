#include "report/trials_plot.hpp"

#include <algorithm>
#include <cmath>

#include "memory/format.hpp"
#include "report/accuracy_plot.hpp"
#include "report/text_format.hpp"

namespace flipguard::report {

namespace {

std::string critical_bit_name(const std::string& format) {
  try {
    return memory::Format::parse(format).is_float() ? "top exponent bit" : "sign bit";
  } catch (const std::exception&) {
    return "critical bit";  // a format this build does not know: still a valid report
  }
}

}  // namespace

std::optional<StripPlot> trials_plot(const CampaignReport& rep, const std::string& format) {
  StripPlot plot;
  plot.title = "Top-1 of each trial: " + rep.model + ", " + format;
  plot.y_label = "Top-1 accuracy (%)";
  plot.summary_legend = "cell mean and its 95% interval";
  const std::string bit = critical_bit_name(format);
  plot.groups = {{"no fault on the " + bit, "#0072B2", MarkerShape::circle},
                 {"fault on the " + bit + " (critical)", "#D55E00", MarkerShape::triangle},
                 {"critical-bit faults not recorded", "#777777", MarkerShape::circle},
                 {"fault-free run (BER 0)", "#222222", MarkerShape::circle}};
  for (const auto& protection : rep.protections.at(format)) {
    StripPanel panel;
    panel.title = protection;
    for (double ber : rep.bers(format)) {
      const auto* c = rep.find(format, protection, ber);
      if (!c) continue;
      StripCategory cat;
      cat.label = ber == 0 ? "clean" : format_ber(ber);
      cat.sublabel = "n = " + std::to_string(c->trials);
      std::int64_t hit = 0, known = 0;
      for (const auto& t : rep.trials_of(c)) {
        cat.points.push_back({t.top1, ber == 0 ? 3 : t.critical < 0 ? 2 : t.critical});
        known += t.critical >= 0;
        hit += t.critical == 1;
      }
      cat.mean = c->top1.mean;
      cat.lo = std::isnan(c->top1.lo) ? c->top1.lo : std::clamp(c->top1.lo, 0.0, 100.0);
      cat.hi = std::isnan(c->top1.hi) ? c->top1.hi : std::clamp(c->top1.hi, 0.0, 100.0);
      cat.tip = protection + ", BER " + format_ber(ber) + ": " + format_mean_ci(c->top1) + ", range " +
                format_fixed(c->top1_min, 2) + "–" + format_fixed(c->top1_max, 2);
      if (ber > 0 && known > 0)
        cat.tip += "; " + std::to_string(hit) + " of " + std::to_string(known) +
                   " trials with a fault on the " + bit;
      panel.categories.push_back(std::move(cat));
    }
    if (!panel.categories.empty()) plot.panels.push_back(std::move(panel));
  }
  if (plot.panels.empty()) return std::nullopt;
  return plot;
}

std::string trials_plot_file_name(const std::string& format) {
  return "trials_top1_" + safe_file_part(format) + ".svg";
}

}  // namespace flipguard::report
