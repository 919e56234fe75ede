// The distribution of a format's trials: one panel per protection, its BERs along x (clean first), every
// trial's Top-1 a dot, coloured and shaped by whether the trial had a fault on the format's critical bit
// (the top exponent bit of floats, the sign of fixed point), with the cell's mean and 95% interval beside
// the dots. A cell whose trials either survive or collapse shows as two clusters, and the colours show
// which event decided.
#pragma once

#include <optional>
#include <string>

#include "report/campaign_report.hpp"
#include "report/strip_plot.hpp"

namespace flipguard::report {

// nullopt when the format has no cell.
std::optional<StripPlot> trials_plot(const CampaignReport& rep, const std::string& format);

// "trials_top1_<format>.svg" (file-name-safe).
std::string trials_plot_file_name(const std::string& format);

}  // namespace flipguard::report
