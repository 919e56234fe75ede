// The accuracy vs BER plot of one storage format (Top-1 or Top-5): a line per protection with the 95%
// interval of its mean at each faulty BER (log axis), and each configuration's clean (BER 0) accuracy with
// its interval in a "clean" slot left of the axis (0 has no place on a log axis) and as a faint dashed line
// across the plot. The y axis stays within 0-100 %.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "metrics/metric.hpp"
#include "report/campaign_report.hpp"
#include "report/svg_plot.hpp"

namespace flipguard::report {

// A share metric of the registry (metrics/metric_registry.hpp): Top-1, Top-5, or SDC-1, the share of images
// whose Top-1 changed against the fault-free model (data without labels plot it instead of accuracy).
using Metric = metrics::Metric;

std::string metric_name(Metric metric);  // its label: "Top-1", "Top-5", "SDC-1"

// The share metrics the report plots (plotted in the registry) that the campaign measured (labels, SDC).
std::vector<Metric> plotted_metrics(const CampaignReport& rep);

// nullopt when the format has no faulty BER to plot. A metric against the fault-free outputs (SDC-1) has no
// clean slot (0 by definition).
std::optional<LinePlot> accuracy_plot(const CampaignReport& rep, const std::string& format,
                                      Metric metric = Metric::top1);

// "<id>_vs_ber_<format>.svg" (top1_vs_ber_q2.5.svg) with a file-name-safe format ("q2.5" stays, anything
// but [A-Za-z0-9._-] becomes '_').
std::string plot_file_name(const std::string& format, Metric metric = Metric::top1);
// The same safe spelling for other files ("trials_q2.5.svg").
std::string safe_file_part(const std::string& text);

}  // namespace flipguard::report
