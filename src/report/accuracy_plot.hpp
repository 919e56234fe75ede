// The Top-1 vs BER plot of one storage format: a line per protection with its 95% CI band over the faulty
// BERs (log axis), and each configuration's clean (BER 0) accuracy as a dashed line, since 0 has no place
// on a log axis.
#pragma once

#include <optional>
#include <string>

#include "report/campaign_report.hpp"
#include "report/svg_plot.hpp"

namespace flipguard::report {

// nullopt when the format has no faulty BER to plot. For data without labels, SDC-1 vs BER instead.
std::optional<LinePlot> accuracy_plot(const CampaignReport& rep, const std::string& format);

// A file-name-safe version of a format name ("q2.5" stays, anything but [A-Za-z0-9._-] becomes '_').
std::string plot_file_name(const std::string& format);

}  // namespace flipguard::report
