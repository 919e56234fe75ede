// report.html: one self-contained page (inline CSS and SVG, no scripts, no external resources) with the
// same tables as summary.md and the plots.
#pragma once

#include <map>
#include <string>

#include "report/campaign_report.hpp"

namespace flipguard::report {

// inline_svgs: format -> <svg> element rendered for inlining (render_svg(..., false)).
std::string report_html(const CampaignReport& rep, const std::string& title,
                        const std::map<std::string, std::string>& inline_svgs);

}  // namespace flipguard::report
