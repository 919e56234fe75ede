// summary.md: the campaign header, then per storage format the Top-1 table (BER x protection), the
// configurations' overhead and clean accuracy, paired differences and links to the plots.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "report/campaign_report.hpp"

namespace flipguard::report {

// plot_files: format -> the SVG file names next to summary.md (formats without a plot are absent).
std::string summary_markdown(const CampaignReport& rep, const std::string& title,
                             const std::map<std::string, std::vector<std::string>>& plot_files);

}  // namespace flipguard::report
