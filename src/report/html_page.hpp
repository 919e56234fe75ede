// report.html: one self-contained page (inline CSS and SVG, no scripts, no external resources) with the
// same tables as summary.md and the plots: per format Top-1 and Top-5 vs BER and the trials' distribution.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "report/campaign_report.hpp"

namespace flipguard::report {

// figures: format -> its <svg> elements rendered for inlining (render_*(..., false)), in page order.
std::string report_html(const CampaignReport& rep, const std::string& title,
                        const std::map<std::string, std::vector<std::string>>& figures);

// The page's head (with the shared style sheet), up to and including <body>; and its end.
std::string html_page_start(const std::string& title);
std::string html_page_end();

}  // namespace flipguard::report
