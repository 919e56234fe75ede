// summary.tex (`flipguard report --latex`): the report's accuracy tables as LaTeX for a paper, to \input
// into a document that loads booktabs. A campaign gets, per format, the Top-1 table (BER x protection,
// "mean [95% interval] (trials)") and the paired differences; a layer campaign one Top-1 table per
// configuration (layer x BER).
#pragma once

#include <string>

#include "report/campaign_report.hpp"
#include "report/layer_report.hpp"

namespace flipguard::report {

std::string summary_latex(const CampaignReport& rep, const std::string& title);
std::string layer_latex(const LayerReport& rep, const std::string& title);

}  // namespace flipguard::report
